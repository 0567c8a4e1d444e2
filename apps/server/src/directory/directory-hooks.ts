import type { AppContext } from "../context.ts";
import { handleInactiveProfessionals } from "../identity/inactive-professionals.ts";

/**
 * Called by the import, batch by batch, with the national ids of the professionals it has just
 * marked inactive (missing from a complete extraction: retired, struck off, deceased). Their
 * verified accounts are suspended, or warned (see identity/inactive-professionals.ts).
 */
export async function onProfessionalsDeactivated(
  ctx: AppContext,
  nationalIds: readonly string[],
): Promise<void> {
  await handleInactiveProfessionals(ctx, nationalIds);
}
