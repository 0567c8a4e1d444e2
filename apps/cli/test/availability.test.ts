import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import { confrere, loginCli } from "./support/cli.ts";

describe("confrere availability / urgent", () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    server = await startTestServer();
    root = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-availability-"));
  });
  after(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("a person sets their status and working hours, reads them back, and lists no urgent message", async () => {
    const user = await server.createUser({ verified: true });
    const home = path.join(root, "home");
    const login = await loginCli(server, user, home);
    assert.equal(login.code, 0, login.stderr);

    const set = await confrere([
      "availability",
      "set",
      "--status",
      "in_consultation",
      "--hours",
      "mon-fri 08:00-12:00,14:00-18:00",
      "--home",
      home,
      "--json",
    ]);
    assert.equal(set.code, 0, set.stderr);
    const shown = await confrere(["availability", "show", "--home", home, "--json"]);
    assert.equal(shown.code, 0, shown.stderr);
    const availability = JSON.parse(shown.stdout) as {
      status: string;
      workingHours: Record<string, { start: string; end: string }[]>;
    };
    assert.equal(availability.status, "in_consultation");
    assert.deepEqual(availability.workingHours.fri, [
      { start: "08:00", end: "12:00" },
      { start: "14:00", end: "18:00" },
    ]);
    assert.equal(availability.workingHours.sat, undefined);

    const wrong = await confrere(["availability", "set", "--status", "absent", "--home", home]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /--status is one of/);

    const urgent = await confrere(["urgent", "list", "--home", home, "--json"]);
    assert.equal(urgent.code, 0, urgent.stderr);
    assert.deepEqual(JSON.parse(urgent.stdout), { alerts: [] });
  });
  test("an administrator sets a service's on-call schedule and reads it back", async () => {
    const operator = await server.createUser({ operator: true, verified: true });
    const admin = await server.createUser({ verified: true });
    const anne = await server.createUser({ verified: true });
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: withLuhnKey("89000020"),
      name: "CH Joigny",
    });
    await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
    const { service } = await admin.api.createService(organisation.id, "Urgences");
    await admin.api.setServiceRoster(service.id, [anne.userId]);
    const home = path.join(root, "admin");
    assert.equal((await loginCli(server, admin, home)).code, 0);

    const start = new Date(server.clock.now() - 60_000).toISOString();
    const end = new Date(server.clock.now() + 12 * 3_600_000).toISOString();
    const set = await confrere([
      "oncall",
      "set",
      "--service",
      service.id,
      "--escalation",
      "15",
      "--shift",
      `${anne.email},${start},${end}`,
      "--home",
      home,
      "--json",
    ]);
    assert.equal(set.code, 0, set.stderr);
    const shown = await confrere(["oncall", "show", "--service", service.id, "--home", home]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Escalation after 15 min; on call now: /);
    assert.ok(shown.stdout.includes(anne.userId));

    const badShift = await confrere([
      "oncall",
      "set",
      "--service",
      service.id,
      "--escalation",
      "15",
      "--shift",
      `${anne.email},demain`,
      "--home",
      home,
    ]);
    assert.equal(badShift.code, 64);
    assert.match(badShift.stderr, /must read WHO,START,END/);
    // Refused by the server with its code; the schedule stays as it was.
    const tooShort = await confrere([
      "oncall",
      "set",
      "--service",
      service.id,
      "--escalation",
      "0",
      "--home",
      home,
    ]);
    assert.notEqual(tooShort.code, 0);
    assert.match(tooShort.stderr, /ONCALL_SCHEDULE_INVALID|escalation/i);
    const after = JSON.parse(
      (await confrere(["oncall", "show", "--service", service.id, "--home", home, "--json"])).stdout,
    ) as { escalationMinutes: number; shifts: unknown[] };
    assert.equal(after.escalationMinutes, 15);
    assert.equal(after.shifts.length, 1);
  });
});
