import assert from "node:assert/strict";
import { verify } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  browserKeys,
  connectDevice,
  decryptPayload,
  eventually,
  type PushedRequest,
  rejectsWith,
  startPushService,
  startTestServer,
  type TestServer,
} from "@confrere/dev-env";
import type { PushPayload } from "@confrere/protocol";
import { type ConfrereClient, ExpertiseDesk } from "@confrere/sdk";

/** Checks the RFC 8292 `Authorization: vapid t=JWT, k=KEY` header: ES256 over the push service's origin. */
function assertSignedVapid(request: PushedRequest, vapidPublicKey: string, pushOrigin: string): void {
  const match = /^vapid t=([^,]+), k=(\S+)$/.exec(String(request.headers.authorization));
  assert.ok(match, `authorization: ${request.headers.authorization}`);
  const [, jwt, key] = match as unknown as [string, string, string];
  assert.equal(key, vapidPublicKey);
  const [header, claims, signature] = jwt.split(".") as [string, string, string];
  assert.deepEqual(JSON.parse(Buffer.from(header, "base64url").toString()), { typ: "JWT", alg: "ES256" });
  const point = Buffer.from(vapidPublicKey, "base64url");
  const publicKey = {
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33, 65).toString("base64url"),
    },
    format: "jwk" as const,
    dsaEncoding: "ieee-p1363" as const,
  };
  const data = Buffer.from(`${header}.${claims}`);
  assert.ok(
    verify("sha256", data, publicKey, Buffer.from(signature, "base64url")),
    "the VAPID JWT is signed",
  );
  // A tampered claim does not verify: the check above can fail.
  assert.ok(
    !verify("sha256", Buffer.from(`${header}.${claims}x`), publicKey, Buffer.from(signature, "base64url")),
  );
  const body = JSON.parse(Buffer.from(claims, "base64url").toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  assert.equal(body.aud, pushOrigin);
  assert.ok(body.exp * 1000 > Date.now());
  assert.match(body.sub, /^mailto:/);
}

/**
 * A safety net, not a timing assertion: a notification is due 3 s after the message (the grace a
 * connected device has to fetch it), and the shared machine may be slow.
 */
const PUSH_WAIT_MS = 60_000;

