import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import { WebSocket } from "ws";

/**
 * "Strictly reserved for professionals": every messaging and directory route of the OpenAPI
 * document answers an account whose professional identity is not verified with 403
 * PROFESSIONAL_VERIFICATION_REQUIRED, and so does the realtime socket. Routes are read from the
 * document, not listed here, so a new route is covered the day it is added. Each request is
 * plausible (valid path, query and body), so that the guard answers, not the validation: the same
 * requests from a verified account get anything but that code.
 */

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
}

interface DocumentedOperation {
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema } | undefined> };
}

interface Request {
  label: string;
  method: string;
  path: string;
  contentType: string | null;
  body: string | Buffer | null;
}

const GUARDED_TAGS = ["messaging", "directory"];

/** A value `schema` accepts: strings are picked among a few candidates by pattern and length. */
function plausible(schema: Schema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf?.[0]) return plausible(schema.anyOf[0]);
  const type = (Array.isArray(schema.type) ? schema.type : [schema.type]).find((t) => t && t !== "null");
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, child]) => [name, plausible(child)]),
      );
    case "array":
      return schema.items
        ? Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => plausible(schema.items!))
        : [];
    case "boolean":
      return true;
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "string": {
      const candidates =
        schema.format === "email"
          ? ["someone@example.fr"]
          : ["AAAAAAAAAAAAAAAAAAAAAAAA", "A".repeat(43), "lefevre", "123456", "89", "10", "1"];
      const found = candidates.find((candidate) => {
        if (schema.minLength !== undefined && candidate.length < schema.minLength) return false;
        if (schema.maxLength !== undefined && candidate.length > schema.maxLength) return false;
        return schema.pattern === undefined || new RegExp(schema.pattern, "u").test(candidate);
      });
      if (found === undefined) throw new Error(`plausible: no candidate fits ${JSON.stringify(schema)}`);
      return found;
    }
    default:
      throw new Error(`plausible: no value for ${JSON.stringify(schema)}`);
  }
}

function requestsOf(doc: { paths: Record<string, Record<string, DocumentedOperation>> }): Request[] {
  const requests: Request[] = [];
  for (const [route, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!operation.tags?.some((tag) => GUARDED_TAGS.includes(tag))) continue;
      const parameters = operation.parameters ?? [];
      let path = route;
      for (const p of parameters.filter((p) => p.in === "path")) {
        path = path.replace(`{${p.name}}`, encodeURIComponent(String(plausible(p.schema))));
      }
      // A required query parameter, or the first one when none is (the directory needs one).
      const query = parameters.filter((p) => p.in === "query");
      const sent = query.some((p) => p.required) ? query.filter((p) => p.required) : query.slice(0, 1);
      const search = new URLSearchParams(
        sent.map((p): [string, string] => [p.name, String(plausible(p.schema))]),
      );
      const content = operation.requestBody?.content ?? {};
      const json = content["application/json"]?.schema;
      const isStream = "application/octet-stream" in content || route.endsWith("/attachments");
      requests.push({
        label: `${method.toUpperCase()} ${route}`,
        method: method.toUpperCase(),
        path: search.size > 0 ? `${path}?${search}` : path,
        contentType: json
          ? "application/json"
          : isStream && method !== "get"
            ? "application/octet-stream"
            : null,
        body: json
          ? JSON.stringify(plausible(json))
          : isStream && method !== "get"
            ? Buffer.from("ciphertext")
            : null,
      });
    }
  }
  return requests;
}

describe("verified professionals only: messaging and directory", () => {
  let server: TestServer;
  let unverified: TestUser;
  let verified: TestUser;
  let requests: Request[];

  before(async () => {
    server = await startTestServer();
    unverified = await server.createUser({ verified: false });
    verified = await server.createUser({ verified: true });
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as Parameters<
      typeof requestsOf
    >[0];
    requests = requestsOf(doc).filter((r) => !r.path.endsWith("/realtime"));
  });
  after(async () => {
    await server?.close();
  });

  async function send(request: Request, token: string) {
    const response = await fetch(`${server.url}${request.path}`, {
      method: request.method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(request.contentType ? { "content-type": request.contentType } : {}),
      },
      ...(request.body !== null ? { body: request.body } : {}),
    });
    const text = await response.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      code = undefined;
    }
    return { status: response.status, code, text };
  }

  test("every messaging and directory route answers an unverified account 403 PROFESSIONAL_VERIFICATION_REQUIRED", async () => {
    // Devices and keys, conversations, messages, welcomes, attachments, users, the directory.
    assert.ok(requests.length >= 20, `only ${requests.length} guarded routes in the document`);
    assert.ok(requests.some((r) => r.label === "GET /api/v1/directory/search"));
    assert.ok(requests.some((r) => r.label === "POST /api/v1/me/device-key"));
    for (const request of requests) {
      const answer = await send(request, unverified.api.token!);
      assert.equal(answer.status, 403, `${request.label}: ${answer.text}`);
      assert.equal(answer.code, "PROFESSIONAL_VERIFICATION_REQUIRED", `${request.label}: ${answer.text}`);
    }
  });

  test("the same requests from a verified account pass the guard (so the requests were plausible)", async () => {
    for (const request of requests) {
      const answer = await send(request, verified.api.token!);
      assert.notEqual(answer.code, "PROFESSIONAL_VERIFICATION_REQUIRED", `${request.label}: ${answer.text}`);
      // The schema's refusals name the route ("POST /api/v1/…: body …"); a handler's own checks,
      // which come after the guard (an Ed25519 key of the wrong length), name their operation.
      assert.ok(!answer.text.includes(`"${request.method} /api/`), `${request.label}: ${answer.text}`);
    }
  });

  test("the realtime socket says so, then closes with a code the SDK does not retry", async () => {
    const url = `${server.url.replace("http", "ws")}/api/v1/realtime`;
    const socket = new WebSocket(url);
    const frames: { type: string; code?: string }[] = [];
    socket.on("message", (data) => frames.push(JSON.parse(String(data))));
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    await new Promise((resolve) => socket.on("open", resolve));
    socket.send(JSON.stringify({ type: "hello", token: unverified.api.token }));
    assert.equal(await closed, 4001);
    assert.deepEqual(
      frames.map((f) => [f.type, f.code]),
      [["error", "PROFESSIONAL_VERIFICATION_REQUIRED"]],
    );

    // A verified account is welcome.
    const welcome = new WebSocket(url);
    await new Promise((resolve) => welcome.on("open", resolve));
    welcome.send(JSON.stringify({ type: "hello", token: verified.api.token }));
    const first = await new Promise<{ type: string }>((resolve) =>
      welcome.once("message", (data) => resolve(JSON.parse(String(data)))),
    );
    assert.equal(first.type, "ready");
    welcome.close();
  });
});
