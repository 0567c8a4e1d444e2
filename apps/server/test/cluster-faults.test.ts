import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eventually, startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import { WebSocket } from "ws";

import { opaqueMessage, openRawSocket } from "./support/raw-socket.ts";
import { tcpRelay } from "./support/tcp-relay.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");

/** A node as an operator runs it: `confrere-server start` in a process of its own, which the test can kill -9. */
async function startNodeProcess(env: Record<string, string>) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-node-"));
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), path.join(REPO_ROOT, "apps/server/src/cli/main.ts"), "start"],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "test",
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        DATA_DIR: dataDir,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stderr!.resume();
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      const match = /listening on (http:\/\/\S+)/.exec(chunk.toString("utf8"));
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the node exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    async kill() {
      child.kill("SIGKILL");
      await exited;
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

const isPostgres = process.env.CONFRERE_TEST_STORE === "postgres";

describe("a node killed under load", { skip: isPostgres ? false : "cluster mode needs PostgreSQL" }, () => {
  let survivor: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;
  const SERVER_SECRET = randomBytes(32).toString("hex");

  before(async () => {
    survivor = await startTestServer({ env: { REDIS_URL, SERVER_SECRET } });
    alice = await survivor.createUser({ verified: true });
    bob = await survivor.createUser({ verified: true });
    await alice.api.registerDeviceKey(randomBytes(32).toString("base64url"));
    conversationId = randomBytes(16).toString("base64url");
    await alice.api.createConversation({ id: conversationId, kind: "direct", memberIds: [bob.userId] });
  });
  after(async () => survivor?.close());

  test("kill -9 mid-stream: every acknowledged message is delivered after the sender reconnects elsewhere, none twice", async () => {
    const doomed = await startNodeProcess({
      DATABASE_URL: survivor.env.DATABASE_URL!,
      DATABASE_SCHEMA: survivor.schema!,
      REDIS_URL,
      SERVER_SECRET,
    });
    const body = () => opaqueMessage(conversationId, 0, 300);
    const ids = Array.from({ length: 400 }, (_, i) => `kill-${String(i).padStart(5, "0")}`);
    const bobOnSurvivor = await openRawSocket(survivor.url, bob.api.token);
    const aliceOnDoomed = await openRawSocket(doomed.url, alice.api.token);
    const acknowledged = () =>
      new Set(aliceOnDoomed.frames.filter((f) => f.type === "sent").map((f) => f.clientMessageId as string));
    // A steady stream; the node dies once part of it was acknowledged.
    let next = 0;
    const pump = setInterval(() => {
      for (let k = 0; k < 5 && next < ids.length; k++, next++) {
        if (aliceOnDoomed.socket.readyState !== WebSocket.OPEN) return;
        aliceOnDoomed.socket.send(
          JSON.stringify({
            type: "send",
            conversationId,
            clientMessageId: ids[next],
            epoch: 0,
            body: body(),
          }),
        );
      }
    }, 10);
    await eventually(async () => acknowledged().size >= 100, "a hundred acknowledged");
    await doomed.kill();
    clearInterval(pump);
    const acknowledgedBeforeDeath = acknowledged();

    // The sender reconnects to the other node and sends again everything not acknowledged, and
    // what is left: the same ids, so whatever the dead node had committed is not stored twice.
    const aliceAgain = await openRawSocket(survivor.url, alice.api.token);
    for (const id of ids.filter((i) => !acknowledgedBeforeDeath.has(i))) {
      aliceAgain.socket.send(
        JSON.stringify({ type: "send", conversationId, clientMessageId: id, epoch: 0, body: body() }),
      );
    }
    const resent = ids.length - acknowledgedBeforeDeath.size;
    await eventually(
      async () => aliceAgain.frames.filter((f) => f.type === "sent").length === resent,
      "resends answered",
    );

    const stored: string[] = [];
    for (let after = 0; ; ) {
      const page = await bob.api.log(conversationId, after, 500);
      if (page.entries.length === 0) break;
      stored.push(...page.entries.map((e) => e.clientMessageId));
      after = page.entries.at(-1)!.seq;
    }
    assert.equal(new Set(stored).size, stored.length, "no message stored twice");
    for (const id of acknowledgedBeforeDeath)
      assert.ok(stored.includes(id), `${id} was acknowledged, then lost`);
    assert.deepEqual(new Set(stored), new Set(ids));
    // Bob, connected to the survivor all along, got pushes for what went through either node.
    const pushed = bobOnSurvivor.frames
      .filter((f) => f.type === "entry")
      .map((f) => (f.entry as { clientMessageId: string }).clientMessageId);
    assert.ok(pushed.length > 0);
    assert.equal(new Set(pushed).size, pushed.length, "no entry pushed twice");
    aliceAgain.socket.close();
    bobOnSurvivor.socket.close();
  });
});

describe("PostgreSQL cut off under load", { skip: isPostgres ? false : "needs PostgreSQL" }, () => {
  let direct: TestServer;
  let node: TestServer;
  let relay: Awaited<ReturnType<typeof tcpRelay>>;
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;

  before(async () => {
    direct = await startTestServer();
    // The node under test reaches the same database through a relay the test can cut: what it sees
    // when PostgreSQL restarts or the network to it fails (the machine's PostgreSQL is shared).
    relay = await tcpRelay(direct.env.DATABASE_URL!, 5432);
    node = await startTestServer({ env: { DATABASE_URL: relay.url, DATABASE_SCHEMA: direct.schema! } });
    alice = await direct.createUser({ verified: true });
    bob = await direct.createUser({ verified: true });
    await alice.api.registerDeviceKey(randomBytes(32).toString("base64url"));
    conversationId = randomBytes(16).toString("base64url");
    await alice.api.createConversation({ id: conversationId, kind: "direct", memberIds: [bob.userId] });
  });
  after(async () => {
    await node?.close();
    await direct?.close();
    await relay?.close();
  });

  const readiness = async () => (await fetch(`${node.url}/readyz`)).status;

  test("sends fail with a retryable code naming the message, nothing acknowledged is lost, the node recovers on its own", async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `pgcut-${String(i).padStart(5, "0")}`);
    const send = (socket: WebSocket, id: string) =>
      socket.send(
        JSON.stringify({
          type: "send",
          conversationId,
          clientMessageId: id,
          epoch: 0,
          body: opaqueMessage(conversationId, 0, 200),
        }),
      );
    const bobOnNode = await openRawSocket(node.url, bob.api.token);
    const aliceOnNode = await openRawSocket(node.url, alice.api.token);
    const answered = (type: string) =>
      aliceOnNode.frames.filter((f) => f.type === type && typeof f.clientMessageId === "string");
    let next = 0;
    const pump = setInterval(() => {
      for (let k = 0; k < 5 && next < ids.length; k++, next++) send(aliceOnNode.socket, ids[next]!);
    }, 10);
    await eventually(async () => answered("sent").length >= 50, "fifty acknowledged");
    relay.cut();
    await eventually(async () => answered("error").length >= 5, "sends refused while the database is away");
    // An HTTP request is answered 503 too, and readiness says the node can't take traffic.
    const me = await fetch(`${node.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${alice.api.token}` },
    });
    assert.equal(me.status, 503);
    assert.equal(((await me.json()) as { error: { code: string } }).error.code, "SERVICE_UNAVAILABLE");
    assert.equal(await readiness(), 503);
    for (const refusal of answered("error")) {
      assert.equal(refusal.code, "SERVICE_UNAVAILABLE", JSON.stringify(refusal));
      assert.equal(refusal.conversationId, conversationId);
    }

    relay.restore();
    await eventually(async () => (await readiness()) === 200, "ready again once the database is back");
    await eventually(async () => next === ids.length, "the stream went to its end");
    clearInterval(pump);
    // The device resends what was not acknowledged, with the same ids, on the same socket.
    const acknowledged = new Set(answered("sent").map((f) => f.clientMessageId as string));
    const settled = () => new Set(answered("sent").map((f) => f.clientMessageId as string));
    for (const id of ids.filter((i) => !acknowledged.has(i))) send(aliceOnNode.socket, id);
    await eventually(
      async () => settled().size === ids.length,
      "every message acknowledged in the end",
      30_000,
    );

    const stored: string[] = [];
    for (let after = 0; ; ) {
      const page = await bob.api.log(conversationId, after, 500);
      if (page.entries.length === 0) break;
      stored.push(...page.entries.map((e) => e.clientMessageId));
      after = page.entries.at(-1)!.seq;
    }
    assert.equal(new Set(stored).size, stored.length, "no message stored twice");
    assert.deepEqual(new Set(stored), new Set(ids));
    const pushed = bobOnNode.frames
      .filter((f) => f.type === "entry")
      .map((f) => (f.entry as { clientMessageId: string }).clientMessageId);
    assert.equal(new Set(pushed).size, pushed.length, "no entry pushed twice");
    aliceOnNode.socket.close();
    bobOnNode.socket.close();
  });
});
