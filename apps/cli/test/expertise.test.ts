import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import { confrere, loginCli } from "./support/cli.ts";

interface ExpertiseJson {
  id: string;
  state: string;
  role: string;
  conversationId: string;
  serviceId: string | null;
  requisUserId: string | null;
  request: { question: string; clinicalContext?: string } | null;
  conclusion?: { text: string };
  declineReason?: string;
  billing?: {
    role: string;
    acts: { code: string; euros: number }[];
    isBillable: boolean;
    warnings: string[];
  };
}

describe("confrere expertise request / accept / decline / answer / close / list / show", () => {
  let server: TestServer;
  let root: string;
  let alice: TestUser;
  let bob: TestUser;
  let aliceHome: string;
  let bobHome: string;

  before(async () => {
    server = await startTestServer();
    root = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-expertise-"));
    alice = await server.createUser({ verified: true, name: "Dr Alice Généraliste" });
    bob = await server.createUser({ verified: true, name: "Dr Bob Cardiologue" });
    aliceHome = path.join(root, "alice");
    bobHome = path.join(root, "bob");
    for (const [user, home] of [
      [alice, aliceHome],
      [bob, bobHome],
    ] as const) {
      const run = await loginCli(server, user, home);
      assert.equal(run.code, 0, run.stderr);
    }
  });
  after(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function json(args: string[], home: string): Promise<ExpertiseJson> {
    const run = await confrere([...args, "--home", home, "--json"]);
    assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
    return JSON.parse(run.stdout) as ExpertiseJson;
  }

  test("a request about a case, accepted, answered and closed, with the billing advice", async () => {
    const sent = await confrere([
      "send",
      "--to",
      bob.email,
      "--text",
      "Bonjour",
      "--home",
      aliceHome,
      "--json",
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    const { conversationId } = JSON.parse(sent.stdout) as { conversationId: string };
    const patientFile = path.join(root, "patient.json");
    await fs.writeFile(patientFile, JSON.stringify({ label: "Patiente du lit 7" }));
    const opened = await confrere([
      "case",
      "open",
      "--conversation",
      conversationId,
      "--patient-file",
      patientFile,
      "--home",
      aliceHome,
      "--json",
    ]);
    assert.equal(opened.code, 0, opened.stderr);
    const { caseId } = JSON.parse(opened.stdout) as { caseId: string };

    const request = await json(
      [
        "expertise",
        "request",
        "--to",
        bob.email,
        "--question",
        "Faut-il anticoaguler ?",
        "--context",
        "FA découverte ce matin",
        "--case",
        caseId,
      ],
      aliceHome,
    );
    assert.equal(request.state, "sent");
    assert.equal(request.conversationId, conversationId);
    assert.equal(request.requisUserId, bob.userId);

    const listed = await confrere(["expertise", "list", "--role", "requis", "--home", bobHome, "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const [seen] = (JSON.parse(listed.stdout) as { expertises: ExpertiseJson[] }).expertises;
    assert.equal(seen?.id, request.id);
    assert.equal(seen?.request?.question, "Faut-il anticoaguler ?");
    assert.equal(seen?.request?.clinicalContext, "FA découverte ce matin");

    // Out of order: a readable refusal with the code.
    const early = await confrere([
      "expertise",
      "answer",
      "--id",
      request.id,
      "--conclusion",
      "x",
      "--home",
      bobHome,
    ]);
    assert.equal(early.code, 1);
    assert.match(
      early.stderr,
      /the request is sent; it can be answered only when accepted \(EXPERTISE_BAD_TRANSITION\)/,
    );

    assert.equal((await json(["expertise", "accept", "--id", request.id], bobHome)).state, "accepted");
    const answered = await json(
      ["expertise", "answer", "--id", request.id, "--conclusion", "Oui, CHA2DS2-VASc à 3."],
      bobHome,
    );
    assert.equal(answered.state, "answered");

    const shown = await json(["expertise", "show", "--id", request.id], aliceHome);
    assert.equal(shown.conclusion?.text, "Oui, CHA2DS2-VASc à 3.");
    assert.deepEqual(shown.billing?.acts, [
      {
        code: "RQD",
        role: "requerant",
        euros: 10,
        label: "Demande de télé-expertise (requérant)",
        validFrom: "2022-04-01",
        validUntil: null,
      },
    ]);
    assert.equal(shown.billing?.isBillable, true);
    const readable = await confrere(["expertise", "show", "--id", request.id, "--home", bobHome]);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /Conclusion: Oui, CHA2DS2-VASc à 3\./);
    assert.match(readable.stdout, /Billing \(requis\): TE2 \(20 €\)/);
    assert.match(readable.stdout, /1 request\(s\) for this patient to this requis in 12 months \(limit 4\)/);

    assert.equal((await json(["expertise", "close", "--id", request.id], aliceHome)).state, "closed");
  });

  test("a declined request shows its reason; a service is found by its words", async () => {
    const request = await json(
      ["expertise", "request", "--to", bob.email, "--question", "Avis sur ce bilan ?"],
      aliceHome,
    );
    const declined = await json(
      ["expertise", "decline", "--id", request.id, "--reason", "Voir un endocrinologue"],
      bobHome,
    );
    assert.equal(declined.state, "declined");
    const shown = await confrere(["expertise", "show", "--id", request.id, "--home", aliceHome]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Declined: Voir un endocrinologue/);
    assert.match(shown.stdout, /not billable/);

    const operator = await server.createUser({ operator: true, verified: true });
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: withLuhnKey("89000005"),
      name: "CH Avallon",
    });
    await operator.api.addOrganisationAdmin(organisation.id, operator.userId);
    const { service } = await operator.api.createService(organisation.id, "Cardiologie");
    await operator.api.setServiceRoster(service.id, [bob.userId]);
    const toService = await json(
      ["expertise", "request", "--to", "service:cardiologie avallon", "--question", "Avis ?", "--urgent"],
      aliceHome,
    );
    assert.equal(toService.serviceId, service.id);
    assert.equal(toService.requisUserId, null);
    const accepted = await json(["expertise", "accept", "--id", toService.id], bobHome);
    assert.equal(accepted.requisUserId, bob.userId);

    const unknown = await confrere([
      "expertise",
      "request",
      "--to",
      "service:pédiatrie nowhere",
      "--question",
      "Avis ?",
      "--home",
      aliceHome,
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no service matches "pédiatrie nowhere"/);
    const usage = await confrere(["expertise", "request", "--question", "Avis ?", "--home", aliceHome]);
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /--to is required/);
    const help = await confrere(["expertise", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /confrere expertise request --to EMAIL_OR_USER_ID\|service:ID_OR_WORDS/);
  });
});
