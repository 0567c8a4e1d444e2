/** Tables of the Pro Santé Connect road (migration 0006). */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the Pro Santé Connect work
export interface ProSanteConnectTables {}
