import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";
import { ConfigError, loadConfig } from "@confrere/server";
import { Scheduler } from "../src/jobs/scheduler.ts";
import { opaqueMessage, openRawSocket } from "./support/raw-socket.ts";
import { tcpRelay } from "./support/tcp-relay.ts";

const openSocket = (server: TestServer, user: TestUser) => openRawSocket(server.url, user.api.token);

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Redis through a relay the test can cut and restore. */
const redisRelay = () => tcpRelay(REDIS_URL, 6379);

const readiness = async (server: TestServer) =>
  (await (await fetch(`${server.url}/readyz`)).json()) as { ok: boolean; bus: string };

/**
 * The repository's nginx configuration, run for real in front of the given nodes: its upstream
 * servers replaced by the nodes' addresses and TLS by a plain local port (no certificate here).
 */
async function startNginx(nodes: TestServer[]) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-nginx-"));
  const source = await fs.readFile(
    path.resolve(import.meta.dirname, "../../../deploy/nginx/confrere.conf"),
    "utf8",
  );
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const site = source
    .replace(
      /(upstream confrere_nodes \{\n)(?:\s*server [^\n]+\n)+/,
      (_m, head: string) => `${head}${nodes.map((n) => `    server ${new URL(n.url).host};\n`).join("")}`,
    )
    .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${port};`)
    .replace(/^\s*ssl_[^\n]*\n/gm, "")
    .replaceAll("/var/log/nginx/", `${dir}/`);
  await fs.writeFile(path.join(dir, "confrere.conf"), site);
  await fs.writeFile(
    path.join(dir, "nginx.conf"),
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n` +
      ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .map((t) => `  ${t}_temp_path ${dir}/${t};\n`)
        .join("") +
      `  include ${dir}/confrere.conf;\n}\n`,
  );
  const check = spawnSync("nginx", ["-t", "-p", dir, "-c", `${dir}/nginx.conf`], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  const child: ChildProcess = spawn("nginx", ["-p", dir, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"], {
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok === true, "nginx up");
  return {
    url,
    async stop() {
      child.kill("SIGQUIT");
      await new Promise((resolve) => child.once("exit", resolve));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

const hasNginx = spawnSync("nginx", ["-v"]).status === 0;

// Two nodes share a database only on PostgreSQL (SQLite is the one-node embedded default).
const isPostgres = process.env.CONFRERE_TEST_STORE === "postgres";

describe("two nodes on PostgreSQL and Redis", {
  skip: isPostgres ? false : "cluster mode needs PostgreSQL",
}, () => {
  let a: TestServer;
  let b: TestServer;
  let relay: Awaited<ReturnType<typeof redisRelay>>;
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;

  before(async () => {
    relay = await redisRelay();
    // Every node of a cluster shares the secret that seals second-factor secrets.
    const SERVER_SECRET = randomBytes(32).toString("hex");
    a = await startTestServer({ env: { REDIS_URL, SERVER_SECRET } });
    // Node B: the same database and schema as A, Redis through the relay the test can cut.
    b = await startTestServer({
      env: {
        DATABASE_URL: a.env.DATABASE_URL!,
        DATABASE_SCHEMA: a.schema!,
        REDIS_URL: relay.url,
        SERVER_SECRET,
      },
    });
    alice = await a.createUser({ verified: true });
    bob = await a.createUser({ verified: true });
    await alice.api.registerDeviceKey(randomBytes(32).toString("base64url"));
    conversationId = randomBytes(16).toString("base64url");
    await alice.api.createConversation({ id: conversationId, kind: "direct", memberIds: [bob.userId] });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await relay?.close();
  });

  test("both nodes are ready and say they reach the others", async () => {
    assert.deepEqual(await readiness(a), { ok: true, database: true, bus: "connected" });
    assert.deepEqual(await readiness(b), { ok: true, database: true, bus: "connected" });
  });

  test("a message sent through node A reaches a device connected to node B, and B's acknowledgement reaches A", async () => {
    const bobOnB = await openSocket(b, bob);
    // Bob also on A, where the entry is published: a node's own Redis messages come back to it too.
    const bobOnA = await openSocket(a, bob);
    const aliceOnA = await openSocket(a, alice);
    // Presence crosses too: Alice came online on A, Bob's device on B hears it.
    await eventually(
      async () => bobOnB.frames.some((f) => f.type === "presence" && f.userId === alice.userId && f.online),
      "presence across nodes",
    );
    aliceOnA.socket.send(
      JSON.stringify({
        type: "send",
        conversationId,
        clientMessageId: "cross-0001",
        epoch: 0,
        body: opaqueMessage(conversationId),
      }),
    );
    await eventually(async () => bobOnB.frames.some((f) => f.type === "entry"), "entry on node B");
    const entry = bobOnB.frames.find((f) => f.type === "entry")!.entry as {
      seq: number;
      clientMessageId: string;
    };
    assert.equal(entry.clientMessageId, "cross-0001");
    bobOnB.socket.send(JSON.stringify({ type: "ack", conversationId, seq: entry.seq }));
    await eventually(
      async () =>
        aliceOnA.frames.some((f) => f.type === "delivery" && f.userId === bob.userId && f.seq === entry.seq),
      "delivery on node A",
    );
    // B's delivery went through Redis after A's own copy of the entry came back: by now a node
    // that took its own messages for another's would have handed Bob's socket on A the entry twice.
    const entriesOf = (frames: Record<string, unknown>[]) =>
      frames.filter(
        (f) =>
          f.type === "entry" && (f.entry as { clientMessageId: string }).clientMessageId === "cross-0001",
      ).length;
    assert.equal(entriesOf(bobOnA.frames), 1, "once on the publishing node");
    assert.equal(entriesOf(bobOnB.frames), 1, "once on the other node");
    aliceOnA.socket.close();
    bobOnA.socket.close();
    bobOnB.socket.close();
  });

  test("two admins on two nodes commit at the same time: one wins, the other retries, everyone reads on", async () => {
    const [anne, basile, chloe, denis] = [
      await a.createUser({ verified: true }),
      await a.createUser({ verified: true }),
      await a.createUser({ verified: true }),
      await a.createUser({ verified: true }),
    ];
    // One TOTP step is accepted once per account, in the shared database: B's clock runs ahead of A's.
    b.clock.advance(3_600_000);
    const clients: ConfrereClient[] = [];
    const device = async (node: TestServer, user: TestUser) => {
      const client = await connectDevice(node, user);
      clients.push(client);
      return client;
    };
    try {
      const anneOnA = await device(a, anne);
      const basileOnB = await device(b, basile);
      const chloeOnA = await device(a, chloe);
      const denisOnB = await device(b, denis);
      const groupId = await anneOnA.createGroup("Garde", [basile.userId]);
      await eventually(
        async () =>
          (await basileOnB.api.conversation(groupId)).conversation.devices.some(
            (d) => d.deviceId === basileOnB.deviceId,
          ),
        "Basile's device in the group",
      );
      await anneOnA.api.setMemberRole(groupId, basile.userId, "admin");
      await basileOnB.sync();
      await Promise.all([
        anneOnA.addMembers(groupId, [chloe.userId]),
        basileOnB.addMembers(groupId, [denis.userId]),
      ]);
      await anneOnA.sendText(groupId, "Tous là ?");
      for (const [client, who] of [
        [basileOnB, "Basile"],
        [chloeOnA, "Chloé"],
        [denisOnB, "Denis"],
      ] as const) {
        await eventually(
          async () =>
            (await client.messages(groupId)).some(
              (m) => m.content.type === "text" && m.content.text === "Tous là ?",
            ),
          `${who} reads`,
        );
      }
      const commits = (await anneOnA.api.log(groupId, 0)).entries.filter((e) => e.kind === "commit");
      assert.deepEqual(
        commits.map((e) => e.epoch),
        commits.map((_, i) => i),
      );
    } finally {
      for (const client of clients) client.disconnect();
    }
  });

  test("through the repository's nginx configuration: round robin over the nodes, WebSockets across them", {
    skip: hasNginx ? false : "nginx is not installed (.ci/run installs nginx-light)",
  }, async () => {
    const proxy = await startNginx([a, b]);
    try {
      const proxied = { ...a, url: proxy.url } as TestServer;
      assert.deepEqual(await readiness(proxied), { ok: true, database: true, bus: "connected" });
      // Two sockets through the proxy land on both nodes (round robin); messages cross anyway.
      const bobThrough = await openSocket(proxied, bob);
      const aliceThrough = await openSocket(proxied, alice);
      aliceThrough.socket.send(
        JSON.stringify({
          type: "send",
          conversationId,
          clientMessageId: "via-nginx-1",
          epoch: 0,
          body: opaqueMessage(conversationId),
        }),
      );
      await eventually(
        async () =>
          bobThrough.frames.some(
            (f) =>
              f.type === "entry" &&
              (f.entry as { clientMessageId: string }).clientMessageId === "via-nginx-1",
          ),
        "entry through nginx",
      );
      aliceThrough.socket.close();
      bobThrough.socket.close();
    } finally {
      await proxy.stop();
    }
  });

  test("a scheduled job due on both nodes at once runs on one of them", async () => {
    let runs = 0;
    const job = {
      name: "cluster-test-job",
      intervalMs: 60_000,
      async run() {
        runs++;
        // Long enough that the other node's attempt lands while this one holds the lock.
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
    };
    const onA = new Scheduler(a.server.ctx, [job]);
    const onB = new Scheduler(b.server.ctx, [job]);
    const [ranOnA, ranOnB] = await Promise.all([onA.runOnce(job), onB.runOnce(job)]);
    assert.equal(runs, 1);
    assert.equal(Number(ranOnA) + Number(ranOnB), 1);
    // The lock is released afterwards: the next run happens.
    assert.equal(await onB.runOnce(job), true);
    assert.equal(runs, 2);
  });

  test("Redis lost: B keeps serving its own devices and says so; back: B's devices resynchronise and miss nothing", async () => {
    const bobOnB = await openSocket(b, bob);
    const aliceOnB = await openSocket(b, alice);
    relay.cut();
    await eventually(async () => (await readiness(b)).bus === "disconnected", "B sees Redis gone");
    assert.equal((await readiness(b)).ok, true);
    // Local delivery goes on: Alice and Bob both on B.
    aliceOnB.socket.send(
      JSON.stringify({
        type: "send",
        conversationId,
        clientMessageId: "local-0001",
        epoch: 0,
        body: opaqueMessage(conversationId),
      }),
    );
    await eventually(
      async () =>
        bobOnB.frames.some(
          (f) =>
            f.type === "entry" && (f.entry as { clientMessageId: string }).clientMessageId === "local-0001",
        ),
      "local delivery without Redis",
    );
    // Meanwhile a message through A can't be pushed to B's devices...
    const aliceOnA = await openSocket(a, alice);
    aliceOnA.socket.send(
      JSON.stringify({
        type: "send",
        conversationId,
        clientMessageId: "while-cut-1",
        epoch: 0,
        body: opaqueMessage(conversationId),
      }),
    );
    await eventually(async () => aliceOnA.frames.some((f) => f.type === "sent"), "stored through A");
    // ...but once Redis is back, B asks its devices to resynchronise: they reconnect and read the log.
    relay.restore();
    assert.equal(await bobOnB.closed, 1001);
    await eventually(async () => (await readiness(b)).bus === "connected", "B reconnected");
    const { entries } = await bob.api.log(conversationId, 0);
    assert.ok(entries.some((e) => e.clientMessageId === "while-cut-1"));
    // And pushes cross again.
    const bobAgain = await openSocket(b, bob);
    aliceOnA.socket.send(
      JSON.stringify({
        type: "send",
        conversationId,
        clientMessageId: "after-back-1",
        epoch: 0,
        body: opaqueMessage(conversationId),
      }),
    );
    await eventually(
      async () =>
        bobAgain.frames.some(
          (f) =>
            f.type === "entry" && (f.entry as { clientMessageId: string }).clientMessageId === "after-back-1",
        ),
      "remote delivery resumed",
    );
    aliceOnA.socket.close();
    bobAgain.socket.close();
  });
});

describe("rate limits across nodes", {
  skip: isPostgres ? false : "cluster mode needs PostgreSQL",
}, () => {
  const LIMIT = 4;
  let a: TestServer;
  let b: TestServer;
  let relay: Awaited<ReturnType<typeof redisRelay>>;

  before(async () => {
    relay = await redisRelay();
    const env = { SERVER_SECRET: randomBytes(32).toString("hex"), AUTH_RATE_LIMIT_PER_MINUTE: String(LIMIT) };
    a = await startTestServer({ env: { ...env, REDIS_URL } });
    b = await startTestServer({
      env: { ...env, DATABASE_URL: a.env.DATABASE_URL!, DATABASE_SCHEMA: a.schema!, REDIS_URL: relay.url },
    });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await relay?.close();
  });

  /** A failed login with a fresh address each time, so the per-account backoff stays out of it. */
  const login = async (node: TestServer) => {
    const response = await fetch(`${node.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `${randomBytes(6).toString("hex")}@example.org`, password: "not it" }),
    });
    const body = (await response.json()) as { error?: { code: string } };
    return body.error?.code ?? String(response.status);
  };

  test("one client spreading its attempts over two nodes gets the limit once; without Redis each node still counts", async () => {
    const statuses = [];
    for (let i = 0; i < LIMIT; i += 1) statuses.push(await login(i % 2 === 0 ? a : b));
    assert.ok(!statuses.includes("RATE_LIMITED"), `the first ${LIMIT} attempts pass: ${statuses}`);
    // Past the limit on both nodes: lone nodes would each have allowed LIMIT.
    assert.equal(await login(a), "RATE_LIMITED");
    assert.equal(await login(b), "RATE_LIMITED");

    // Redis away from B: B counts on its own (a fresh window for this key) and still stops the client.
    relay.cut();
    await eventually(async () => (await readiness(b)).bus === "disconnected", "B notices Redis is gone");
    const alone = [];
    for (let i = 0; i <= LIMIT; i += 1) alone.push(await login(b));
    assert.deepEqual(
      alone.map((code) => code === "RATE_LIMITED"),
      [...Array(LIMIT).fill(false), true],
      `B alone counts from zero and limits too: ${alone}`,
    );
    relay.restore();
  });
});

describe("cluster configuration", () => {
  test("REDIS_URL must be a redis URL, and a cluster needs one SERVER_SECRET for every node", () => {
    const secret = randomBytes(32).toString("hex");
    assert.equal(
      loadConfig({ REDIS_URL: "redis://127.0.0.1:6379", SERVER_SECRET: secret }).redisUrl,
      "redis://127.0.0.1:6379",
    );
    assert.equal(loadConfig({}).redisUrl, null);
    assert.throws(
      () => loadConfig({ REDIS_URL: "http://127.0.0.1:6379", SERVER_SECRET: secret }),
      (error) => error instanceof ConfigError && error.variable === "REDIS_URL",
    );
    assert.throws(
      () => loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }),
      (error) => error instanceof ConfigError && error.variable === "SERVER_SECRET",
    );
  });
});
