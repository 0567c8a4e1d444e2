/** Tables of establishments, services, territories and invitations (migration 0008). */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the organisations work
export interface OrganisationTables {}
