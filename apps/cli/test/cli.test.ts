import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type CliResult,
  runTypeScriptCommand,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@confrere/dev-env";
import { EncryptedStore } from "@confrere/sdk";
import { ManualClock } from "@confrere/server";
import { FileStore } from "../src/file-store.ts";

type Run = CliResult;

/** Runs the real `confrere` process, as a person would in a terminal (HOME points at a temp dir). */
function confrere(args: string[], options: { stdin?: string; home?: string } = {}): Promise<Run> {
  return runTypeScriptCommand("apps/cli/src/main.ts", args, {
    env: { HOME: options.home ?? os.tmpdir() },
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
  });
}

/** A command that must succeed; its JSON output parsed. */
async function json<T>(args: string[], options: { stdin?: string } = {}): Promise<T> {
  const run = await confrere([...args, "--json"], options);
  assert.equal(run.code, 0, `confrere ${args.join(" ")} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

interface MessageView {
  id: string;
  conversationId: string;
  seq: number;
  sender: { userId: string; displayName: string };
  isOwn: boolean;
  sentAt: string;
  type: string;
  text?: string;
  attachment?: { fileName: string; mimeType: string; size: number };
  groupName?: string;
  isUrgent: boolean;
  readBy: string[];
  delivery?: string;
}
interface SyncOutput {
  messages: MessageView[];
  updates: MessageView[];
  conversations: { id: string; title: string | null }[];
}
interface MessagesOutput {
  conversationId: string;
  title: string | null;
  isMember: boolean;
  messages: MessageView[];
  markedRead?: number;
}
interface ConversationRow {
  id: string;
  kind: string;
  title: string;
  groupName?: string | null;
  members: { userId: string; displayName: string; isMe: boolean }[];
  lastSeq: number;
  unread: number;
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

describe("the confrere command", () => {
  let server: TestServer;
  let root: string;
  const people: Record<"alice" | "bob" | "carol" | "dave", { user: TestUser; home: string }> = {} as never;
  /** Everything that must never be on disk in clear. */
  const secrets: { what: string; bytes: Buffer }[] = [];
  const as = (who: keyof typeof people, args: string[]) => [...args, "--home", people[who].home];

  before(async () => {
    server = await startTestServer();
    root = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-cli-"));
    for (const [key, name] of [
      ["alice", "Dr Alice Martin"],
      ["bob", "Dr Bob Durand"],
      ["carol", "Dr Carol Petit"],
      ["dave", "Dr Dave Bernard"],
    ] as const) {
      const user = await server.createUser({ verified: true, name });
      people[key] = { user, home: path.join(root, key) };
      secrets.push({ what: `${key}'s TOTP secret`, bytes: Buffer.from(user.totpSecret) });
      secrets.push({ what: `${key}'s password`, bytes: Buffer.from(user.password) });
    }
  });
  after(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function login(who: keyof typeof people) {
    const { user, home } = people[who];
    return confrere(
      [
        "login",
        "--server",
        server.url,
        "--email",
        user.email,
        "--password-stdin",
        "--totp",
        server.totp(user.totpSecret),
        "--device-name",
        `poste de ${who}`,
        "--home",
        home,
        "--json",
      ],
      { stdin: `${user.password}\n` },
    );
  }

  test("login reads the password from stdin, enrols the device once, and keeps a private state", async () => {
    // One after the other: each server.totp() moves the server's clock 30 s on, so a code must be
    // used before the next one is made.
    for (const who of ["alice", "bob", "carol", "dave"] as const) {
      const run = await login(who);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { userId: string; deviceId: string; server: string };
      assert.equal(result.userId, people[who].user.userId);
      assert.equal(result.server, server.url);
    }
    const { home, user } = people.alice;
    const first = await json<{ userId: string; deviceId: string; deviceName: string; email: string }>(
      as("alice", ["whoami"]),
    );
    assert.equal(first.userId, user.userId);
    assert.equal(first.email, user.email);
    assert.equal(first.deviceName, "poste de alice");
    // Each run restores the session and reloads the same MLS identity from the files: no new device,
    // no new key (the server would refuse a second key for the device).
    const second = await json<{ deviceId: string }>(as("alice", ["whoami"]));
    assert.equal(second.deviceId, first.deviceId);
    const { devices } = await user.api.devicesOf([user.userId]);
    assert.deepEqual(
      devices.map((d) => [d.deviceId, d.name]),
      [[first.deviceId, "poste de alice"]],
    );

    assert.equal((await fs.stat(home)).mode & 0o777, 0o700);
    assert.equal((await fs.stat(path.join(home, "store"))).mode & 0o777, 0o700);
    const keyFile = await fs.stat(path.join(home, "store.key"));
    assert.equal(keyFile.mode & 0o777, 0o600);
    assert.equal(keyFile.size, 32);
    for (const file of await filesUnder(path.join(home, "store")))
      assert.equal((await fs.stat(file)).mode & 0o777, 0o600, file);
    // The identity and KeyPackage secrets are there, under encoded key names.
    const names = (await fs.readdir(path.join(home, "store"))).map((n) =>
      Buffer.from(n, "base64url").toString("utf8"),
    );
    assert.ok(names.includes("identity"));
    assert.ok(names.includes("session"));
    assert.ok(names.some((n) => n.startsWith("kp/")));

    const again = await login("alice");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already logged in as .* run confrere logout first/);
  });

  let direct = "";
  test("a direct conversation: send by e-mail, the other syncs, reads and replies; delivered, then read", async () => {
    const { alice, bob } = people;
    const sent = await json<{ conversationId: string; messageId: string; seq: number }>(
      as("alice", ["send", "--to", bob.user.email, "--text", "Bonjour Bob, un avis sur un ECG ?"]),
    );
    secrets.push({ what: "the first message", bytes: Buffer.from("un avis sur un ECG") });
    direct = sent.conversationId;
    // Bob's device has not fetched it yet.
    const before = await json<MessagesOutput>(as("alice", ["messages", "--conversation", direct]));
    assert.deepEqual(
      before.messages.map((m) => [m.id, m.delivery]),
      [[sent.messageId, "sent"]],
    );

    const synced = await json<SyncOutput>(as("bob", ["sync"]));
    assert.deepEqual(synced.conversations, [{ id: direct, title: "Dr Alice Martin" }]);
    assert.equal(synced.messages.length, 1);
    const received = synced.messages[0]!;
    assert.equal(received.id, sent.messageId);
    assert.equal(received.conversationId, direct);
    assert.equal(received.text, "Bonjour Bob, un avis sur un ECG ?");
    assert.deepEqual(received.sender, { userId: alice.user.userId, displayName: "Dr Alice Martin" });
    assert.equal(received.isOwn, false);
    assert.ok(!Number.isNaN(Date.parse(received.sentAt)));
    // A second sync has nothing new.
    assert.deepEqual((await json<SyncOutput>(as("bob", ["sync"]))).messages, []);

    const reply = await json<{ messageId: string }>(
      as("bob", ["send", "--conversation", direct, "--text", "Oui, envoyez-le.", "--urgent"]),
    );
    // The same pair reuses the same conversation.
    const second = await json<{ conversationId: string }>(
      as("alice", ["send", "--to", bob.user.email, "--text", "Je vous l'envoie."]),
    );
    assert.equal(second.conversationId, direct);

    const seenByAlice = await json<MessagesOutput>(as("alice", ["messages", "--conversation", direct]));
    assert.equal(seenByAlice.title, "Dr Bob Durand");
    assert.deepEqual(
      seenByAlice.messages.map((m) => [m.text, m.sender.displayName, m.isOwn, m.delivery]),
      [
        ["Bonjour Bob, un avis sur un ECG ?", "Dr Alice Martin", true, "delivered"],
        ["Oui, envoyez-le.", "Dr Bob Durand", false, undefined],
        ["Je vous l'envoie.", "Dr Alice Martin", true, "sent"],
      ],
    );
    assert.ok(seenByAlice.messages[1]!.isUrgent);
    const seqs = seenByAlice.messages.map((m) => m.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.equal(seenByAlice.messages[1]!.id, reply.messageId);

    const aliceList = await json<{ conversations: ConversationRow[] }>(as("alice", ["conversations"]));
    assert.deepEqual(
      aliceList.conversations.map((c) => [c.id, c.kind, c.title, c.unread]),
      [[direct, "direct", "Dr Bob Durand", 1]],
    );

    // Bob reads: receipts travel encrypted, and Alice's next sync turns her messages to "read".
    const read = await json<MessagesOutput>(as("bob", ["messages", "--conversation", direct, "--mark-read"]));
    assert.equal(read.markedRead, 2);
    assert.ok(read.messages.filter((m) => !m.isOwn).every((m) => m.readBy.includes(bob.user.userId)));
    const bobList = await json<{ conversations: ConversationRow[] }>(as("bob", ["conversations"]));
    assert.equal(bobList.conversations[0]?.unread, 0);

    const aliceSync = await json<SyncOutput>(as("alice", ["sync"]));
    assert.deepEqual(aliceSync.updates.map((m) => [m.text, m.delivery]).sort(), [
      ["Bonjour Bob, un avis sur un ECG ?", "read"],
      ["Je vous l'envoie.", "read"],
    ]);
    const human = await confrere(as("alice", ["messages", "--conversation", direct]));
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /you: Bonjour Bob, un avis sur un ECG \? \[read\]/);
    assert.match(human.stdout, /Dr Bob Durand: Oui, envoyez-le\. \[URGENT\]/);
  });

  test("a group: created with two members who read it; an admin adds and removes; a member leaves", async () => {
    const { alice, bob, carol, dave } = people;
    const created = await json<{ conversationId: string }>(
      as("alice", [
        "group",
        "create",
        "--name",
        "RCP cardiologie",
        "--member",
        bob.user.email,
        "--member",
        carol.user.email,
      ]),
    );
    const group = created.conversationId;
    secrets.push({ what: "the group's name", bytes: Buffer.from("RCP cardiologie") });
    await json(as("alice", ["send", "--conversation", group, "--text", "Dossier de Mme R. pour jeudi"]));
    secrets.push({ what: "a group message", bytes: Buffer.from("Dossier de Mme R.") });

    const [bobSync, carolSync] = await Promise.all([
      json<SyncOutput>(as("bob", ["sync"])),
      json<SyncOutput>(as("carol", ["sync"])),
    ]);
    for (const synced of [bobSync, carolSync]) {
      assert.deepEqual(
        synced.messages.map((m) => [m.type, m.groupName ?? m.text, m.sender.userId]),
        [
          ["group-info", "RCP cardiologie", alice.user.userId],
          ["text", "Dossier de Mme R. pour jeudi", alice.user.userId],
        ],
      );
      assert.deepEqual(synced.conversations, [{ id: group, title: "RCP cardiologie" }]);
    }
    const carolList = await json<{ conversations: ConversationRow[] }>(as("carol", ["conversations"]));
    const row = carolList.conversations.find((c) => c.id === group);
    assert.equal(row?.kind, "group");
    assert.equal(row?.groupName, "RCP cardiologie");
    assert.deepEqual(row?.members.map((m) => m.displayName).sort(), [
      "Dr Alice Martin",
      "Dr Bob Durand",
      "Dr Carol Petit",
    ]);
    assert.equal(row?.unread, 2);

    await Promise.all([
      json(as("bob", ["messages", "--conversation", group, "--mark-read"])),
      json(as("carol", ["messages", "--conversation", group, "--mark-read"])),
    ]);
    const aliceView = await json<MessagesOutput>(as("alice", ["messages", "--conversation", group]));
    assert.equal(aliceView.title, "RCP cardiologie");
    const welcome = aliceView.messages.find((m) => m.text === "Dossier de Mme R. pour jeudi");
    assert.equal(welcome?.delivery, "read");
    assert.deepEqual(welcome?.readBy.sort(), [bob.user.userId, carol.user.userId].sort());

    // Only admins add or remove people.
    const refused = await confrere(
      as("bob", ["group", "add", "--conversation", group, "--member", dave.user.email]),
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /group add: only the group's admins can do this \(NOT_AN_ADMIN\)/);

    await json(as("alice", ["group", "add", "--conversation", group, "--member", dave.user.email]));
    await json(as("alice", ["send", "--conversation", group, "--text", "Bienvenue Dave"]));
    const daveSync = await json<SyncOutput>(as("dave", ["sync"]));
    const daveTexts = daveSync.messages.map((m) => m.text);
    assert.ok(daveTexts.includes("Bienvenue Dave"));
    assert.ok(!daveTexts.includes("Dossier de Mme R. pour jeudi"), "history before joining is not shared");

    await json(as("alice", ["group", "remove", "--conversation", group, "--member", carol.user.email]));
    await json(as("alice", ["send", "--conversation", group, "--text", "Après le départ de Carol"]));
    const afterRemoval = await json<SyncOutput>(as("carol", ["sync"]));
    assert.deepEqual(afterRemoval.messages, []);
    const carolHistory = await json<MessagesOutput>(as("carol", ["messages", "--conversation", group]));
    assert.equal(carolHistory.isMember, false);
    assert.ok(carolHistory.messages.some((m) => m.text === "Dossier de Mme R. pour jeudi"));
    assert.ok(!carolHistory.messages.some((m) => m.text === "Après le départ de Carol"));
    const bobTexts = (await json<SyncOutput>(as("bob", ["sync"]))).messages.map((m) => m.text);
    assert.ok(bobTexts.includes("Après le départ de Carol"));

    const left = await confrere(as("dave", ["group", "leave", "--conversation", group]));
    assert.equal(left.code, 0, left.stderr);
    // Dave can't commit his own removal; Alice's device does it at its next sync.
    await json(as("alice", ["sync"]));
    const { conversation } = await alice.user.api.conversation(group);
    assert.deepEqual(
      [...new Set(conversation.devices.map((d) => d.userId))].sort(),
      [alice.user.userId, bob.user.userId].sort(),
    );
  });

  test("a member removed by an admin and added back reads the group again", async () => {
    const { carol } = people;
    const { conversations } = await json<{ conversations: ConversationRow[] }>(
      as("alice", ["conversations"]),
    );
    const group = conversations.find((c) => c.kind === "group")!.id;
    await json(as("alice", ["group", "add", "--conversation", group, "--member", carol.user.email]));
    await json(as("alice", ["send", "--conversation", group, "--text", "Carol revient"]));
    const synced = await json<SyncOutput>(as("carol", ["sync"]));
    assert.ok(
      synced.messages.some((m) => m.text === "Carol revient"),
      "Carol's device did not rejoin the group after being added back",
    );
  });

  test("a file: sent encrypted, downloaded and decrypted to the same bytes", async () => {
    const { bob } = people;
    const marker = `COMPTE-RENDU-${randomBytes(6).toString("hex")}`;
    const bytes = Buffer.concat([Buffer.from(`${marker}\n`), randomBytes(50_000)]);
    secrets.push({ what: "the file's text", bytes: Buffer.from(marker) });
    secrets.push({ what: "the file's bytes", bytes: bytes.subarray(marker.length + 1, marker.length + 65) });
    const source = path.join(root, "scanner thorax.pdf");
    await fs.writeFile(source, bytes);

    const sent = await json<{ conversationId: string; messageId: string }>(
      as("alice", ["send", "--to", bob.user.email, "--file", source, "--text", "Le scanner"]),
    );
    assert.equal(sent.conversationId, direct);
    const synced = await json<SyncOutput>(as("bob", ["sync"]));
    const message = synced.messages.find((m) => m.id === sent.messageId);
    assert.deepEqual(message?.attachment, {
      fileName: "scanner thorax.pdf",
      mimeType: "application/pdf",
      size: bytes.length,
    });
    assert.equal(message?.text, "Le scanner");

    const out = path.join(root, "downloaded.pdf");
    const saved = await json<{ path: string; size: number }>(
      as("bob", ["download", "--conversation", direct, "--message", sent.messageId, "--out", out]),
    );
    assert.equal(saved.size, bytes.length);
    assert.ok((await fs.readFile(out)).equals(bytes));
    assert.equal((await fs.stat(out)).mode & 0o777, 0o600);

    const notAFile = await confrere(
      as("bob", ["download", "--conversation", direct, "--message", "no-such-message", "--out", out]),
    );
    assert.equal(notAFile.code, 1);
    assert.match(notAFile.stderr, /download: no message no-such-message in conversation/);
  });

  test("both sides compute the same safety code", async () => {
    const { alice, bob } = people;
    const [fromAlice, fromBob] = await Promise.all([
      json<{ groups: string[]; userId: string }>(as("alice", ["safety-code", "--with", bob.user.email])),
      json<{ groups: string[]; userId: string }>(as("bob", ["safety-code", "--with", alice.user.email])),
    ]);
    assert.equal(fromAlice.userId, bob.user.userId);
    assert.equal(fromAlice.groups.length, 12);
    assert.ok(fromAlice.groups.every((g) => /^\d{5}$/.test(g)));
    assert.deepEqual(fromAlice.groups, fromBob.groups);
  });

  test("nothing is readable at rest: no message, group name, file, password or TOTP secret in the homes", async () => {
    assert.ok(secrets.length >= 12);
    let checked = 0;
    for (const { home } of Object.values(people)) {
      for (const file of await filesUnder(home)) {
        const content = await fs.readFile(file);
        for (const secret of secrets)
          assert.equal(content.indexOf(secret.bytes), -1, `${secret.what} is in clear in ${file}`);
        checked++;
      }
    }
    assert.ok(checked > 40, `only ${checked} files checked`);
  });

  test("errors say what to do, with distinct exit codes", async () => {
    const { alice } = people;
    const fresh = path.join(root, "fresh");
    const loginInto = (home: string, server: string, factor: string[], password: string) =>
      confrere(
        [
          "login",
          "--server",
          server,
          "--email",
          alice.user.email,
          "--password-stdin",
          ...factor,
          "--home",
          home,
        ],
        { stdin: password },
      );
    // Independent processes: run together.
    const [
      wrongPassword,
      wrongCode,
      unreachable,
      missing,
      unknownRecipient,
      unknownFlag,
      unknownCommand,
      bothTargets,
      help,
      sendHelp,
    ] = await Promise.all([
      loginInto(fresh, server.url, ["--totp", "123456"], "not the password at all\n"),
      loginInto(path.join(root, "fresh-code"), server.url, ["--totp", "12345"], alice.user.password),
      loginInto(path.join(root, "fresh-unreachable"), "http://127.0.0.1:9", [], alice.user.password),
      confrere(["sync", "--home", path.join(root, "never-created")]),
      confrere(as("alice", ["send", "--to", "personne@example.fr", "--text", "Allô ?"])),
      confrere(as("alice", ["send", "--to", alice.user.email, "--txt", "x"])),
      confrere(["frobnicate"]),
      confrere(as("alice", ["send", "--to", "a@b.fr", "--conversation", direct, "--text", "x"])),
      confrere(["help"]),
      confrere(["send", "--help"]),
    ]);

    assert.equal(wrongPassword.code, 1);
    assert.match(wrongPassword.stderr, /^confrere: login: wrong e-mail or password$/m);
    // The failed login left no session behind.
    const notLoggedIn = await confrere(["whoami", "--home", fresh]);
    assert.equal(notLoggedIn.code, 77);
    assert.match(
      notLoggedIn.stderr,
      /not logged in: no Confrère state in .*fresh\. Log in first: confrere login/,
    );
    assert.equal(missing.code, 77);
    assert.match(missing.stderr, /not logged in/);

    assert.equal(wrongCode.code, 64);
    assert.match(wrongCode.stderr, /--totp takes the 6 digits/);

    assert.equal(unreachable.code, 69);
    assert.match(unreachable.stderr, /login: cannot reach the server at http:\/\/127\.0\.0\.1:9/);

    assert.equal(unknownRecipient.code, 1);
    assert.match(
      unknownRecipient.stderr,
      /send: no verified professional with the e-mail personne@example\.fr on Confrère; check the address/,
    );

    assert.equal(unknownFlag.code, 64);
    assert.match(unknownFlag.stderr, /send: Unknown option '--txt'/);
    assert.match(unknownFlag.stderr, /Usage: confrere send/);
    assert.equal(unknownCommand.code, 64);
    assert.match(unknownCommand.stderr, /unknown command "frobnicate"/);
    assert.equal(bothTargets.code, 64);
    assert.match(bothTargets.stderr, /give only one of --to or --conversation/);

    assert.equal(help.code, 0);
    for (const command of ["login", "send", "group create", "messages", "sync", "download", "safety-code"])
      assert.ok(help.stdout.includes(`confrere ${command}`), command);
    assert.equal(sendHelp.code, 0);
    assert.match(sendHelp.stdout, /^Usage: confrere send/);
  });

  test("a session revoked from another device asks to log in again", async () => {
    const { dave } = people;
    const { deviceId } = await json<{ deviceId: string }>(as("dave", ["whoami"]));
    await dave.user.api.revokeDevice(deviceId);
    const run = await confrere(as("dave", ["sync"]));
    assert.equal(run.code, 77);
    assert.match(
      run.stderr,
      /sync: your session on .* has expired or was revoked; run confrere logout, then confrere login/,
    );
  });

  test("logout ends the session and wipes the local keys and history", async () => {
    const { carol } = people;
    const run = await confrere(as("carol", ["logout"]));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await filesUnder(carol.home), []);
    const after = await confrere(as("carol", ["conversations"]));
    assert.equal(after.code, 77);
    assert.match(after.stderr, /not logged in/);
    // Logging out twice is not an error.
    assert.equal((await confrere(as("carol", ["logout"]))).code, 0);
  });
});

