/** Tables of migrations/0013-care-cases.ts. Times in epoch milliseconds. */

/** A patient case: an opaque id made on the device, tied to a conversation. No patient datum. */
export interface CareCasesTable {
  id: string;
  conversation_id: string;
  opened_by: string | null;
  opened_at: number;
}

export interface CareCaseTables {
  care_cases: CareCasesTable;
}
