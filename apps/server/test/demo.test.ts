import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runServerCli, TEST_DATABASE_URL, testStore } from "@confrere/dev-env";
import { ConfrereClient, MemoryStore, type WebSocketConstructor } from "@confrere/sdk";
import { currentTotpCode } from "@confrere/server";
import pg from "pg";
import { WebSocket } from "ws";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

interface PrintedLogin {
  name: string;
  email: string;
  password: string;
  totpSecret: string;
  otpauth: string;
}

interface DemoProcess {
  url: string;
  logins: PrintedLogin[];
  stdout: string;
  stop(): Promise<number | null>;
}

/** Reads the logins from the banner's stable labels. */
function parseBanner(stdout: string): PrintedLogin[] {
  const logins: PrintedLogin[] = [];
  const block =
    /^ {2}(\S.*?) — .*\n {4}E-mail: (\S+)\n {4}Mot de passe \/ Password: (\S+)\n {4}Secret TOTP \/ TOTP secret: (\S+)\n {4}otpauth: (\S+)$/gm;
  for (const match of stdout.matchAll(block)) {
    logins.push({
      name: match[1]!,
      email: match[2]!,
      password: match[3]!,
      totpSecret: match[4]!,
      otpauth: match[5]!,
    });
  }
  return logins;
}

/**
 * Runs `npm start -- --demo` as a newcomer would (scripts/start.mjs, the real command line), on a
 * free port, and waits for the banner's closing rule.
 */
function startDemo(env: Record<string, string>): Promise<DemoProcess> {
  return new Promise((resolve, reject) => {
    const child: ChildProcessWithoutNullStreams = spawn(
      process.execPath,
      [path.join(repoRoot, "scripts/start.mjs"), "--demo"],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["pipe", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      // The banner opens and closes with a rule: two of them mean every login is printed.
      if ((stdout.match(/═{20,}/g) ?? []).length < 2) return;
      const url = /Ouvrez \/ Open: (\S+)/.exec(stdout)?.[1];
      if (!url) return reject(new Error(`startDemo: no URL in the banner:\n${stdout}`));
      child.stdout.removeAllListeners("data");
      resolve({
        url,
        logins: parseBanner(stdout),
        stdout,
        stop: () => {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
    exited.then((code) => reject(new Error(`startDemo: exited with ${code} before the banner:\n${stderr}`)));
  });
}

function sdkClient(url: string): ConfrereClient {
  return new ConfrereClient({
    baseUrl: url,
    store: new MemoryStore(),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    keyPackageTarget: 6,
  });
}

async function logIn(url: string, login: PrintedLogin): Promise<ConfrereClient> {
  const client = sdkClient(url);
  await client.login({
    email: login.email,
    password: login.password,
    deviceName: "demo test",
    totpCode: currentTotpCode(login.totpSecret, Date.now()),
  });
  await client.ensureDevice();
  client.connect();
  return client;
}

describe("npm start -- --demo", () => {
  let dataDir: string;
  let schema: string | null = null;
  let env: Record<string, string>;
  let firstLogins: PrintedLogin[] = [];

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-demo-"));
    schema = testStore() === "postgres" ? `d_${randomBytes(6).toString("hex")}` : null;
    env = {
      NODE_ENV: "test",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      ...(schema ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    };
  });
  after(async () => {
    if (schema) {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("seeds fictional professionals whose printed logins work: two doctors find each other and talk", async () => {
    const demo = await startDemo(env);
    try {
      assert.ok(demo.logins.length >= 3 && demo.logins.length <= 4, demo.stdout);
      for (const login of demo.logins) {
        assert.match(login.email, /@demo\.confrere\.invalid$/);
        assert.match(login.name, /démo/);
        assert.match(login.totpSecret, /^[A-Z2-7]{32}$/);
        assert.ok(login.otpauth.startsWith("otpauth://totp/"), login.otpauth);
        assert.ok(login.otpauth.includes(`secret=${login.totpSecret}`));
      }
      assert.match(demo.stdout, /MODE DÉMO \/ DEMO MODE/);
      firstLogins = demo.logins;

      const [generalist, cardiologist] = demo.logins as [PrintedLogin, PrintedLogin];
      const a = await logIn(demo.url, generalist);
      const b = await logIn(demo.url, cardiologist);
      try {
        const { account } = await a.api.me();
        assert.equal(account.state, "verified");
        assert.equal(account.identityMethod, "operator");
        const billing = await a.api.billingMe();
        assert.equal(billing.subscription.state, "trialing");
        assert.equal(billing.subscription.mayStartConversations, true);

        // The fictional directory was imported: the cardiologist is found, and is on Confrère.
        const { results } = await a.api.searchDirectory({ q: "leroy cardio" });
        const found = results.find((r) => r.onConfrere);
        assert.ok(found?.userId, JSON.stringify(results));
        assert.equal(found.lastName, "LEROY");

        const conversationId = await a.openDirect(found.userId);
        const received = b.events.next("message", (m) => m.conversationId === conversationId);
        await a.sendText(conversationId, "Bonjour, un avis sur un ECG fictif ?");
        const message = await received;
        assert.deepEqual(message.content, {
          v: 1,
          type: "text",
          text: "Bonjour, un avis sur un ECG fictif ?",
        });
      } finally {
        a.disconnect();
        b.disconnect();
      }
    } finally {
      assert.equal(await demo.stop(), 0);
    }
  });

  test("a second start on the same data prints the same logins and creates nothing", async () => {
    assert.ok(firstLogins.length > 0, "the first test must have run");
    const demo = await startDemo(env);
    try {
      assert.deepEqual(demo.logins, firstLogins);
      assert.match(demo.stdout, /déjà présents \/ demo accounts already there/);
    } finally {
      assert.equal(await demo.stop(), 0);
    }
  });

  test("refuses to run with NODE_ENV=production (exit 78), before touching the data", async () => {
    const emptyDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-demo-prod-"));
    try {
      const result = await runServerCli(["start", "--demo"], {
        env: { ...env, NODE_ENV: "production", DATA_DIR: emptyDir },
      });
      assert.equal(result.code, 78, result.stderr);
      assert.match(result.stderr, /NODE_ENV is "production".*never runs in production/);
      assert.deepEqual(await fs.readdir(emptyDir), []);
    } finally {
      await fs.rm(emptyDir, { recursive: true, force: true });
    }
  });
});
