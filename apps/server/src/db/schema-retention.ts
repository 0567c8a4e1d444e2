/** Tables of migrations/0016-retention.ts. Times in epoch milliseconds. */

// biome-ignore lint/suspicious/noEmptyInterface: filled in by the migration's work
export interface RetentionTables {}
