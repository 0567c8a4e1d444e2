import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ScratchDatabase, scratchDatabase, testStore } from "@confrere/dev-env";
import { migrate } from "@confrere/server";
import { userRow } from "./support/user-row.ts";

describe(`0012-push-subscriptions on ${testStore()}`, () => {
  let scratch: ScratchDatabase;
  before(async () => {
    scratch = await scratchDatabase("push-migration");
  });
  after(async () => {
    await scratch.dispose();
  });

  test("0011 → 0012 keeps devices, holds one subscription per device, deleted with the device", async () => {
    const handle = await scratch.open();
    try {
      await migrate(handle, "0011-directory-search");
      await handle.db.insertInto("users").values(userRow()).execute();
      for (const id of ["d1", "d2"]) {
        await handle.db
          .insertInto("devices")
          .values({ id, user_id: "u1", name: id, created_at: 1, last_seen_at: 1, revoked_at: null })
          .execute();
      }

      assert.deepEqual(await migrate(handle, "0012-push-subscriptions"), ["0012-push-subscriptions"]);
      assert.equal((await handle.db.selectFrom("devices").select("id").execute()).length, 2);
      const subscription = (deviceId: string, endpoint: string) => ({
        device_id: deviceId,
        user_id: "u1",
        endpoint,
        p256dh: "p",
        auth: "a",
        preview: "sender" as const,
        last_pushed: null,
        created_at: 1,
        updated_at: 1,
      });
      await handle.db
        .insertInto("push_subscriptions")
        .values(subscription("d1", "https://push.example/1"))
        .execute();
      await handle.db
        .insertInto("push_subscriptions")
        .values(subscription("d2", "https://push.example/2"))
        .execute();
      await assert.rejects(
        handle.db
          .insertInto("push_subscriptions")
          .values(subscription("d1", "https://push.example/3"))
          .execute(),
        "a second subscription for the same device is refused",
      );
      await handle.db.deleteFrom("devices").where("id", "=", "d1").execute();
      const left = await handle.db.selectFrom("push_subscriptions").select("device_id").execute();
      assert.deepEqual(
        left.map((r) => r.device_id),
        ["d2"],
      );

      // And down again.
      await migrate(handle, "0011-directory-search");
      await assert.rejects(handle.db.selectFrom("push_subscriptions").select("device_id").execute());
    } finally {
      await handle.close();
    }
  });
});
