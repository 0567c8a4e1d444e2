/** Tables of migrations/0015-availability-on-call.ts. Times in epoch milliseconds. */

// biome-ignore lint/suspicious/noEmptyInterface: filled in by the migration's work
export interface AvailabilityTables {}
