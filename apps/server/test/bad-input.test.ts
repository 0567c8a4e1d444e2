import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import { sql } from "kysely";

/**
 * Every operation of the OpenAPI document gets garbage: malformed JSON, wrong types, unknown fields,
 * oversized bodies, the wrong content type, no or a forged session token, and control characters or
 * SQL/HTML metacharacters in every string it takes, in its query string and in its path. Operations
 * are read from the document, not listed here, so a new route is covered the day it is added.
 *
 * Each answer must be a 4xx in the protocol's error shape that leaks nothing (metacharacters in
 * otherwise valid input may also be accepted), and rows must stay as they were. The requests are
 * built so that even a valid one would change nothing that matters: path parameters get a
 * well-formed id that matches nothing, and e-mail fields the address of a bystander account, so that
 * a wildcard that matched it (`_ystander@…`) would show as a row written for the bystander.
 *
 * The row invariant covers every table but the throttle and the audit trail, which failed logins
 * legitimately write to. Refused requests must leave every row as it was. After the metacharacters,
 * no row that existed may have changed either; new rows may appear only for accounts registered with
 * exactly a hostile address that was sent (`%ystander@example.fr` is a valid, new address) or for the
 * operator who sent the request. Commands that take no input at all (log out, rotate the session)
 * would do their job with any parseable body: those bodies go with throwaway accounts, left out.
 */

/** The part of JSON Schema the document uses for request bodies and parameters. */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  examples?: unknown[];
}

interface DocumentedOperation {
  security?: unknown[];
  parameters?: { in: string; name: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema } | undefined> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, DocumentedOperation>>;
}

interface Param {
  name: string;
  schema: Schema;
}

interface Operation {
  method: string;
  /** As documented: `/api/v1/me/sessions/{id}`. */
  route: string;
  label: string;
  isSecured: boolean;
  body: Schema | null;
  pathParams: Param[];
  queryParams: Param[];
}

interface Probe {
  op: Operation;
  what: string;
  /** Path and query string, already encoded. */
  target: string;
  token: string | null;
  /** Sent instead of `Bearer <token>`. */
  authorization?: string;
  contentType?: string;
  body?: Buffer;
  /** Sent on a connection of its own (the server closes it after refusing a body it did not read). */
  isOversized?: boolean;
  isChunked?: boolean;
  /** Metacharacters inside otherwise valid input may be accepted (then only leaks are checked). */
  mayAccept?: boolean;
}

