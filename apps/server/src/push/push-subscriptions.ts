import { ConfrereError, ErrorCode, type PushPreview, type PushSubscribeRequest } from "@confrere/protocol";
import type { AppContext } from "../context.ts";

/** Who is asking: push settings belong to the device of the session. */
export interface PushDevice {
  userId: string;
  deviceId: string;
  ip: string | null;
}

/** This device's subscription state (the VAPID key is added by the route). */
export async function pushStatus(
  ctx: AppContext,
  deviceId: string,
): Promise<{ isSubscribed: boolean; preview: PushPreview }> {
  const row = await ctx.db
    .selectFrom("push_subscriptions")
    .select("preview")
    .where("device_id", "=", deviceId)
    .executeTakeFirst();
  return { isSubscribed: row !== undefined, preview: row?.preview ?? "sender" };
}

/**
 * Saves the browser's subscription for this device, replacing the one it had (a browser renews its
 * subscription when the push service rotates it). Push services are HTTPS (RFC 8030 §8); plain
 * HTTP is accepted outside production only, for a local stand-in in tests. Keeps the preview
 * setting unless one is given.
 */
export async function savePushSubscription(
  ctx: AppContext,
  device: PushDevice,
  input: PushSubscribeRequest,
): Promise<void> {
  const endpoint = new URL(input.endpoint);
  const isAllowedProtocol =
    endpoint.protocol === "https:" || (!ctx.config.isProduction && endpoint.protocol === "http:");
  if (!isAllowedProtocol || endpoint.username || endpoint.password) {
    throw new ConfrereError(
      ErrorCode.PUSH_ENDPOINT_INVALID,
      400,
      "subscribePush: the endpoint must be the HTTPS address given by the browser's push service",
    );
  }
  const now = ctx.clock.now();
  const existing = await pushStatus(ctx, device.deviceId);
  const preview = input.preview ?? existing.preview;
  await ctx.db
    .insertInto("push_subscriptions")
    .values({
      device_id: device.deviceId,
      user_id: device.userId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      preview,
      last_pushed: null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column("device_id").doUpdateSet({
        endpoint: input.endpoint,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
        preview,
        updated_at: now,
      }),
    )
    .execute();
  await ctx.audit.record({
    action: "push.subscribed",
    actorId: device.userId,
    targetType: "device",
    targetId: device.deviceId,
    ip: device.ip,
    deviceId: device.deviceId,
    detail: { preview, renewed: existing.isSubscribed },
  });
}

/** Stops notifications to this device. Idempotent: nothing to delete is not an error. */
export async function deletePushSubscription(ctx: AppContext, device: PushDevice): Promise<void> {
  const result = await ctx.db
    .deleteFrom("push_subscriptions")
    .where("device_id", "=", device.deviceId)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) return;
  await ctx.audit.record({
    action: "push.unsubscribed",
    actorId: device.userId,
    targetType: "device",
    targetId: device.deviceId,
    ip: device.ip,
    deviceId: device.deviceId,
    detail: { reason: "user" },
  });
}

/** “Nouveau message de Dr X” or just “Nouveau message”, for this device. */
export async function setPushPreview(
  ctx: AppContext,
  device: PushDevice,
  preview: PushPreview,
): Promise<void> {
  const result = await ctx.db
    .updateTable("push_subscriptions")
    .set({ preview, updated_at: ctx.clock.now() })
    .where("device_id", "=", device.deviceId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    throw new ConfrereError(
      ErrorCode.PUSH_NOT_SUBSCRIBED,
      409,
      "setPushPreference: notifications are not enabled on this device; enable them first",
    );
  }
  await ctx.audit.record({
    action: "push.preference_changed",
    actorId: device.userId,
    targetType: "device",
    targetId: device.deviceId,
    ip: device.ip,
    deviceId: device.deviceId,
    detail: { preview },
  });
}
