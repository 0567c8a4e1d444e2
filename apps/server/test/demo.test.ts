import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
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

/** `npm start -- --demo` as a newcomer types it (scripts/start.mjs, the real command line). */
const NPM_START_DEMO = [path.join(repoRoot, "scripts/start.mjs"), "--demo"];

/** Runs the demo on a free port and waits for the banner's closing rule. */
function startDemo(env: Record<string, string>, command = NPM_START_DEMO): Promise<DemoProcess> {
  return new Promise((resolve, reject) => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, command, {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
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

/** The demo's first two doctors log in with the printed logins, find each other and exchange a message. */
async function twoDoctorsTalk(demo: DemoProcess): Promise<void> {
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
}

/** A fresh data folder (and PostgreSQL schema on that store) for one demo server. */
async function demoEnvironment() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-demo-"));
  const schema = testStore() === "postgres" ? `d_${randomBytes(6).toString("hex")}` : null;
  return {
    env: {
      NODE_ENV: "test",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      ...(schema ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    } as Record<string, string>,
    async dispose() {
      if (schema) {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

describe("npm start -- --demo", () => {
  let environment: Awaited<ReturnType<typeof demoEnvironment>>;
  let env: Record<string, string>;
  let firstLogins: PrintedLogin[] = [];

  before(async () => {
    environment = await demoEnvironment();
    env = environment.env;
  });
  after(() => environment.dispose());

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

      await twoDoctorsTalk(demo);
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

describe("the compiled server (npm run build:server)", () => {
  let environment: Awaited<ReturnType<typeof demoEnvironment>>;
  let outdir: string;

  before(async () => {
    environment = await demoEnvironment();
    // Inside the repository, so that the bundle finds the native modules in node_modules.
    await fs.mkdir(path.join(repoRoot, ".tmp"), { recursive: true });
    outdir = await fs.mkdtemp(path.join(repoRoot, ".tmp", "compiled-"));
    const build = spawnSync(
      process.execPath,
      [path.join(repoRoot, "scripts/build-server.mjs"), "--outdir", outdir],
      {
        encoding: "utf8",
      },
    );
    assert.equal(build.status, 0, build.stderr);
    // The web app the bundle must find and serve (built once, reused by the browser suites).
    const web = spawnSync(process.execPath, [path.join(repoRoot, "apps/web/scripts/ensure-built.mjs")], {
      encoding: "utf8",
    });
    assert.equal(web.status, 0, web.stderr);
  });
  after(async () => {
    await environment?.dispose();
    if (outdir) await fs.rm(outdir, { recursive: true, force: true });
  });

  test("runs without TypeScript: migrations, the demo, logins, search, messaging, the API document and the web app", async () => {
    const demo = await startDemo(environment.env, [
      path.join(outdir, "confrere-server.mjs"),
      "start",
      "--demo",
    ]);
    try {
      await twoDoctorsTalk(demo);
      const openapi = await fetch(`${demo.url}/api/openapi.json`);
      assert.equal(openapi.status, 200);
      assert.equal(((await openapi.json()) as { openapi: string }).openapi, "3.1.0");
      // The built web app is found next to the sources, as from the TypeScript entry.
      const page = await fetch(`${demo.url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/);
    } finally {
      assert.equal(await demo.stop(), 0);
    }
  });
});
