import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ApiClient } from "@confrere/sdk";
import {
  type Config,
  createLogger,
  currentTotpCode,
  loadConfig,
  ManualClock,
  type ProvisionedUser,
  provisionUser,
  type RunningServer,
  startServer,
} from "@confrere/server";
import pg from "pg";
import pino from "pino";

export type Store = "sqlite" | "postgres";

/** Which database the suites run on: `CONFRERE_TEST_STORE=postgres` in CI's second pass. */
export function testStore(): Store {
  const store = process.env.CONFRERE_TEST_STORE ?? "sqlite";
  if (store !== "sqlite" && store !== "postgres")
    throw new Error(`CONFRERE_TEST_STORE must be sqlite or postgres, got ${store}`);
  return store;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestServer {
  url: string;
  server: RunningServer;
  clock: ManualClock;
  dataDir: string;
  store: Store;
  /** The PostgreSQL schema of this server, or null on SQLite. */
  schema: string | null;
  /** Environment that points `confrere-server` commands at this server's database. */
  env: Record<string, string>;
  /** A fresh SDK client, optionally logged in with a token. */
  client(token?: string): ApiClient;
  /** An account created as `confrere-server user create` does, plus a logged-in client. */
  createUser(options?: {
    operator?: boolean;
    verified?: boolean;
    email?: string;
    name?: string;
  }): Promise<TestUser>;
  /** E-mails written to the outbox, oldest first. */
  outbox(): Promise<OutboxMail[]>;
  /** Stops the server and starts it again on the same port and data, as after a crash or a deploy. */
  restart(): Promise<void>;
  /** The current TOTP code of a secret at the server's clock; moves the clock 30 s on so codes never repeat. */
  totp(secret: string): string;
  close(): Promise<void>;
}

export interface TestUser extends ProvisionedUser {
  password: string;
  api: ApiClient;
}

export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  /** The first link in the body that carries a `token` query parameter. */
  token: string | null;
}

/**
 * Boots the real server on port 0 with a fresh database: a new SQLite file in a temp directory, or
 * a new schema in PostgreSQL (dropped on close), so suites never see each other's rows.
 */
export async function startTestServer(
  options: { store?: Store; env?: Record<string, string>; clock?: ManualClock } = {},
): Promise<TestServer> {
  const store = options.store ?? testStore();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-test-"));
  const schema = store === "postgres" ? `t_${randomBytes(6).toString("hex")}` : null;
  const env: Record<string, string> = {
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    PUBLIC_URL: "http://localhost:8080",
    WEBAUTHN_RP_ID: "localhost",
    WEBAUTHN_ORIGINS: "http://localhost:8080",
    // Every test client comes from 127.0.0.1; the rate limit has its own test.
    AUTH_RATE_LIMIT_PER_MINUTE: "100000",
    ...(schema ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    ...options.env,
  };
  const config: Config = loadConfig(env);
  const clock = options.clock ?? new ManualClock(Date.now());
  const logFile = path.join(dataDir, "server.log");
  const logger = createLogger(config.logLevel === "silent" ? "info" : config.logLevel, pinoFile(logFile));
  let server = await startServer(config, { clock, logger });
  const url = server.url;
  let counter = 0;

  const testServer: TestServer = {
    url,
    get server() {
      return server;
    },
    clock,
    dataDir,
    store,
    schema,
    env,
    client: (token) => new ApiClient({ baseUrl: url, token: token ?? null }),
    async createUser(userOptions = {}) {
      counter++;
      const password = `Pw-${randomBytes(9).toString("base64url")}-confrere`;
      const email = userOptions.email ?? `user${counter}-${randomBytes(3).toString("hex")}@test.confrere.fr`;
      const user = await provisionUser(server.ctx, {
        email,
        password,
        displayName: userOptions.name ?? `Dr Test ${counter}`,
        operator: userOptions.operator ?? false,
        verified: userOptions.verified ?? false,
      });
      const api = testServer.client();
      const step = await api.login({ email, password, deviceName: "test device" });
      if (step.status !== "second_factor_required")
        throw new Error(`createUser: unexpected login step ${step.status}`);
      await api.loginTotp(step.challengeToken, testServer.totp(user.totpSecret));
      return { ...user, password, api };
    },
    async outbox() {
      const directory = path.join(dataDir, "outbox");
      const names = (await fs.readdir(directory).catch(() => [] as string[])).sort();
      const mails: OutboxMail[] = [];
      for (const name of names) mails.push(parseEml(await fs.readFile(path.join(directory, name), "utf8")));
      return mails;
    },
    async restart() {
      await server.close();
      server = await startServer({ ...config, port: Number(new URL(url).port) }, { clock, logger });
    },
    totp(secret) {
      clock.advance(30_000);
      return currentTotpCode(secret, clock.now());
    },
    async close() {
      await server.close();
      if (schema) {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return testServer;
}

/**
 * Server logs go to a file in the data dir, so tests can scan them for secrets. Synchronous writes:
 * every line is on disk when a test reads the file.
 */
function pinoFile(file: string) {
  return pino.destination({ dest: file, sync: true, mkdir: true });
}

/** Reads the headers and the decoded text body of an .eml written by nodemailer. */
export function parseEml(raw: string): OutboxMail {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const index = line.indexOf(":");
    if (index > 0) headers.set(line.slice(0, index).toLowerCase(), line.slice(index + 1).trim());
  }
  let body = rest.join("\n\n");
  if (/quoted-printable/i.test(headers.get("content-transfer-encoding") ?? "")) {
    body = Buffer.from(
      body
        .replace(/=\r?\n/g, "")
        .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      "latin1",
    ).toString("utf8");
  } else if (/base64/i.test(headers.get("content-transfer-encoding") ?? "")) {
    body = Buffer.from(body, "base64").toString("utf8");
  }
  const subject = decodeMimeWords(headers.get("subject") ?? "");
  const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(body)?.[1] ?? null;
  return { to: headers.get("to") ?? "", subject, text: body, token };
}

/** RFC 2047 encoded words; adjacent ones are joined before decoding (a character may span two). */
function decodeMimeWords(value: string): string {
  const joined = value.replace(/\?=\s+=\?/g, "?==?");
  return joined.replace(/(=\?utf-8\?[BQ]\?[^?]*\?=)+/gi, (run) => {
    const bytes: Buffer[] = [];
    for (const [, encoding = "", text = ""] of run.matchAll(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi)) {
      bytes.push(
        encoding.toUpperCase() === "B"
          ? Buffer.from(text, "base64")
          : Buffer.from(
              text
                .replace(/_/g, " ")
                .replace(/=([0-9A-F]{2})/gi, (_x, hex: string) =>
                  String.fromCharCode(Number.parseInt(hex, 16)),
                ),
              "latin1",
            ),
      );
    }
    return Buffer.concat(bytes).toString("utf8");
  });
}
