/** Tables of the directory-match road: claims, their encrypted proofs, the review (migration 0007). */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the identity-claims work
export interface IdentityClaimTables {}
