import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runServerCli, startTestServer, type TestServer } from "@confrere/dev-env";
import { confrere, loginCli } from "./support/cli.ts";

describe("confrere me export / me delete, confrere-server retention purge", () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    server = await startTestServer();
    root = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-me-"));
  });
  after(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("a person exports their data to a file, then deletes their account after confirming", async () => {
    const user = await server.createUser({ verified: true });
    const home = path.join(root, "home");
    const login = await loginCli(server, user, home);
    assert.equal(login.code, 0, login.stderr);

    const out = path.join(root, "mes-donnees.json");
    const exported = await confrere(["me", "export", "--out", out, "--home", home, "--json"]);
    assert.equal(exported.code, 0, exported.stderr);
    const archive = JSON.parse(await fs.readFile(out, "utf8")) as {
      format: string;
      account: { email: string };
    };
    assert.equal(archive.format, "confrere-personal-data");
    assert.equal(archive.account.email, user.email);
    assert.equal((await fs.stat(out)).mode & 0o077, 0, "the archive is private to its owner");

    const unconfirmed = await confrere(
      ["me", "delete", "--password-stdin", "--totp", server.totp(user.totpSecret), "--home", home],
      { stdin: `${user.password}\n` },
    );
    assert.equal(unconfirmed.code, 64);
    assert.match(unconfirmed.stderr, /--yes/);

    const deleted = await confrere(
      [
        "me",
        "delete",
        "--password-stdin",
        "--totp",
        server.totp(user.totpSecret),
        "--yes",
        "--home",
        home,
        "--json",
      ],
      { stdin: `${user.password}\n` },
    );
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(JSON.parse(deleted.stdout), { status: "deleted" });
    const row = await server.server.ctx.db
      .selectFrom("users")
      .select("id")
      .where("id", "=", user.userId)
      .executeTakeFirst();
    assert.equal(row, undefined);
    await assert.rejects(fs.access(path.join(home, "store.key")), "the local keys are wiped");
    assert.deepEqual(await fs.readdir(home), []);
  });

  test("confrere-server retention purge --dry-run counts without deleting", async () => {
    const run = await runServerCli(["retention", "purge", "--dry-run", "--json"], { env: server.env });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { dryRun: boolean; messagesDeleted: number };
    assert.equal(summary.dryRun, true);
    assert.equal(summary.messagesDeleted, 0);
    const wrong = await runServerCli(["retention", "sweep"], { env: server.env });
    assert.equal(wrong.code, 64);
  });
});
