import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runServerCli, startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import type { DirectorySearchResponse } from "@confrere/protocol";
import { confrere, loginCli } from "./support/cli.ts";

/** The older-layout fixture of the Annuaire Santé (shared/fixtures/annuaire). */
const FIXTURE = path.resolve(
  import.meta.dirname,
  "../../../../shared/fixtures/annuaire/PS_LibreAcces_Personne_activite_202611010000.txt",
);
/** LEROY Léa, cardiologist at Saint-Denis (La Réunion) and Le Creusot in the fixture. */
const LEROY = "810785900399";

describe("confrere directory search", () => {
  let server: TestServer;
  let root: string;
  let doctor: TestUser;
  let colleague: TestUser;
  let home: string;
  const search = (args: string[]) => confrere(["directory", "search", ...args, "--home", home]);

  before(async () => {
    server = await startTestServer();
    root = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-cli-directory-"));
    const imported = await runServerCli(["directory", "import", FIXTURE, "--no-deactivate-missing"], {
      env: server.env,
    });
    assert.equal(imported.code, 0, imported.stderr);
    doctor = await server.createUser({ verified: true, name: "Dr Alice Martin" });
    // LEROY Léa has an account: linked directly in the database (the identity roads have their tests).
    colleague = await server.createUser({ verified: true, name: "Dr Léa Leroy" });
    await server.server.ctx.db
      .updateTable("users")
      .set({ national_id: LEROY })
      .where("id", "=", colleague.userId)
      .execute();
    home = path.join(root, "doctor");
    const run = await loginCli(server, doctor, home);
    assert.equal(run.code, 0, run.stderr);
  });
  after(async () => {
    await server?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("one line per professional, saying who is on Confrère and who is not yet", async () => {
    const run = await search(["leroy"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split("\n");
    assert.ok(lines.length >= 2, run.stdout);
    const lea = lines.find((line) => line.startsWith(LEROY));
    assert.equal(
      lea,
      `${LEROY}  LEROY Léa · Médecin · Cardiologie et maladies vasculaires, Médecine générale · SAINT-DENIS (974) +1 · sur Confrère (user id ${colleague.userId})`,
    );
    const others = lines.filter((line) => !line.startsWith(LEROY));
    assert.ok(others.length > 0);
    for (const line of others) assert.match(line, /^\d{12} {2}LEROY .* · pas encore sur Confrère$/);
  });

  test("--json prints the server's answer; filters and words go through as given", async () => {
    const run = await search(["cardio", "--specialty", "SM04", "--limit", "5", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as DirectorySearchResponse;
    assert.deepEqual(printed, await doctor.api.searchDirectory({ q: "cardio", specialty: "SM04", limit: 5 }));
    assert.ok(printed.results.length > 0);
    // Several words without quotes are one search.
    const words = await search(["cardio", "avallon", "--json"]);
    assert.deepEqual(JSON.parse(words.stdout), await doctor.api.searchDirectory({ q: "cardio avallon" }));
    // Filters alone.
    const yonne = await search(["--departement", "89", "--profession", "10", "--json"]);
    assert.equal(yonne.code, 0, yonne.stderr);
    const { results } = JSON.parse(yonne.stdout) as DirectorySearchResponse;
    assert.ok(results.length > 0);
    assert.deepEqual(
      results,
      (await doctor.api.searchDirectory({ departement: "89", profession: "10" })).results,
    );
    const none = await search(["zzzzzz"]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /No professional matches/);
  });

  test("wrong arguments are usage errors (exit 64) with the command's usage", async () => {
    const runs = await Promise.all([
      search([]),
      search(["cardio", "--profession", "medecin"]),
      search(["cardio", "--specialty", "SM'04"]),
      search(["cardio", "--departement", "999x"]),
      search(["cardio", "--territory", "a/b"]),
      search(["cardio", "--limit", "0"]),
      search(["cardio", "--limit", "101"]),
      search(["cardio", "--limit", "ten"]),
      search(["cardio", "--frobnicate"]),
      search(["x".repeat(201)]),
      confrere(["directory"]),
      confrere(["directory", "find", "cardio"]),
    ]);
    for (const run of runs) {
      assert.equal(run.code, 64, run.stderr);
      assert.match(run.stderr, /Usage: confrere directory search QUERY/);
    }
    assert.match(runs[0]!.stderr, /give words to search/);
    assert.match(runs[1]!.stderr, /--profession "medecin" is not a profession code/);
    assert.match(runs[5]!.stderr, /--limit takes a whole number from 1 to 100/);
    const help = await confrere(["directory", "search", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--territory ID/);
  });

  test("the server's refusals say what to do: an unknown territory, an unverified account", async () => {
    const unknown = await search(["cardio", "--territory", "no-such-territory"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /directory search: no territory with this id.* \(NOT_FOUND\)/);

    // An unverified account logs in (its device waits for the verification) and is told why.
    const newcomer = await server.createUser({ verified: false });
    const newcomerHome = path.join(root, "newcomer");
    const loggedIn = await loginCli(server, newcomer, newcomerHome);
    assert.equal(loggedIn.code, 0, loggedIn.stderr);
    assert.match(loggedIn.stderr, /not verified yet/);
    const whoami = await confrere(["whoami", "--home", newcomerHome]);
    assert.equal(whoami.code, 0, whoami.stderr);
    const refused = await confrere(["directory", "search", "leroy", "--home", newcomerHome]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /verified professionals.*\(PROFESSIONAL_VERIFICATION_REQUIRED\)/);
  });
});

describe("confrere invite", () => {
  let server: TestServer;
  let root: string;
  let home: string;

  before(async () => {
    server = await startTestServer();
    root = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-cli-invite-"));
    const doctor = await server.createUser({ verified: true, name: "Dr Alice Martin" });
    home = path.join(root, "doctor");
    const run = await loginCli(server, doctor, home);
    assert.equal(run.code, 0, run.stderr);
  });
  after(async () => {
    await server?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("a colleague not yet on Confrère gets an invitation by e-mail", async () => {
    const run = await confrere(["invite", "dr.nouvelle@example.fr", "--json", "--home", home]);
    assert.equal(run.code, 0, run.stderr);
    const { invitation } = JSON.parse(run.stdout) as { invitation: { email: string; state: string } };
    assert.equal(invitation.email, "dr.nouvelle@example.fr");
    assert.equal(invitation.state, "pending");
    const mail = (await server.outbox()).find((m) => m.to === "dr.nouvelle@example.fr");
    assert.ok(mail?.token, "the invitation mail carries its sign-up link");
    const human = await confrere(["invite", "dr.autre@example.fr", "--home", home]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^Invitation for dr\.autre@example\.fr: pending, valid until \d{4}-\d{2}-\d{2}$/m,
    );
  });

  test("wrong arguments are usage errors; the server's refusals say what to do", async () => {
    for (const args of [
      [],
      ["not-an-address"],
      ["a@b.fr", "c@d.fr"],
      ["a@b.fr", "--national-id", "123"],
      ["a@b.fr", "--organisation", "x"],
    ]) {
      const run = await confrere(["invite", ...args, "--home", home]);
      assert.equal(run.code, 64, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /Usage: confrere invite EMAIL/);
    }
    const refused = await confrere([
      "invite",
      "a@b.fr",
      "--organisation",
      "no-such-organisation",
      "--national-id",
      "810785900399",
      "--home",
      home,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\([A-Z_]+\)/);
  });
});
