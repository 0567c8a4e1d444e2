import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ScratchDatabase, scratchDatabase, testStore } from "@confrere/dev-env";
import { migrate } from "@confrere/server";
import { userRow } from "./support/user-row.ts";

describe(`0016-retention on ${testStore()}`, () => {
  let scratch: ScratchDatabase;
  before(async () => {
    scratch = await scratchDatabase("retention-migration");
  });
  after(async () => {
    await scratch.dispose();
  });

  test("0015 → 0016 keeps conversations and their log; holds and reminders go with their conversation", async () => {
    const handle = await scratch.open();
    try {
      await migrate(handle, "0015-availability-on-call");
      await handle.db.insertInto("users").values(userRow()).execute();
      await handle.db
        .insertInto("conversations")
        .values({
          id: "c1",
          kind: "group",
          direct_key: null,
          created_by: "u1",
          created_at: 1,
          epoch: 0,
          last_seq: 1,
        })
        .execute();
      await handle.db
        .insertInto("log_entries")
        .values({
          conversation_id: "c1",
          seq: 1,
          kind: "application",
          epoch: 0,
          sender_user_id: "u1",
          sender_device_id: "d1",
          client_message_id: "m1",
          body: new Uint8Array([1, 2, 3]),
          created_at: 1,
        })
        .execute();

      assert.deepEqual(await migrate(handle, "0016-retention"), ["0016-retention"]);
      assert.equal((await handle.db.selectFrom("log_entries").select("seq").execute()).length, 1);
      await handle.db
        .insertInto("legal_holds")
        .values({ conversation_id: "c1", reason: "litigation", placed_by: "u1", placed_at: 2 })
        .execute();
      await assert.rejects(
        handle.db
          .insertInto("legal_holds")
          .values({ conversation_id: "c1", reason: "other", placed_by: "u1", placed_at: 3 })
          .execute(),
        "one hold per conversation",
      );
      await handle.db
        .insertInto("retention_reminders")
        .values({ conversation_id: "c1", user_id: "u1", covered_until: 5, sent_at: 5 })
        .execute();
      await handle.db.deleteFrom("conversations").where("id", "=", "c1").execute();
      assert.deepEqual(await handle.db.selectFrom("legal_holds").selectAll().execute(), []);
      assert.deepEqual(await handle.db.selectFrom("retention_reminders").selectAll().execute(), []);

      // And down again.
      await migrate(handle, "0015-availability-on-call");
      await assert.rejects(handle.db.selectFrom("legal_holds").selectAll().execute());
      await assert.rejects(handle.db.selectFrom("retention_policies").selectAll().execute());
    } finally {
      await handle.close();
    }
  });
});
