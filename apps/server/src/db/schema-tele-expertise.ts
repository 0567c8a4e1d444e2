/** Tables of migrations/0014-tele-expertise.ts. Times in epoch milliseconds. */

// biome-ignore lint/suspicious/noEmptyInterface: filled in by the migration's work
export interface TeleExpertiseTables {}
