/** Tables of the identity roads: Pro Santé Connect states, claims and their review (migrations 0006, 0007). */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the identity work
export interface IdentityTables {}
