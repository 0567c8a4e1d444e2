/**
 * The safety-code screen with a colleague, from outside a conversation (the Annuaire, the profile,
 * the new-device notice). Only the id travels: the screen asks the server for the name, so that a
 * link cannot put a name of its choosing over someone else's code.
 */
export function safetyCodePath(userId: string): string {
  return `/code-de-securite/${encodeURIComponent(userId)}`;
}