describe("Web Push notifications", () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof startPushService>>;
  before(async () => {
    server = await startTestServer();
    push = await startPushService();
  });
  after(async () => {
    await server.close();
    await push.close();
  });

  async function positionOf(client: ConfrereClient, conversationId: string): Promise<number> {
    const row = await server.server.ctx.db
      .selectFrom("device_positions")
      .select("seq")
      .where("device_id", "=", client.deviceId!)
      .where("conversation_id", "=", conversationId)
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  test("a device away gets only {title, badge, conversationId}, encrypted for it and VAPID-signed; a connected one gets nothing", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice Martin" });
    const bob = await server.createUser({ verified: true, name: "Dr Bob" });
    const a = await connectDevice(server, alice);
    const b = await connectDevice(server, bob);
    const keys = browserKeys();
    try {
      const status = await b.api.pushStatus();
      assert.match(status.vapidPublicKey, /^[A-Za-z0-9_-]{87}$/);
      assert.equal(status.isSubscribed, false);
      // Generated once, kept in DATA_DIR, readable by the server's user only.
      const keyFile = await fs.stat(path.join(server.dataDir, "vapid-keys.json"));
      assert.equal(keyFile.mode & 0o777, 0o600);

      const subscribed = await b.api.subscribePush({ endpoint: `${push.url}/bob/1`, keys: keys.json });
      assert.deepEqual(subscribed, {
        vapidPublicKey: status.vapidPublicKey,
        isSubscribed: true,
        preview: "sender",
      });

      const conversationId = await a.openDirect(bob.userId);
      // Connected: b receives and acknowledges at once, so no notification for this one.
      const seen = b.events.next("message", (m) => m.conversationId === conversationId);
      const first = "Patient Jean Dupont, 54 ans, douleur thoracique";
      const firstAck = await a.sendText(conversationId, first);
      await seen;
      await eventually(
        async () => (await positionOf(b, conversationId)) >= firstAck.seq,
        "b's acknowledgement",
      );

      b.disconnect();
      const second = "Résultats de la troponine du patient";
      await a.sendText(conversationId, second);
      const request = await eventually(async () => push.received[0], "a push to b's device", PUSH_WAIT_MS);

      assert.equal(request.path, "/bob/1");
      assert.equal(push.received.length, 1, "the message read over the WebSocket was not pushed");
      assert.equal(request.headers.ttl, "86400");
      assertSignedVapid(request, status.vapidPublicKey, push.url);
      const text = decryptPayload(request, keys);
      const payload = JSON.parse(text) as PushPayload;
      assert.deepEqual(Object.keys(payload).sort(), ["badge", "conversationId", "title"]);
      assert.deepEqual(payload, { title: "Nouveau message de Dr Alice Martin", badge: 1, conversationId });
      for (const secret of [first, second, "Dupont", "troponine"]) {
        assert.ok(!text.includes(secret), "no message text in the payload");
        assert.ok(!request.body.includes(Buffer.from(secret)), "no message text on the wire");
      }

      // "Nouveau message" only, by setting; the badge counts both unread messages.
      await b.api.setPushPreference("none");
      await a.sendText(conversationId, "Un troisième message");
      const third = await eventually(async () => push.received[1], "the second push", PUSH_WAIT_MS);
      assert.deepEqual(JSON.parse(decryptPayload(third, keys)), {
        title: "Nouveau message",
        badge: 2,
        conversationId,
      });
      const actions = await server.server.ctx.db
        .selectFrom("audit_events")
        .select("action")
        .where("device_id", "=", b.deviceId!)
        .where("action", "like", "push.%")
        .orderBy("seq")
        .execute();
      assert.deepEqual(
        actions.map((e) => e.action),
        ["push.subscribed", "push.preference_changed"],
      );
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  test("a subscription the push service answers 410 for is deleted", async () => {
    const alice = await server.createUser({ verified: true });
    const carol = await server.createUser({ verified: true });
    const a = await connectDevice(server, alice);
    const c = await connectDevice(server, carol, { connect: false });
    try {
      await c.api.subscribePush({ endpoint: `${push.url}/gone/carol`, keys: browserKeys().json });
      const conversationId = await a.openDirect(carol.userId);
      await a.sendText(conversationId, "Bonjour");
      await eventually(
        async () =>
          !(await server.server.ctx.db
            .selectFrom("push_subscriptions")
            .select("device_id")
            .where("device_id", "=", c.deviceId!)
            .executeTakeFirst()),
        "the dropped subscription deleted",
        PUSH_WAIT_MS,
      );
      assert.ok(push.received.some((r) => r.path === "/gone/carol"));
      assert.equal((await c.api.pushStatus()).isSubscribed, false);
      const event = await server.server.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "push.unsubscribed")
        .where("target_id", "=", c.deviceId!)
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(event.detail!), { reason: "expired" });
    } finally {
      a.disconnect();
    }
  });

  test("a push service that is busy (503) is asked again and the notification arrives", async () => {
    const erin = await server.createUser({ verified: true });
    const fabien = await server.createUser({ verified: true });
    const e = await connectDevice(server, erin);
    const f = await connectDevice(server, fabien, { connect: false });
    try {
      await f.api.subscribePush({ endpoint: `${push.url}/busy/fabien`, keys: browserKeys().json });
      const conversationId = await e.openDirect(fabien.userId);
      await e.sendText(conversationId, "Bonjour");
      await eventually(
        async () => push.received.filter((r) => r.path === "/busy/fabien").length >= 2,
        "the notification posted again after the 503",
        PUSH_WAIT_MS,
      );
      assert.equal((await f.api.pushStatus()).isSubscribed, true, "a 503 does not drop the subscription");
    } finally {
      e.disconnect();
    }
  });

  test("a télé-expertise request is titled as one; the messages around it are ordinary", async () => {
    const gp = await server.createUser({ verified: true, name: "Dr Gaël Généraliste" });
    const cardiologist = await server.createUser({ verified: true, name: "Dr Hélène Cardio" });
    const g = await connectDevice(server, gp);
    const h = await connectDevice(server, cardiologist, { connect: false });
    const keys = browserKeys();
    try {
      await h.api.subscribePush({ endpoint: `${push.url}/expertise/helene`, keys: keys.json });
      const pushed = () =>
        push.received
          .filter((r) => r.path === "/expertise/helene")
          .map((r) => (JSON.parse(decryptPayload(r, keys)) as PushPayload).title);
      const conversationId = await g.openDirect(cardiologist.userId);
      await g.sendText(conversationId, "Bonjour Hélène");
      await eventually(async () => pushed().length === 1, "the first message notified", PUSH_WAIT_MS);
      await new ExpertiseDesk(g).request({ to: cardiologist.userId, question: "ECG : BAV de haut degré ?" });
      await eventually(async () => pushed().length === 2, "the request notified", PUSH_WAIT_MS);
      // A message choosing a request's id is not one unless that request was registered here.
      await g.send(
        conversationId,
        { v: 1, type: "text", text: "Et celle-ci ?" },
        "exp_0000000000000000000000000000000f-request",
      );
      await eventually(async () => pushed().length === 3, "the last message notified", PUSH_WAIT_MS);
      assert.deepEqual(pushed(), [
        "Nouveau message de Dr Gaël Généraliste",
        "Demande de télé-expertise de Dr Gaël Généraliste",
        "Nouveau message de Dr Gaël Généraliste",
      ]);
      for (const request of push.received) assert.ok(!request.body.includes(Buffer.from("BAV")));
    } finally {
      g.disconnect();
    }
  });

  test("unsubscribe, preference without a subscription, and endpoints that are not a push service's", async () => {
    const dave = await server.createUser({ verified: true });
    await rejectsWith(dave.api.setPushPreference("none"), "PUSH_NOT_SUBSCRIBED", 409);
    await rejectsWith(
      dave.api.subscribePush({ endpoint: "ftp://push.example.org/x", keys: browserKeys().json }),
      "PUSH_ENDPOINT_INVALID",
      400,
    );
    await dave.api.subscribePush({
      endpoint: `${push.url}/dave/1`,
      keys: browserKeys().json,
      preview: "none",
    });
    assert.equal((await dave.api.pushStatus()).preview, "none");
    assert.equal((await dave.api.unsubscribePush()).isSubscribed, false);
    // Idempotent.
    assert.equal((await dave.api.unsubscribePush()).isSubscribed, false);
  });

  test("revoking the device deletes its subscription instead of notifying it", async () => {
    const alice = await server.createUser({ verified: true });
    const erin = await server.createUser({ verified: true });
    const a = await connectDevice(server, alice);
    const e = await connectDevice(server, erin, { connect: false });
    try {
      await e.api.subscribePush({ endpoint: `${push.url}/erin/1`, keys: browserKeys().json });
      await erin.api.revokeDevice(e.deviceId!);
      const conversationId = await a.openDirect(erin.userId);
      await a.sendText(conversationId, "Bonjour");
      await eventually(
        async () =>
          !(await server.server.ctx.db
            .selectFrom("push_subscriptions")
            .select("device_id")
            .where("device_id", "=", e.deviceId!)
            .executeTakeFirst()),
        "the revoked device's subscription deleted",
        PUSH_WAIT_MS,
      );
      assert.ok(!push.received.some((r) => r.path.startsWith("/erin/")));
    } finally {
      a.disconnect();
    }
  });
});
