import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ScratchDatabase, scratchDatabase, testStore } from "@confrere/dev-env";
import { migrate } from "@confrere/server";
import { userRow } from "./support/user-row.ts";

describe(`0017-tele-expertise on ${testStore()}`, () => {
  let scratch: ScratchDatabase;
  before(async () => {
    scratch = await scratchDatabase("tele-expertise-migration");
  });
  after(async () => {
    await scratch.dispose();
  });

  test("0016 → 0017 keeps conversations and cases; a request goes with its conversation", async () => {
    const handle = await scratch.open();
    try {
      await migrate(handle, "0016-retention");
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
          last_seq: 0,
        })
        .execute();
      await handle.db
        .insertInto("care_cases")
        .values({ id: "case_0001", conversation_id: "c1", opened_by: "u1", opened_at: 1 })
        .execute();

      assert.deepEqual(await migrate(handle, "0017-tele-expertise"), ["0017-tele-expertise"]);
      assert.equal((await handle.db.selectFrom("care_cases").select("id").execute()).length, 1);
      // Times beyond 2^31 ms (every real date) fit: bigint on PostgreSQL.
      const sentAt = Date.UTC(2026, 10, 26);
      await handle.db
        .insertInto("tele_expertises")
        .values({
          id: "exp_00000001",
          conversation_id: "c1",
          requerant_id: "u1",
          requis_user_id: null,
          service_id: null,
          case_id: "case_0001",
          urgency: "routine",
          state: "sent",
          sent_at: sentAt,
          accepted_at: null,
          declined_at: null,
          answered_at: null,
          closed_at: null,
        })
        .execute();
      const row = await handle.db.selectFrom("tele_expertises").selectAll().executeTakeFirstOrThrow();
      assert.equal(Number(row.sent_at), sentAt);
      await handle.db.deleteFrom("conversations").where("id", "=", "c1").execute();
      assert.deepEqual(await handle.db.selectFrom("tele_expertises").selectAll().execute(), []);

      // And down again.
      await migrate(handle, "0016-retention");
      await assert.rejects(handle.db.selectFrom("tele_expertises").selectAll().execute());
    } finally {
      await handle.close();
    }
  });
});
