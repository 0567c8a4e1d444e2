import { inspectKeyPackage } from "@confrere/crypto";
import { ConfrereError, ErrorCode, type PublicDevice } from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { KeyPackagesTable } from "../db/schema-messaging.ts";
import { memberIdsOfContacts } from "./contacts.ts";

/**
 * The device directory (the MLS Authentication Service of E2EE.md): each device registers one
 * signature key, uploads KeyPackages proving it holds it, and others claim one KeyPackage per
 * target device.
 */
export async function registerDeviceKey(
  ctx: AppContext,
  who: { userId: string; deviceId: string },
  signaturePublicKey: string,
): Promise<void> {
  const existing = await ctx.db
    .selectFrom("device_keys")
    .select("signature_public_key")
    .where("device_id", "=", who.deviceId)
    .executeTakeFirst();
  if (existing) {
    if (existing.signature_public_key === signaturePublicKey) return;
    // A device keeps one key for life: a new key is a new device (log in again), so members
    // are never silently switched to a key they did not see.
    throw new ConfrereError(
      ErrorCode.DEVICE_KEY_MISMATCH,
      409,
      "registerDeviceKey: this device already has another key; log in again to enrol a new device",
    );
  }
  if (Buffer.from(signaturePublicKey, "base64url").length !== 32) {
    throw new ConfrereError(
      ErrorCode.VALIDATION_FAILED,
      400,
      "registerDeviceKey: an Ed25519 public key has 32 bytes",
    );
  }
  await ctx.db
    .insertInto("device_keys")
    .values({
      device_id: who.deviceId,
      user_id: who.userId,
      signature_public_key: signaturePublicKey,
      created_at: ctx.clock.now(),
    })
    .execute();
  ctx.bus.publish({
    kind: "devices",
    userIds: await memberIdsOfContacts(ctx.db, who.userId),
    userId: who.userId,
  });
}

async function deviceKey(ctx: AppContext, deviceId: string, operation: string): Promise<string> {
  const row = await ctx.db
    .selectFrom("device_keys")
    .select("signature_public_key")
    .where("device_id", "=", deviceId)
    .executeTakeFirst();
  if (!row) {
    throw new ConfrereError(
      ErrorCode.DEVICE_KEY_REQUIRED,
      409,
      `${operation}: register this device's key first`,
    );
  }
  return row.signature_public_key;
}

/** Checks each KeyPackage is signed by this very device's registered key before storing it. */
export async function uploadKeyPackages(
  ctx: AppContext,
  who: { userId: string; deviceId: string },
  keyPackages: string[],
  lastResort: string | undefined,
): Promise<void> {
  const key = await deviceKey(ctx, who.deviceId, "uploadKeyPackages");
  const rows: KeyPackagesTable[] = [];
  const now = ctx.clock.now();
  for (const [encoded, isLastResort] of [
    ...keyPackages.map((k) => [k, false] as const),
    ...(lastResort ? [[lastResort, true] as const] : []),
  ]) {
    const bytes = Buffer.from(encoded, "base64url");
    let info: Awaited<ReturnType<typeof inspectKeyPackage>>;
    try {
      info = await inspectKeyPackage(bytes);
    } catch {
      throw new ConfrereError(
        ErrorCode.KEY_PACKAGE_INVALID,
        400,
        "uploadKeyPackages: a KeyPackage could not be read or verified",
      );
    }
    if (
      info.userId !== who.userId ||
      info.deviceId !== who.deviceId ||
      Buffer.from(info.signaturePublicKey).toString("base64url") !== key ||
      info.isLastResort !== isLastResort
    ) {
      throw new ConfrereError(
        ErrorCode.KEY_PACKAGE_INVALID,
        400,
        "uploadKeyPackages: a KeyPackage is not this device's (user, device, key or last-resort flag differ)",
      );
    }
    rows.push({
      id: newId(),
      device_id: who.deviceId,
      user_id: who.userId,
      body: bytes,
      is_last_resort: isLastResort ? 1 : 0,
      created_at: now,
    });
  }
  await ctx.db.transaction().execute(async (tx) => {
    if (lastResort) {
      await tx
        .deleteFrom("key_packages")
        .where("device_id", "=", who.deviceId)
        .where("is_last_resort", "=", 1)
        .execute();
    }
    if (rows.length) await tx.insertInto("key_packages").values(rows).execute();
  });
}

export async function keyPackageCount(ctx: AppContext, deviceId: string) {
  const rows = await ctx.db
    .selectFrom("key_packages")
    .select(["is_last_resort", (eb) => eb.fn.countAll<number>().as("n")])
    .where("device_id", "=", deviceId)
    .groupBy("is_last_resort")
    .execute();
  return {
    available: Number(rows.find((r) => Number(r.is_last_resort) === 0)?.n ?? 0),
    hasLastResort: rows.some((r) => Number(r.is_last_resort) === 1),
  };
}

/** Live devices (not revoked) that registered a key, for the given users. */
export async function devicesOf(ctx: AppContext, userIds: string[]): Promise<PublicDevice[]> {
  if (userIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("device_keys")
    .innerJoin("devices", "devices.id", "device_keys.device_id")
    .select([
      "device_keys.user_id",
      "device_keys.device_id",
      "devices.name",
      "device_keys.signature_public_key",
      "device_keys.created_at",
    ])
    .where("device_keys.user_id", "in", userIds)
    .where("devices.revoked_at", "is", null)
    .orderBy("device_keys.created_at")
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    deviceId: r.device_id,
    name: r.name,
    signaturePublicKey: r.signature_public_key,
    createdAt: r.created_at,
  }));
}

/**
 * One KeyPackage per live device of each user: a one-time one if any is left (consumed here), else
 * the device's last-resort one (RFC 9420 §16.8).
 */
export async function claimKeyPackages(ctx: AppContext, userIds: string[]) {
  const devices = await devicesOf(ctx, [...new Set(userIds)]);
  const keyPackages = [];
  const unavailable = [];
  for (const device of devices) {
    const claimed = await ctx.db.transaction().execute(async (tx) => {
      const oneTime = await tx
        .selectFrom("key_packages")
        .select(["id", "body"])
        .where("device_id", "=", device.deviceId)
        .where("is_last_resort", "=", 0)
        .orderBy("created_at")
        .limit(1)
        .executeTakeFirst();
      if (oneTime) {
        const deleted = await tx.deleteFrom("key_packages").where("id", "=", oneTime.id).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 1) return oneTime.body;
      }
      const lastResort = await tx
        .selectFrom("key_packages")
        .select("body")
        .where("device_id", "=", device.deviceId)
        .where("is_last_resort", "=", 1)
        .executeTakeFirst();
      return lastResort?.body ?? null;
    });
    if (claimed) {
      keyPackages.push({
        userId: device.userId,
        deviceId: device.deviceId,
        signaturePublicKey: device.signaturePublicKey,
        keyPackage: Buffer.from(claimed).toString("base64url"),
      });
    } else {
      unavailable.push({ userId: device.userId, deviceId: device.deviceId });
    }
  }
  return { keyPackages, unavailable };
}
