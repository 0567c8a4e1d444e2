import type { RetentionHorizon } from "@confrere/protocol";
import { getJson, type LocalStore } from "./store.ts";

/**
 * Deletes this device's copies of messages past their conversation's retention horizon, as the
 * server purges its ciphertext (DOMAIN.md "Retention": messages are not the medical record; export
 * what matters before). A conversation under legal hold has a horizon of 0 and keeps everything.
 * The horizon is a sequence number, so the device's clock plays no part. Returns how many
 * messages went.
 *
 * Keys: `msg/<conversation>/<seq, 12 digits>` holds a message, `ref/<conversation>/<message id>`
 * its sequence number (see client.ts).
 *
 * @example
 * const { horizons } = await api.retentionHorizons();
 * const deleted = await deleteExpiredLocalCopies(store, horizons);
 */
export async function deleteExpiredLocalCopies(
  store: LocalStore,
  horizons: readonly RetentionHorizon[],
): Promise<number> {
  let deleted = 0;
  for (const horizon of horizons) {
    if (horizon.isOnHold || horizon.expiredThroughSeq <= 0) continue;
    const prefix = `msg/${horizon.conversationId}/`;
    for (const key of await store.keys(prefix)) {
      const seq = Number(key.slice(prefix.length));
      // Keys sort by sequence: past the horizon, everything left is kept.
      if (!Number.isFinite(seq) || seq > horizon.expiredThroughSeq) break;
      await store.delete(key);
      deleted++;
    }
    const refPrefix = `ref/${horizon.conversationId}/`;
    for (const key of await store.keys(refPrefix)) {
      const seq = await getJson<number>(store, key);
      if (seq !== null && seq <= horizon.expiredThroughSeq) await store.delete(key);
    }
  }
  return deleted;
}
