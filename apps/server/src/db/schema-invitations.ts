/** Tables of invitations by e-mail (migration 0009). */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the invitations work
export interface InvitationTables {}