/** What an error answer should look like; checked field by field. */
interface ErrorShape {
  error?: { code?: unknown; message?: unknown };
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** Each one goes in every string the suite sends: alone, after a plausible value, and in its first place. */
const HOSTILE_STRINGS = [
  "\u0000",
  "\u0007",
  "\u001b[2J",
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  "<script>alert(1)</script>",
  "%",
  "_",
  "\\",
];

/** What must never appear in an answer: a stack, SQL, the database's name, a password hash. */
const LEAKS: [string, RegExp][] = [
  ["a stack frame", /\bat (?:[\w$.<>[\] ]+ \()?(?:file:\/\/|node:|\/)[^\s)]*:\d+:\d+/],
  ["an exception name", /\b[A-Z]\w*Error: /],
  ["SQL text", /\b(?:select\b[\s\S]{0,200}\bfrom|insert\s+into|update\s+"?\w+"?\s+set|delete\s+from)\b/i],
  ["the database's name", /sqlite|postgres|kysely|\bpg_/i],
  ["a password hash", /\$argon2/],
];

/** Wrong types, one of each JSON type; a property gets those its schema does not accept. */
const TYPE_SAMPLES: [string, unknown][] = [
  ["string", "a string"],
  ["number", 12345],
  ["boolean", true],
  ["null", null],
  ["object", { nested: "object" }],
  ["array", ["an", "array"]],
];

/** Failed logins legitimately count in the throttle and the audit trail: those are left out. */
const UNGUARDED_TABLES = new Set(["auth_throttle", "audit_events", "audit_head"]);

interface TableName {
  name: string;
}

/** The tables of the test database, whichever store it is on. */
const TABLES_QUERY = {
  postgres: sql<TableName>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  sqlite: sql<TableName>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`,
};

const CONCURRENCY = 4;

type Row = Record<string, unknown>;
/** Per table, how many rows have each digest (tables need not have a one-column key). */
type Snapshot = Map<string, { digests: Map<string, number>; rows: Map<string, Row> }>;

function typesOf(schema: Schema): Set<string> {
  const types = new Set<string>();
  const add = (type: string) => {
    types.add(type);
    if (type === "integer") types.add("number");
  };
  if (Array.isArray(schema.type)) schema.type.forEach(add);
  else if (schema.type) add(schema.type);
  for (const value of [...(schema.enum ?? []), ...(schema.const === undefined ? [] : [schema.const])]) {
    add(jsonType(value));
  }
  for (const option of schema.anyOf ?? []) for (const type of typesOf(option)) types.add(type);
  return types;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function fits(value: string, schema: Schema): boolean {
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) return false;
  if (schema.maxLength !== undefined && length > schema.maxLength) return false;
  return schema.pattern === undefined || new RegExp(schema.pattern, "u").test(value);
}

/** A value the schema accepts; strings are picked among a few candidates by pattern and length. */
function plausible(schema: Schema, email: string): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  // A schema whose pattern none of the generic candidates fits documents an example instead.
  if (schema.examples?.[0] !== undefined) return schema.examples[0];
  if (schema.anyOf?.[0]) return plausible(schema.anyOf[0], email);
  const type = [...typesOf(schema)].find((t) => t !== "null");
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, child]) => [name, plausible(child, email)]),
      );
    case "array":
      return schema.items ? [plausible(schema.items, email)] : [];
    case "boolean":
      return true;
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "string": {
      const candidates =
        schema.format === "email" ? [email] : ["Dr Plausible Value", "A".repeat(32), "123456", "89", "1"];
      const found = candidates.find((candidate) => fits(candidate, schema));
      if (found === undefined) throw new Error(`plausible: no candidate fits ${JSON.stringify(schema)}`);
      return found;
    }
    default:
      throw new Error(`plausible: no value for ${JSON.stringify(schema)}`);
  }
}

interface Property {
  at: string[];
  schema: Schema;
  isRequired: boolean;
}

/**
 * Every property, nested ones and the first item of arrays included (as `["userIds", "0"]`).
 * Records, which list no properties, are not entered.
 */
function propertiesOf(schema: Schema, at: string[] = []): Property[] {
  const properties = Object.entries(schema.properties ?? {}).flatMap(([name, child]) => [
    { at: [...at, name], schema: child, isRequired: schema.required?.includes(name) ?? false },
    ...propertiesOf(child, [...at, name]),
  ]);
  if (schema.items) {
    properties.push({ at: [...at, "0"], schema: schema.items, isRequired: false });
    properties.push(...propertiesOf(schema.items, [...at, "0"]));
  }
  return properties;
}

/** The objects that refuse unknown fields: the body itself and nested objects. */
function strictObjectsOf(schema: Schema, at: string[] = []): string[][] {
  const nested = [
    ...Object.entries(schema.properties ?? {}).map(([name, child]) => ({ child, at: [...at, name] })),
    ...(schema.items ? [{ child: schema.items, at: [...at, "0"] }] : []),
  ];
  return [
    ...(schema.additionalProperties === false ? [at] : []),
    ...nested.flatMap(({ child, at: where }) => strictObjectsOf(child, where)),
  ];
}

const DELETE = Symbol("delete");

/** A copy of `value` with the property at `at` set, or deleted when `replacement` is DELETE. */
function withProperty(value: unknown, at: string[], replacement: unknown): unknown {
  const copy = structuredClone(value) as Row;
  let node: Row = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Row;
  const last = at.at(-1)!;
  if (replacement === DELETE) delete node[last];
  else node[last] = replacement;
  return copy;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function readOperations(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [route, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = operation.parameters ?? [];
      const pick = (where: string) =>
        parameters.filter((p) => p.in === where).map(({ name, schema }) => ({ name, schema }));
      operations.push({
        method: method.toUpperCase(),
        route,
        label: `${method.toUpperCase()} ${route}`,
        isSecured: (operation.security?.length ?? 0) > 0,
        body: operation.requestBody?.content["application/json"]?.schema ?? null,
        pathParams: pick("path"),
        queryParams: pick("query"),
      });
    }
  }
  return operations;
}

function carriesBody(op: Operation): boolean {
  return op.method !== "GET" && op.method !== "HEAD";
}

/**
 * A command that takes no input at all (log out, rotate the session, new recovery codes): whatever
 * parseable body comes with it, it does its job. Such bodies go with a throwaway account's session.
 */
function takesNoInput(op: Operation): boolean {
  return carriesBody(op) && op.body === null && op.pathParams.length === 0 && op.queryParams.length === 0;
}

/** The accounts a row belongs to: `users.id`, and columns such as `user_id`, `sender_user_id`, `created_by`. */
function ownersOf(table: string, row: Row): string[] {
  if (table === "users") return [String(row.id)];
  return Object.keys(row)
    .filter((column) => /(?:^|_)user_id$|^created_by$/.test(column))
    .map((column) => row[column])
    .filter((value) => value !== null && value !== undefined)
    .map(String);
}

function canonical(row: Row): string {
  const cell = (value: unknown) =>
    value instanceof Uint8Array ? `bytes:${Buffer.from(value).toString("base64")}` : String(value);
  return JSON.stringify(
    Object.keys(row)
      .sort()
      .map((column) => [column, cell(row[column])]),
  );
}

/** Parses the answer read off a raw socket (used for oversized bodies). */
function parseRawAnswer(raw: Buffer): Answer {
  const text = raw.toString("utf8");
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text : text.slice(0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const contentType = /^content-type:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? "";
  return { status, contentType, text: end === -1 ? "" : text.slice(end + 4) };
}

describe("bad input: every documented operation refuses garbage with a 4xx and changes nothing", () => {
  let server: TestServer;
  let port: number;
  let agent: http.Agent;
  let operations: Operation[];
  let operator: TestUser;
  let operatorToken: string;
  /** Its address fills every e-mail field: nothing may ever be written for it. */
  let bystander: TestUser;
  /** One throwaway account per command that takes no input; left out of the row invariant. */
  const throwaways = new Map<string, TestUser>();
  let secrets: string[];
  let initial: Snapshot;
  let bodyLimit: number;
  let requestCount = 0;
  const probesByOperation = new Map<string, number>();
  /** Every hostile string sent, to recognise an account registered with one. */
  const sentStrings = new Set<string>();

  before(async () => {
    server = await startTestServer();
    port = Number(new URL(server.url).port);
    agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    bodyLimit = Math.max(server.server.ctx.config.bodyLimitBytes, 1_048_576);
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as OpenApiDocument;
    operations = readOperations(doc);
    operator = await server.createUser({ operator: true, verified: true });
    bystander = await server.createUser({ email: "bystander@example.fr" });
    for (const op of operations.filter(takesNoInput)) throwaways.set(op.label, await server.createUser());
    operatorToken = tokenOf(operator);
    secrets = [operator, bystander, ...throwaways.values()].flatMap((u) => [
      tokenOf(u),
      u.password,
      u.totpSecret,
    ]);
    // Creating users moved the clock, so the first authenticated request of each session touches its
    // last_used_at. Do it now; the clock then stands still, and any changed row is the barrage's doing.
    for (const user of [operator, bystander, ...throwaways.values()]) await user.api.me();
    initial = await snapshot();
  });

  after(async () => {
    agent?.destroy();
    await server?.close();
  });

  function tokenOf(user: TestUser): string {
    assert.ok(user.api.token, "createUser gives a logged-in client");
    return user.api.token;
  }

  async function tableNames(): Promise<string[]> {
    const { rows } = await TABLES_QUERY[server.store].execute(server.server.ctx.db);
    return rows
      .map((r) => r.name)
      .filter((name) => !UNGUARDED_TABLES.has(name) && !name.startsWith("kysely_"));
  }

  /** The digest of every row of every table but the throttle and the audit trail. */
  async function snapshot(): Promise<Snapshot> {
    const excluded = new Set([...throwaways.values()].map((u) => u.userId));
    const result: Snapshot = new Map();
    for (const table of await tableNames()) {
      const { rows } = await sql<Row>`select * from ${sql.table(table)}`.execute(server.server.ctx.db);
      const entry = { digests: new Map<string, number>(), rows: new Map<string, Row>() };
      for (const row of rows) {
        if (ownersOf(table, row).some((owner) => excluded.has(owner))) continue;
        const digest = createHash("sha256").update(canonical(row)).digest("hex");
        entry.digests.set(digest, (entry.digests.get(digest) ?? 0) + 1);
        entry.rows.set(digest, row);
      }
      result.set(table, entry);
    }
    assert.ok(result.has("users") && result.has("sessions"), "the snapshot sees the account tables");
    return result;
  }

  /** Rows that existed before and are gone or changed, and rows that were added (a change is both). */
  function compare(earlier: Snapshot, later: Snapshot) {
    const lost: string[] = [];
    const added: { table: string; row: Row }[] = [];
    for (const [table, { digests, rows }] of earlier) {
      const now = later.get(table)?.digests ?? new Map<string, number>();
      for (const [digest, count] of digests) {
        if ((now.get(digest) ?? 0) < count) lost.push(`${table} ${JSON.stringify(rows.get(digest))}`);
      }
    }
    for (const [table, { digests, rows }] of later) {
      const then = earlier.get(table)?.digests ?? new Map<string, number>();
      for (const [digest, count] of digests) {
        for (let i = then.get(digest) ?? 0; i < count; i++) added.push({ table, row: rows.get(digest)! });
      }
    }
    return { lost, added };
  }

  function targetOf(op: Operation, pathValues: Record<string, string> = {}, query = ""): string {
    const route = op.route.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const param = op.pathParams.find((p) => p.name === name)!;
      return pathValues[name] ?? encodeURIComponent(String(plausible(param.schema, bystander.email)));
    });
    return query ? `${route}?${query}` : route;
  }

  function plausibleBody(op: Operation): unknown {
    return op.body ? plausible(op.body, bystander.email) : {};
  }

  function jsonProbe(op: Operation, what: string, body: Buffer, extra: Partial<Probe> = {}): Probe {
    return {
      op,
      what,
      target: targetOf(op),
      token: operatorToken,
      contentType: "application/json",
      body,
      ...extra,
    };
  }

  function headersOf(probe: Probe): Record<string, string> {
    const headers: Record<string, string> = {};
    if (probe.contentType) headers["content-type"] = probe.contentType;
    if (probe.body && !probe.isChunked) headers["content-length"] = String(probe.body.length);
    if (probe.isChunked) headers["transfer-encoding"] = "chunked";
    if (probe.authorization !== undefined) headers.authorization = probe.authorization;
    else if (probe.token) headers.authorization = `Bearer ${probe.token}`;
    return headers;
  }

  function send(probe: Probe): Promise<Answer> {
    requestCount++;
    probesByOperation.set(probe.op.label, (probesByOperation.get(probe.op.label) ?? 0) + 1);
    return probe.isOversized ? sendRaw(probe) : sendHttp(probe);
  }

  function sendHttp(probe: Probe): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const request = http.request({
        host: "127.0.0.1",
        port,
        method: probe.op.method,
        path: probe.target,
        headers: headersOf(probe),
        agent,
      });
      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers["content-type"] ?? ""),
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      });
      request.on("error", reject);
      request.end(probe.body);
    });
  }

  /**
   * An oversized body is refused before it is read, and the server then closes the connection: an
   * HTTP client still writing sees a reset and may lose the answer. A raw socket keeps what arrived.
   */
  function sendRaw(probe: Probe): Promise<Answer> {
    return new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      const received: Buffer[] = [];
      socket.on("data", (chunk) => received.push(chunk));
      socket.on("error", () => {});
      socket.on("close", () => resolve(parseRawAnswer(Buffer.concat(received))));
      const headers = Object.entries({ host: `127.0.0.1:${port}`, connection: "close", ...headersOf(probe) })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join("");
      socket.write(`${probe.op.method} ${probe.target} HTTP/1.1\r\n${headers}\r\n`);
      const body = probe.body ?? Buffer.alloc(0);
      for (let i = 0; i < body.length && !socket.destroyed; i += 65_536) {
        const part = body.subarray(i, i + 65_536);
        if (probe.isChunked) socket.write(`${part.length.toString(16)}\r\n`);
        socket.write(part);
        if (probe.isChunked) socket.write("\r\n");
      }
      if (probe.isChunked && !socket.destroyed) socket.write("0\r\n\r\n");
    });
  }

  function problemsOf(probe: Probe, answer: Answer): string[] {
    const problems: string[] = [];
    const isAccepted = probe.mayAccept === true && answer.status >= 200 && answer.status < 300;
    if (!isAccepted && (answer.status < 400 || answer.status > 499)) {
      problems.push(`answered ${answer.status}, expected a 4xx: ${answer.text.slice(0, 300)}`);
    }
    if (!isAccepted) {
      let body: ErrorShape | null = null;
      try {
        body = JSON.parse(answer.text) as ErrorShape;
      } catch {
        problems.push(`answered with a body that is not JSON: ${answer.text.slice(0, 200)}`);
      }
      const { code, message } = body?.error ?? {};
      if (
        body &&
        (typeof code !== "string" || code === "" || typeof message !== "string" || message === "")
      ) {
        problems.push(`answered outside the error shape: ${answer.text.slice(0, 200)}`);
      }
      if (!answer.contentType.startsWith("application/json")) {
        problems.push(`answered with content type "${answer.contentType}"`);
      }
    }
    if (secrets.some((secret) => answer.text.includes(secret))) problems.push("the answer leaks a secret");
    for (const [name, pattern] of LEAKS) {
      const match = pattern.exec(answer.text);
      if (match) problems.push(`the answer leaks ${name}: …${match[0]}…`);
    }
    return problems;
  }

  function describeProbe(probe: Probe): string {
    const who =
      probe.authorization !== undefined
        ? ` (Authorization: ${JSON.stringify(probe.authorization.slice(0, 40))})`
        : probe.token
          ? ""
          : " (no token)";
    return `${probe.op.method} ${probe.target.slice(0, 120)} with ${probe.what}${who}`;
  }

  /** Sends the probes a few at a time; returns every problem found, each labelled with its request. */
  async function barrage(t: TestContext, probes: Probe[]): Promise<string[]> {
    const problems: string[] = [];
    const seen = new Set<string>();
    const queue = probes.filter((probe) => {
      const key = JSON.stringify([
        probe.op.method,
        probe.target,
        headersOf(probe),
        probe.body?.toString("base64"),
      ]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const worker = async () => {
      for (let probe = queue.shift(); probe; probe = queue.shift()) {
        try {
          for (const problem of problemsOf(probe, await send(probe))) {
            problems.push(`${describeProbe(probe)}: ${problem}`);
          }
        } catch (error) {
          problems.push(`${describeProbe(probe)}: no answer (${String(error)})`);
        }
      }
    };
    t.diagnostic(`${queue.length} requests`);
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return problems;
  }

  function assertNoProblems(problems: string[]): void {
    assert.equal(problems.length, 0, `${problems.length} bad answers:\n${problems.slice(0, 40).join("\n")}`);
  }

  /** Bodies the JSON parser must refuse, whatever the route: no handler may ever see them. */
  function unparseableBodies(op: Operation): Probe[] {
    const text = JSON.stringify(plausibleBody(op));
    const raw = (what: string, body: string, contentType = "application/json") =>
      jsonProbe(op, what, Buffer.from(body), { contentType });
    return [
      raw("the body `{bad`", "{bad"),
      raw("truncated JSON", text.slice(0, Math.max(1, text.length - 2))),
      raw("trailing garbage after the JSON", `${text}}`),
      raw("an empty JSON body", ""),
      raw("a __proto__ key", '{"__proto__":{"role":"operator"}}'),
      raw("a constructor.prototype key", '{"constructor":{"prototype":{"role":"operator"}}}'),
      raw("a form-urlencoded body", "role=operator", "application/x-www-form-urlencoded"),
      raw("a multipart body", "--x\r\n\r\nrole\r\n--x--\r\n", "multipart/form-data; boundary=x"),
    ];
  }

  /** Bodies the JSON parser takes but whose shape is wrong for any route that takes an object. */
  function misshapenBodies(op: Operation): Probe[] {
    const value = plausibleBody(op);
    const deep = `{"deep":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
    return [
      jsonProbe(op, "a JSON array", json([value])),
      jsonProbe(op, "a JSON string", json("a string")),
      jsonProbe(op, "a JSON number", json(12345)),
      jsonProbe(op, "JSON null", json(null)),
      jsonProbe(op, "JSON true", json(true)),
      jsonProbe(op, "invalid UTF-8", Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
      jsonProbe(op, "JSON nested 50 000 levels deep", Buffer.from(deep)),
      jsonProbe(op, "the JSON as text/plain", json(value), { contentType: "text/plain" }),
    ];
  }

  test("the document lists the operations, and a plausible request can be built for each", () => {
    assert.ok(operations.length >= 20, `only ${operations.length} operations documented`);
    assert.ok(
      operations.some((op) => op.body),
      "some operation takes a body",
    );
    assert.ok(
      operations.some((op) => op.pathParams.length > 0),
      "some operation takes a path parameter",
    );
    assert.ok(
      operations.some((op) => op.queryParams.length > 0),
      "some operation takes a query parameter",
    );
    assert.ok(operations.some(takesNoInput), "some command takes no input");
    // plausible() throws on a schema it can't satisfy: a new kind of field must be taught to this suite.
    for (const op of operations) assert.doesNotThrow(() => [plausibleBody(op), targetOf(op)], op.label);
  });

  test("malformed JSON and non-JSON bodies are refused", async (t) => {
    const probes = operations
      .filter(carriesBody)
      // A command that takes no input gets the parseable ones with a throwaway session, further down.
      .flatMap((op) =>
        takesNoInput(op) ? unparseableBodies(op) : [...unparseableBodies(op), ...misshapenBodies(op)],
      );
    assertNoProblems(await barrage(t, probes));
  });

  test("bodies over the size limit are refused, with or without a Content-Length", async (t) => {
    const big = json({ padding: "a".repeat(bodyLimit + 1024) });
    const probes = operations
      .filter(carriesBody)
      .flatMap((op) => [
        jsonProbe(op, `a ${big.length}-byte body`, big, { isOversized: true }),
        jsonProbe(op, `a ${big.length}-byte chunked body`, big, { isOversized: true, isChunked: true }),
      ]);
    assertNoProblems(await barrage(t, probes));
  });

  test("a wrong type, an overlong string or a missing field anywhere in a body is refused", async (t) => {
    const probes: Probe[] = [];
    for (const op of operations) {
      if (!op.body) continue;
      const value = plausibleBody(op);
      for (const property of propertiesOf(op.body)) {
        const name = property.at.join(".");
        const accepted = typesOf(property.schema);
        const wrong = (what: string, replacement: unknown) =>
          probes.push(
            jsonProbe(op, `${what} in "${name}"`, json(withProperty(value, property.at, replacement))),
          );
        for (const [type, sample] of TYPE_SAMPLES) {
          if (accepted.size > 0 && !accepted.has(type)) wrong(`a ${type}`, sample);
        }
        const { maxLength } = property.schema;
        if (accepted.has("string") && maxLength !== undefined) {
          wrong(
            `a ${Math.max(100_000, maxLength + 1)}-character string`,
            "a".repeat(Math.max(100_000, maxLength + 1)),
          );
        }
        if (property.isRequired) {
          probes.push(jsonProbe(op, `no "${name}"`, json(withProperty(value, property.at, DELETE))));
        }
      }
    }
    assert.ok(probes.length > 100, `only ${probes.length} wrong-type cases`);
    assertNoProblems(await barrage(t, probes));
  });

  test("unknown fields in a body or a query string are refused", async (t) => {
    const probes: Probe[] = [];
    for (const op of operations) {
      const value = plausibleBody(op);
      for (const at of op.body ? strictObjectsOf(op.body) : []) {
        const where = at.length ? `"${at.join(".")}"` : "the body";
        for (const field of ["unexpectedField", "isAdmin", ...HOSTILE_STRINGS]) {
          const body = withProperty(value, [...at, field], 1);
          probes.push(jsonProbe(op, `an unknown field ${JSON.stringify(field)} in ${where}`, json(body)));
        }
      }
      if (op.queryParams.length > 0) {
        const target = targetOf(op, {}, "unexpected=1");
        probes.push({ op, what: "an unknown query parameter", target, token: operatorToken });
      }
    }
    assertNoProblems(await barrage(t, probes));
  });

  test("no session token, or a forged one, is refused on every secured operation", async (t) => {
    const forged = [
      "",
      "Bearer",
      "Bearer ' OR 1=1 --",
      "Bearer <script>alert(1)</script>",
      "Basic b3BlcmF0b3I6cGFzc3dvcmQ=",
      `Bearer ${"A".repeat(43)}`,
      `Bearer ${"A".repeat(300)}`,
      `Bearer ${operatorToken}x`,
      `Bearer ${operatorToken} ${operatorToken}`,
    ];
    const probes: Probe[] = [];
    for (const op of operations.filter((o) => o.isSecured)) {
      const body = op.body ? { body: json(plausibleBody(op)), contentType: "application/json" } : {};
      const plain: Probe = { op, what: "a plausible request", target: targetOf(op), token: null, ...body };
      probes.push(plain);
      for (const authorization of forged) probes.push({ ...plain, authorization });
      if (carriesBody(op)) {
        probes.push({
          ...plain,
          what: "the body `{bad`",
          body: Buffer.from("{bad"),
          contentType: "application/json",
        });
      }
    }
    assertNoProblems(await barrage(t, probes));
  });

  test("a command that takes no input ignores a parseable body, with a throwaway session", async (t) => {
    const probes = operations.filter(takesNoInput).flatMap((op) =>
      misshapenBodies(op).map((probe) => ({
        ...probe,
        token: tokenOf(throwaways.get(op.label)!),
        mayAccept: true,
      })),
    );
    assertNoProblems(await barrage(t, probes));
  });

  test("none of the refused requests changed, removed or added a row", async () => {
    const { lost, added } = compare(initial, await snapshot());
    assert.deepEqual(lost, []);
    assert.deepEqual(
      added.map(({ table, row }) => `${table} ${JSON.stringify(row)}`),
      [],
    );
  });

  test("malformed percent-encoding and overlong parameters in a path are refused in the error shape", async (t) => {
    const probes: Probe[] = [];
    for (const op of operations) {
      const body = op.body ? { body: json(plausibleBody(op)), contentType: "application/json" } : {};
      for (const param of op.pathParams) {
        // A lone percent sign, an escape that is not hex, a truncated and an overlong UTF-8 sequence.
        for (const raw of ["%", "%zz", "%E0%A4%A", "%C0%AF", "A".repeat(600)]) {
          const target = targetOf(op, { [param.name]: raw });
          const what = `the raw path parameter "${raw.slice(0, 20)}"`;
          probes.push({ op, what, target, token: operatorToken, ...body });
        }
      }
    }
    assertNoProblems(await barrage(t, probes));
  });

  test("control characters and SQL/HTML metacharacters in every string, query and path never cause a 5xx or a leak", async (t) => {
    const variants = (plausibleValue: string) =>
      HOSTILE_STRINGS.flatMap((hostile) => {
        const name = JSON.stringify(hostile);
        return [
          { what: name, value: hostile },
          { what: `${name} after a plausible value`, value: plausibleValue + hostile },
          // In place of the first character: `_ystander@…` is as long as the address it must not match.
          { what: `${name} in place of the first character`, value: hostile + plausibleValue.slice(1) },
        ];
      });
    const probes: Probe[] = [];
    const hostile = (probe: Probe, value: string) => {
      sentStrings.add(value);
      probes.push({ ...probe, mayAccept: true });
    };
    for (const op of operations) {
      const value = plausibleBody(op);
      const body = op.body ? { body: json(value), contentType: "application/json" } : {};
      for (const property of op.body ? propertiesOf(op.body) : []) {
        if (!typesOf(property.schema).has("string")) continue;
        const name = property.at.join(".");
        for (const variant of variants(String(plausible(property.schema, bystander.email)))) {
          const changed = json(withProperty(value, property.at, variant.value));
          hostile(jsonProbe(op, `${variant.what} in "${name}"`, changed), variant.value);
        }
      }
      for (const param of op.pathParams) {
        for (const variant of variants(String(plausible(param.schema, bystander.email)))) {
          const target = targetOf(op, { [param.name]: encodeURIComponent(variant.value) });
          const what = `${variant.what} in the path parameter "${param.name}"`;
          hostile({ op, what, target, token: operatorToken, ...body }, variant.value);
        }
      }
      for (const param of op.queryParams) {
        for (const variant of variants(String(plausible(param.schema, bystander.email)))) {
          const target = targetOf(op, {}, `${param.name}=${encodeURIComponent(variant.value)}`);
          const what = `${variant.what} in the query parameter "${param.name}"`;
          hostile({ op, what, target, token: operatorToken, ...body }, variant.value);
        }
      }
      if (op.queryParams.length === 0 && !carriesBody(op)) {
        // A query string the route does not declare is ignored, but must not hurt either.
        for (const value of HOSTILE_STRINGS) {
          const target = targetOf(op, {}, `x=${encodeURIComponent(value)}`);
          const what = `the undeclared query parameter x=${JSON.stringify(value)}`;
          hostile({ op, what, target, token: operatorToken }, value);
        }
      }
    }
    assert.ok(probes.length > 500, `only ${probes.length} metacharacter cases`);
    assertNoProblems(await barrage(t, probes));
  });

  test("after the whole barrage no row changed, and new rows belong only to the operator or to accounts registered with a hostile address", async () => {
    const { lost, added } = compare(initial, await snapshot());
    assert.deepEqual(lost, [], "a row that existed before changed or vanished");
    const normalized = new Set([...sentStrings].map((s) => s.trim().toLowerCase()));
    const newUsers = new Set<string>();
    for (const { table, row } of added.filter((a) => a.table === "users")) {
      newUsers.add(String(row.id));
      // A hostile but well-formed address registers that very address, unconfirmed, as a plain user.
      assert.ok(
        normalized.has(String(row.email)),
        `new account ${String(row.email)} is not an address we sent`,
      );
      assert.ok(row.email !== bystander.email && row.email !== operator.email, `${table}: a second account`);
      assert.equal(row.role, "user");
      assert.equal(row.email_verified_at, null);
    }
    for (const { table, row } of added.filter((a) => a.table !== "users")) {
      // Nothing is ever written for the bystander (a `%` or `_` that matched its address would).
      const owners = ownersOf(table, row);
      assert.ok(owners.length > 0, `a new ${table} row that belongs to no account: ${JSON.stringify(row)}`);
      for (const owner of owners) {
        assert.ok(
          owner === operator.userId || newUsers.has(owner),
          `a new ${table} row for an account that did not send it: ${JSON.stringify(row)}`,
        );
      }
    }
  });

  test("every documented operation was probed, and the server logged no error and no secret", async (t) => {
    for (const op of operations)
      assert.ok((probesByOperation.get(op.label) ?? 0) > 0, `${op.label} was not probed`);
    const log = await fs.readFile(path.join(server.dataDir, "server.log"), "utf8");
    const errors = log
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as { level: number })
      .filter((entry) => entry.level >= 50);
    assert.deepEqual(errors, []);
    for (const secret of secrets) assert.ok(!log.includes(secret), "the log holds a secret");
    t.diagnostic(`${requestCount} requests over ${operations.length} operations`);
  });
});
