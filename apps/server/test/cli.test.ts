import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runServerCli, startTestServer, type TestServer } from "@confrere/dev-env";

describe("confrere-server command", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("user create --json makes an account that logs in with the printed TOTP secret", async () => {
    const result = await runServerCli(
      [
        "user",
        "create",
        "--email",
        "Dr.Durand@Example.fr",
        "--password-stdin",
        "--name",
        "Dr Durand",
        "--verified",
        "--json",
      ],
      { env: server.env, stdin: "phrase de passe du docteur\n" },
    );
    assert.equal(result.code, 0, result.stderr);
    const created = JSON.parse(result.stdout) as { userId: string; email: string; totpSecret: string };
    assert.equal(created.email, "dr.durand@example.fr");
    assert.match(created.totpSecret, /^[A-Z2-7]{32}$/);

    const api = server.client();
    const step = await api.login({
      email: created.email,
      password: "phrase de passe du docteur",
      deviceName: "cli",
    });
    if (step.status !== "second_factor_required") assert.fail(step.status);
    await api.loginTotp(step.challengeToken, server.totp(created.totpSecret));
    const { account } = await api.me();
    assert.equal(account.state, "verified");
    assert.equal(account.displayName, "Dr Durand");
    // Marking the identity verified is an audited operator act.
    const events = await server.server.ctx.db
      .selectFrom("audit_events")
      .select("action")
      .where("target_id", "=", created.userId)
      .execute();
    assert.ok(events.some((e) => e.action === "account.identity_verified"));
    assert.ok(events.some((e) => e.action === "account.created_by_operator"));
  });

  test("user create --operator gives the operator role", async () => {
    const result = await runServerCli(
      ["user", "create", "--email", "ops@example.fr", "--password-stdin", "--operator", "--json"],
      {
        env: server.env,
        stdin: "phrase de l'opérateur",
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const { userId } = JSON.parse(result.stdout) as { userId: string };
    const row = await server.server.ctx.db
      .selectFrom("users")
      .select("role")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    assert.equal(row.role, "operator");
  });

  test("wrong arguments and weak passwords get a clear error and create nothing", async () => {
    const count = async () => (await server.server.ctx.db.selectFrom("users").select("id").execute()).length;
    const before = await count();
    const missing = await runServerCli(["user", "create", "--password-stdin"], {
      env: server.env,
      stdin: "x",
    });
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /--email is required/);
    const unknown = await runServerCli(
      ["user", "create", "--email", "a@b.fr", "--password-stdin", "--bogus"],
      { env: server.env },
    );
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /bogus/);
    const weak = await runServerCli(["user", "create", "--email", "weak@example.fr", "--password-stdin"], {
      env: server.env,
      stdin: "password",
    });
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /at least 12 characters/);
    const duplicate = await runServerCli(
      ["user", "create", "--email", "ops@example.fr", "--password-stdin"],
      {
        env: server.env,
        stdin: "une phrase bien longue",
      },
    );
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /already exists/);
    const badCommand = await runServerCli(["frobnicate"], { env: server.env });
    assert.equal(badCommand.code, 64);
    assert.match(badCommand.stderr, /unknown command "frobnicate"/);
    assert.equal(await count(), before);
  });

  test("a wrong configuration value stops the command with a message naming the variable", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-cfg-"));
    try {
      for (const [name, value, pattern] of [
        ["PORT", "eighty", /PORT must be a whole number/],
        ["PORT", "70000", /PORT must be between 0 and 65535/],
        ["DATABASE_URL", "mysql://x", /DATABASE_URL must start with postgres:/],
        ["PUBLIC_URL", "not a url", /PUBLIC_URL is not a valid URL/],
        ["LOG_LEVEL", "loud", /LOG_LEVEL must be one of/],
        ["SMTP_URL", "http://mail", /SMTP_URL must start with smtp:/],
        ["SERVER_SECRET", "short", /SERVER_SECRET must be 64 hexadecimal/],
      ] as const) {
        const result = await runServerCli(["migrate"], { env: { DATA_DIR: dataDir, [name]: value } });
        assert.equal(result.code, 78, `${name}=${value}: ${result.stderr}`);
        assert.match(result.stderr, pattern);
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  test("migrate applies the migrations once, then says the database is up to date", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-migrate-"));
    try {
      const first = await runServerCli(["migrate"], { env: { DATA_DIR: dataDir } });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Applied: 0001-accounts, 0002-audit, 0003-directory, 0004-messaging, 0005-/);
      const second = await runServerCli(["migrate"], { env: { DATA_DIR: dataDir } });
      assert.match(second.stdout, /up to date/);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