describe("confrere login --totp-secret", () => {
  let server: TestServer;
  let home: string;
  before(async () => {
    // The server's clock starts behind the real one, so that the codes the test server hands out
    // while creating the account are older than the one the CLI computes from the real time.
    server = await startTestServer({ clock: new ManualClock(Date.now() - 10 * 60_000) });
    home = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-cli-totp-"));
  });
  after(async () => {
    await server.close();
    await fs.rm(home, { recursive: true, force: true });
  });

  test("computes the current code from the authenticator secret", async () => {
    const user = await server.createUser({ verified: true });
    server.clock.set(Date.now());
    const run = await confrere(
      [
        "login",
        "--server",
        server.url,
        "--email",
        user.email,
        "--password-stdin",
        "--totp-secret",
        user.totpSecret,
        "--home",
        home,
      ],
      { stdin: user.password },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Logged in as Dr Test \d+ </);
    const files = await filesUnder(home);
    for (const file of files) assert.equal((await fs.readFile(file)).indexOf(user.totpSecret), -1);
  });
});

describe("FileStore", () => {
  test("one 0600 file per key, listed by prefix in order, cleared on logout; encrypted by EncryptedStore", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-filestore-"));
    try {
      const files = await FileStore.open(path.join(dir, "store"));
      const store = new EncryptedStore(files, await EncryptedStore.importKey(randomBytes(32)));
      const text = new TextEncoder().encode("secret médical");
      for (const seq of [10, 2, 1]) await store.put(`msg/conv/${String(seq).padStart(12, "0")}`, text);
      await store.put("group/conv", text);
      await store.put("kp/abcdef", text);
      assert.deepEqual(await store.keys("msg/conv/"), [
        "msg/conv/000000000001",
        "msg/conv/000000000002",
        "msg/conv/000000000010",
      ]);
      assert.deepEqual(new TextDecoder().decode((await store.get("group/conv"))!), "secret médical");
      assert.equal(await store.get("group/other"), null);
      for (const name of await fs.readdir(path.join(dir, "store"))) {
        const full = path.join(dir, "store", name);
        assert.match(name, /^[A-Za-z0-9_-]+$/);
        assert.equal((await fs.stat(full)).mode & 0o777, 0o600);
        assert.equal((await fs.readFile(full)).indexOf("secret"), -1);
      }
      // A temporary file left by a crash is not a key.
      await fs.writeFile(path.join(dir, "store", ".tmp-deadbeef"), "partial");
      assert.equal((await store.keys("")).length, 5);
      await store.delete("kp/abcdef");
      assert.deepEqual(await store.keys("kp/"), []);
      await store.clear();
      assert.deepEqual(await store.keys(""), []);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
