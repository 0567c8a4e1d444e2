import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connectDevice, startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import { confrere, loginCli } from "./support/cli.ts";

describe("confrere retention / legal-hold", () => {
  let server: TestServer;
  let operator: TestUser;
  let root: string;
  before(async () => {
    server = await startTestServer();
    operator = await server.createUser({ operator: true, verified: true });
    root = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-retention-"));
  });
  after(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function loggedIn(user: TestUser, name: string): Promise<string> {
    const home = path.join(root, name);
    const login = await loginCli(server, user, home);
    assert.equal(login.code, 0, login.stderr);
    return home;
  }

  test("an organisation's administrator shows and sets its retention period; a member is refused", async () => {
    const admin = await server.createUser({ verified: true });
    const member = await server.createUser({ verified: true });
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: withLuhnKey("89000030"),
      name: "CH Sens",
    });
    await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
    await operator.api.addOrganisationMember(organisation.id, member.userId);
    const home = await loggedIn(admin, "admin");
    const retention = (...args: string[]) =>
      confrere(["retention", ...args, "--organisation", organisation.id, "--home", home]);
    const policyNow = async () => {
      const shown = await retention("show", "--json");
      assert.equal(shown.code, 0, shown.stderr);
      return JSON.parse(shown.stdout) as { days: number | null; effectiveDays: number };
    };

    const initial = await retention("show");
    assert.equal(initial.code, 0, initial.stderr);
    assert.match(
      initial.stdout,
      /^Own period: platform default; effective: 183 days; platform default: 183 days \(an organisation may choose 7 to 3650\)\.$/m,
    );

    const set = await retention("set", "--days", "30", "--json");
    assert.equal(set.code, 0, set.stderr);
    const policy = JSON.parse(set.stdout) as { days: number | null; effectiveDays: number };
    assert.equal(policy.days, 30);
    assert.equal(policy.effectiveDays, 30);
    const shown = await retention("show");
    assert.match(shown.stdout, /^Own period: 30 days; effective: 30 days; platform default: 183 days/m);

    // The server checks the bounds; its message says which ones, and nothing changes.
    for (const days of ["3", "4000"]) {
      const refused = await retention("set", "--days", days);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /^confrere: retention set: the retention period must be a whole number of days between 7 and 3650 \(RETENTION_DAYS_OUT_OF_RANGE\)$/m,
      );
    }
    assert.equal((await policyNow()).days, 30);

    const setDefault = await retention("set", "--default");
    assert.equal(setDefault.code, 0, setDefault.stderr);
    assert.match(
      setDefault.stdout,
      new RegExp(
        `^Retention of organisation ${organisation.id} set back to the platform default \\(183 days\\)\\.$`,
        "m",
      ),
    );
    const back = await policyNow();
    assert.equal(back.days, null);
    assert.equal(back.effectiveDays, 183);

    const memberHome = await loggedIn(member, "member");
    for (const args of [["show"], ["set", "--days", "10"]]) {
      const refused = await confrere([
        "retention",
        ...args,
        "--organisation",
        organisation.id,
        "--home",
        memberHome,
      ]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /only the organisation's administrators \(or an operator\) may do this; ask one of them \(ORGANISATION_ADMIN_REQUIRED\)/,
      );
    }
    assert.equal((await policyNow()).days, null);
  });

  test("retention set takes exactly one of --days (a whole number) or --default", async () => {
    const home = path.join(root, "nobody");
    const cases: [string[], RegExp][] = [
      [["--organisation", "org"], /retention set: give one of --days or --default/],
      [
        ["--organisation", "org", "--days", "30", "--default"],
        /retention set: give only one of --days or --default/,
      ],
      [["--organisation", "org", "--days", "six mois"], /retention set: --days is a whole number of days/],
      [["--organisation", "org", "--days", "30.5"], /retention set: --days is a whole number of days/],
      [["--days", "30"], /retention set: --organisation is required/],
    ];
    for (const [args, message] of cases) {
      const wrong = await confrere(["retention", "set", ...args, "--home", home]);
      assert.equal(wrong.code, 64, `${args.join(" ")}: ${wrong.stderr}`);
      assert.match(wrong.stderr, message);
      assert.match(wrong.stderr, /Usage: confrere retention set --organisation ID \(--days N \| --default\)/);
    }
  });

  test("an operator places a legal hold, lists it and lifts it; others can't", async () => {
    const alice = await server.createUser({ verified: true });
    const bob = await server.createUser({ verified: true });
    const a = await connectDevice(server, alice, { connect: false });
    await connectDevice(server, bob, { connect: false });
    const conversationId = await a.openDirect(bob.userId);
    const home = await loggedIn(operator, "operator");
    const legalHold = (...args: string[]) => confrere(["legal-hold", ...args, "--home", home]);

    const empty = await legalHold("list");
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /^No conversation is under a legal hold\.$/m);

    const placed = await legalHold("place", "--conversation", conversationId, "--reason", "litigation");
    assert.equal(placed.code, 0, placed.stderr);
    assert.match(
      placed.stdout,
      new RegExp(`^Conversation ${conversationId} is under a legal hold \\(litigation\\)`, "m"),
    );
    const again = await legalHold("place", "--conversation", conversationId, "--reason", "other");
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /legal-hold place: this conversation is already under a legal hold.*LEGAL_HOLD_EXISTS/,
    );

    const listed = await legalHold("list");
    assert.equal(listed.code, 0, listed.stderr);
    const line = listed.stdout.trim().split("\n");
    assert.equal(line.length, 1, listed.stdout);
    const [id, reason, placedBy, placedAt] = line[0]!.split(/ {2}/);
    assert.equal(id, conversationId);
    assert.equal(reason, "litigation");
    assert.equal(placedBy, `placed by ${operator.userId}`);
    assert.equal(placedAt, new Date(Date.parse(placedAt ?? "")).toISOString());
    const listedJson = JSON.parse((await legalHold("list", "--json")).stdout) as {
      holds: { conversationId: string; reason: string; placedBy: string }[];
    };
    assert.deepEqual(
      listedJson.holds.map((h) => [h.conversationId, h.reason, h.placedBy]),
      [[conversationId, "litigation", operator.userId]],
    );

    // Someone who is not an operator is told who can, and the hold stays.
    const aliceHome = await loggedIn(alice, "alice");
    for (const args of [["place", "--conversation", conversationId, "--reason", "other"], ["list"]]) {
      const refused = await confrere(["legal-hold", ...args, "--home", aliceHome]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /^confrere: legal-hold (place|list): only the operators of the Confrère platform may do this; ask one of them \(OPERATOR_ONLY\)$/m,
      );
    }
    const refusedLift = await confrere([
      "legal-hold",
      "lift",
      "--conversation",
      conversationId,
      "--home",
      aliceHome,
    ]);
    assert.equal(refusedLift.code, 1);
    assert.match(refusedLift.stderr, /OPERATOR_ONLY/);

    const lifted = await legalHold("lift", "--conversation", conversationId, "--json");
    assert.equal(lifted.code, 0, lifted.stderr);
    assert.deepEqual(JSON.parse(lifted.stdout), { conversationId, status: "lifted" });
    const liftedAgain = await legalHold("lift", "--conversation", conversationId);
    assert.equal(liftedAgain.code, 1);
    assert.match(
      liftedAgain.stderr,
      /legal-hold lift: this conversation is not under a legal hold \(LEGAL_HOLD_NOT_FOUND\)/,
    );
    assert.deepEqual(JSON.parse((await legalHold("list", "--json")).stdout), { holds: [] });
  });

  test("legal-hold place needs --conversation and one of the reason codes", async () => {
    const home = path.join(root, "nobody");
    const badReason = await confrere([
      "legal-hold",
      "place",
      "--conversation",
      "c0nversation-id-0001",
      "--reason",
      "procès Dupont",
      "--home",
      home,
    ]);
    assert.equal(badReason.code, 64, badReason.stderr);
    assert.match(
      badReason.stderr,
      /legal-hold place: --reason is one of litigation, regulatory_inquiry, patient_request, other/,
    );
    assert.match(badReason.stderr, /Usage: confrere legal-hold place --conversation ID --reason/);

    const noConversation = await confrere(["legal-hold", "place", "--reason", "litigation", "--home", home]);
    assert.equal(noConversation.code, 64, noConversation.stderr);
    assert.match(noConversation.stderr, /legal-hold place: --conversation is required/);

    const noLiftConversation = await confrere(["legal-hold", "lift", "--home", home]);
    assert.equal(noLiftConversation.code, 64, noLiftConversation.stderr);
    assert.match(noLiftConversation.stderr, /legal-hold lift: --conversation is required/);

    const noSubcommand = await confrere(["legal-hold", "--home", home]);
    assert.equal(noSubcommand.code, 64);
    assert.match(noSubcommand.stderr, /legal-hold: give a subcommand: list, place, lift/);
  });
});
