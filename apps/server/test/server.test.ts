import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "@confrere/dev-env";
import { openDatabase } from "@confrere/server";

describe("server: health, headers, OpenAPI, setup", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("healthz and readyz", async () => {
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { ok: true });
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ok: true, database: true, bus: "local" });
  });

  test("a closed database is reported as not ready", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-ping-"));
    const handle = await openDatabase({ dataDir, databaseUrl: null });
    assert.equal(await handle.ping(), true);
    await handle.close();
    assert.equal(await handle.ping(), false);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("security headers are set and CORS stays closed", async () => {
    const response = await fetch(`${server.url}/api/v1/setup`, {
      headers: { origin: "https://evil.example" },
    });
    const h = response.headers;
    assert.match(h.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    assert.match(h.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.match(h.get("strict-transport-security") ?? "", /max-age=31536000/);
    assert.equal(h.get("referrer-policy"), "no-referrer");
    assert.equal(h.get("x-content-type-options"), "nosniff");
    assert.equal(h.get("access-control-allow-origin"), null);
    const preflight = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  });

  test("unknown routes answer 404 in the error shape", async () => {
    const response = await fetch(`${server.url}/api/v1/nope?token=secret-value`);
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "NOT_FOUND");
    assert.ok(!body.error.message.includes("secret-value"));
  });

  test("the OpenAPI document is generated from the protocol schemas", async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>
      >;
    };
    assert.equal(doc.openapi, "3.1.0");
    for (const route of [
      "/api/v1/auth/register",
      "/api/v1/auth/login",
      "/api/v1/me/devices",
      "/api/v1/admin/audit-events",
    ]) {
      assert.ok(doc.paths[route], `${route} is documented`);
    }
    const login = doc.paths["/api/v1/auth/login"]?.post?.requestBody?.content["application/json"]?.schema;
    assert.deepEqual(Object.keys(login?.properties ?? {}).sort(), ["deviceName", "email", "password"]);
  });

  test("the one-time setup link creates the first operator, once", async () => {
    const api = server.client();
    assert.deepEqual(await api.setupStatus(), { needsFirstOperator: true });
    const token = new URL(server.server.setupLink!).searchParams.get("token")!;
    // A weak password is refused without using up the link.
    await assert.rejects(
      api.createFirstOperator({ token, email: "admin@example.fr", password: "short", displayName: "Admin" }),
      (e: { code: string }) => e.code === "PASSWORD_TOO_SHORT",
    );
    await api.createFirstOperator({
      token,
      email: "admin@example.fr",
      password: "phrase de l'administrateur",
      displayName: "Admin",
    });
    assert.deepEqual(await api.setupStatus(), { needsFirstOperator: false });
    await assert.rejects(
      api.createFirstOperator({
        token,
        email: "b@example.fr",
        password: "phrase de l'administrateur",
        displayName: "B",
      }),
      (e: { code: string }) => e.code === "SETUP_ALREADY_DONE",
    );
    // The operator logs in and must enrol a second factor before anything else.
    const step = await api.login({
      email: "admin@example.fr",
      password: "phrase de l'administrateur",
      deviceName: "console",
    });
    assert.equal(step.status, "second_factor_enrolment_required");
    await assert.rejects(
      api.auditEvents(),
      (e: { code: string }) => e.code === "AUTH_SECOND_FACTOR_ENROLMENT_REQUIRED",
    );
  });

  test("the authentication rate limit answers 429 RATE_LIMITED", async () => {
    const limited = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: "3" } });
    try {
      const statuses: number[] = [];
      let last: { error: { code: string } } | null = null;
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${limited.url}/api/v1/auth/password-reset`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "x@example.fr" }),
        });
        statuses.push(response.status);
        last = (await response.json()) as { error: { code: string } };
      }
      assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
      assert.equal(last?.error.code, "RATE_LIMITED");
    } finally {
      await limited.close();
    }
  });
});

describe("server: graceful shutdown", () => {
  test("SIGTERM lets an in-flight request finish, then the process exits 0", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-shutdown-"));
    const child = spawn(
      process.execPath,
      [
        "--import",
        import.meta.resolve("tsx"),
        path.resolve(import.meta.dirname, "../src/cli/main.ts"),
        "start",
      ],
      {
        env: {
          PATH: process.env.PATH ?? "",
          DATA_DIR: dataDir,
          PORT: "0",
          HOST: "127.0.0.1",
          LOG_LEVEL: "warn",
        },
        stdio: "pipe",
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.on("exit", () => reject(new Error(`server exited early: ${out}`)));
      });
      const body = JSON.stringify({
        email: "late@example.fr",
        password: "phrase de passe tardive",
        displayName: "Dr Late",
      });
      const { port } = new URL(url);
      const answer = new Promise<number>((resolve, reject) => {
        const request = http.request(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/api/v1/auth/register",
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          },
          (response) => {
            response.resume();
            response.on("end", () => resolve(response.statusCode ?? 0));
          },
        );
        request.on("error", reject);
        // Half the body now, SIGTERM, the other half after: the request is in flight during shutdown.
        request.write(body.slice(0, 20));
        setTimeout(() => {
          child.kill("SIGTERM");
          setTimeout(() => request.end(body.slice(20)), 200);
        }, 200);
      });
      assert.equal(await answer, 202);
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      assert.equal(code, 0);
      // The work of the in-flight request is in the database.
      const handle = await openDatabase({ dataDir, databaseUrl: null });
      const user = await handle.db.selectFrom("users").select("email").executeTakeFirst();
      await handle.close();
      assert.equal(user?.email, "late@example.fr");
    } finally {
      child.kill("SIGKILL");
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
