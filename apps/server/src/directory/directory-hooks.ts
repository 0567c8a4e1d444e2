import type { AppContext } from "../context.ts";

/**
 * Called by the import, batch by batch, with the national ids of the professionals it has just
 * marked inactive (missing from a complete extraction: retired, struck off, deceased).
 *
 * The rule it is for: a verified account whose professional became inactive is suspended.
 * @TODO(directory-identity issue): accounts do not link to professionals yet (that issue adds
 * the link by national id). Until then no account can be matched, so doing nothing is safe; the
 * link must then suspend the verified accounts of `nationalIds` here, with an audit event each.
 */
export async function onProfessionalsDeactivated(
  _ctx: AppContext,
  _nationalIds: readonly string[],
): Promise<void> {}
