import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runServerCli, startTestServer, type TestServer } from "@confrere/dev-env";
import type { ConfrereError } from "@confrere/protocol";
import { chainHash, verifyAuditChain } from "@confrere/server";
import { sql } from "kysely";

describe("audit trail", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("security events are recorded with actor, target, ip and device, never secrets", async () => {
    const user = await server.createUser();
    await user.api.rotateSession();
    await server
      .client()
      .login({ email: user.email, password: "wrong password here", deviceName: "x" })
      .catch(() => {});
    const { events } = await user.api.securityEvents();
    const actions = events.map((e) => e.action);
    for (const expected of [
      "auth.login_succeeded",
      "auth.login_failed",
      "device.added",
      "auth.session_rotated",
    ]) {
      assert.ok(actions.includes(expected), `missing ${expected} in ${actions.join(", ")}`);
    }
    const login = events.find((e) => e.action === "auth.login_succeeded")!;
    assert.equal(login.actorId, user.userId);
    assert.equal(login.ip, "127.0.0.1");
    assert.ok(login.deviceId);
    // Newest first.
    assert.ok(events[0]!.id > events.at(-1)!.id);

    const rows = await server.server.ctx.db.selectFrom("audit_events").selectAll().execute();
    const text = JSON.stringify(rows);
    for (const secret of [user.password, user.totpSecret, user.api.token!]) {
      assert.ok(!text.includes(secret), "the audit trail must not hold a secret");
    }
  });

  test("users see only their own events; operators see everyone's", async () => {
    const alice = await server.createUser();
    const bob = await server.createUser();
    const operator = await server.createUser({ operator: true });
    const aliceEvents = (await alice.api.securityEvents({ limit: 200 })).events;
    assert.ok(aliceEvents.every((e) => e.actorId === alice.userId || e.targetId === alice.userId));
    assert.ok(!aliceEvents.some((e) => e.actorId === bob.userId));
    await assert.rejects(alice.api.auditEvents(), (e: ConfrereError) => e.code === "OPERATOR_ONLY");
    const all = (await operator.api.auditEvents({ limit: 200 })).events;
    assert.ok(all.some((e) => e.actorId === alice.userId));
    assert.ok(all.some((e) => e.actorId === bob.userId));
    // Paging goes back in time.
    const page = (await operator.api.auditEvents({ limit: 2 })).events;
    const next = (await operator.api.auditEvents({ limit: 2, before: page.at(-1)!.id })).events;
    assert.ok(next.every((e) => e.id < page.at(-1)!.id));
  });

  test("concurrent appends form one unbroken chain", async () => {
    const { audit, db } = server.server.ctx;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        audit.record({ action: "auth.logout", actorId: `user-${i}`, detail: { i } }),
      ),
    );
    const result = await verifyAuditChain(db);
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  test("`confrere-server audit verify` names the event that was changed, deleted, or cut off", async () => {
    const { db } = server.server.ctx;
    const ok = await runServerCli(["audit", "verify"], { env: server.env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /intact/);

    const rows = await db.selectFrom("audit_events").select(["seq", "action"]).orderBy("seq").execute();
    assert.ok(rows.length > 10);
    const changed = rows[4]!.seq;
    await db.updateTable("audit_events").set({ action: "auth.logout" }).where("seq", "=", changed).execute();
    const edited = await runServerCli(["audit", "verify", "--json"], { env: server.env });
    assert.equal(edited.code, 1);
    const report = JSON.parse(edited.stdout) as { ok: boolean; brokenAtSeq: number; reason: string };
    assert.equal(report.ok, false);
    assert.equal(report.brokenAtSeq, changed);
    assert.match(report.reason, /changed/);
    await db
      .updateTable("audit_events")
      .set({ action: rows[4]!.action })
      .where("seq", "=", changed)
      .execute();
    assert.equal((await verifyAuditChain(db)).ok, true);

    // A row deleted in the middle.
    const deleted = rows[7]!.seq;
    const saved = await db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", "=", deleted)
      .executeTakeFirstOrThrow();
    await db.deleteFrom("audit_events").where("seq", "=", deleted).execute();
    const gap = await runServerCli(["audit", "verify"], { env: server.env });
    assert.equal(gap.code, 1);
    assert.match(gap.stdout, new RegExp(`BROKEN at event ${deleted}\\b`));
    await db.insertInto("audit_events").values(saved).execute();
    assert.equal((await verifyAuditChain(db)).ok, true);

    // The newest row deleted: the chain head notices.
    const last = await db
      .selectFrom("audit_events")
      .select("seq")
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirstOrThrow();
    await db.deleteFrom("audit_events").where("seq", "=", last.seq).execute();
    const cut = await runServerCli(["audit", "verify", "--json"], { env: server.env });
    assert.equal(cut.code, 1);
    assert.equal((JSON.parse(cut.stdout) as { brokenAtSeq: number }).brokenAtSeq, last.seq);

    // A row rewritten with its own hash recomputed still breaks the link from the next row.
    const forged = await db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", "=", rows[2]!.seq)
      .executeTakeFirstOrThrow();
    const rewritten = { ...forged, action: "auth.logout" as const };
    await db
      .updateTable("audit_events")
      .set({ action: rewritten.action, hash: chainHash(forged.prev_hash, rewritten) })
      .where("seq", "=", forged.seq)
      .execute();
    const relinked = await verifyAuditChain(db);
    assert.equal(relinked.ok, false);
    if (!relinked.ok) assert.equal(relinked.brokenAtSeq, forged.seq + 1);

    // Without its head row the chain can't be trusted.
    await sql`delete from audit_head`.execute(db);
    const headless = await runServerCli(["audit", "verify"], { env: server.env });
    assert.equal(headless.code, 1);
  });
});
