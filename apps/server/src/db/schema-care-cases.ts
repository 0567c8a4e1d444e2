/** Tables of migrations/0013-care-cases.ts. Times in epoch milliseconds. */

// biome-ignore lint/suspicious/noEmptyInterface: filled in by the migration's work
export interface CareCaseTables {}
