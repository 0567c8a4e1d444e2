import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eventually } from "@confrere/dev-env";
import type { PushPayload } from "@confrere/protocol";
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from "playwright-core";

// The web app's service worker, driven in Debian's Chromium: the DevTools protocol delivers a push
// message to it as a push service would (after the browser's decryption).
const CHROMIUM = "/usr/bin/chromium";
const PUBLIC = path.resolve(import.meta.dirname, "../../web/public");
const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".webmanifest": "application/manifest+json",
};

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: { conversationId: string | null } | null;
}

describe("service worker: push messages", {
  skip: !fs.existsSync(CHROMIUM) && `${CHROMIUM} is missing (apt-get install -y chromium)`,
}, () => {
  let server: http.Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let registrationId: string;

  before(async () => {
    // The app's public files as they are in the repository, and an empty page to register from.
    server = http.createServer((request, response) => {
      const pathname = new URL(request.url ?? "/", "http://x").pathname;
      if (pathname === "/" || pathname.startsWith("/conversations/")) {
        response.setHeader("content-type", "text/html");
        return response.end("<!doctype html><title>Confrère</title><p>app</p>");
      }
      const file = path.join(PUBLIC, path.basename(pathname));
      if (!fs.existsSync(file)) {
        response.statusCode = 404;
        return response.end();
      }
      response.setHeader("content-type", TYPES[path.extname(file)] ?? "application/octet-stream");
      fs.createReadStream(file).pipe(response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--headless", "--disable-gpu"],
    });
    context = await browser.newContext();
    await context.grantPermissions(["notifications"], { origin });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    // A push is delivered to a registration whose worker is activated; before, it is dropped.
    const scopes = new Map<string, string>();
    const registered = new Promise<string>((resolve) => {
      cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        (event: { registrations: { registrationId: string; scopeURL: string }[] }) => {
          for (const r of event.registrations) scopes.set(r.registrationId, r.scopeURL);
        },
      );
      cdp.on(
        "ServiceWorker.workerVersionUpdated",
        (event: { versions: { registrationId: string; status: string }[] }) => {
          const mine = event.versions.find(
            (v) => v.status === "activated" && scopes.get(v.registrationId)?.startsWith(origin),
          );
          if (mine) resolve(mine.registrationId);
        },
      );
    });
    await cdp.send("ServiceWorker.enable");
    await page.goto(`${origin}/`);
    // Strings, not functions: this file is type-checked without the DOM library.
    await page.evaluate(
      `navigator.serviceWorker.register("/sw.js").then(() => navigator.serviceWorker.ready).then(() => true)`,
    );
    registrationId = await registered;
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function shown(): Promise<ShownNotification[]> {
    return page.evaluate(`navigator.serviceWorker.ready
      .then((registration) => registration.getNotifications())
      .then((list) => list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))`) as Promise<
      ShownNotification[]
    >;
  }

  async function deliver(data: string): Promise<void> {
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: `${origin}/`, registrationId, data });
  }

  /**
   * Delivers until the notifications satisfy `check`: on a loaded machine Chromium may drop a push
   * delivered while it is still starting the worker. Each notification replaces the previous one
   * of its tag, so a repeated delivery shows nothing more.
   */
  async function deliverUntil<T>(
    data: string,
    check: (list: ShownNotification[]) => T | null,
    what: string,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await deliver(data);
      try {
        return await eventually(async () => check(await shown()), what, 3000);
      } catch (error) {
        if (attempt === 10) throw error;
      }
    }
  }

  test("a push shows the payload's title only, one notification per conversation", async () => {
    const payload: PushPayload = {
      title: "Nouveau message de Dr Léa Leroy",
      badge: 2,
      conversationId: "conv_1",
    };
    const [first] = await deliverUntil(
      JSON.stringify(payload),
      (list) => (list.length > 0 ? list : null),
      "a notification",
    );
    assert.deepEqual(first, {
      title: "Nouveau message de Dr Léa Leroy",
      body: "",
      tag: "conversation-conv_1",
      data: { conversationId: "conv_1" },
    });

    // A second message of the same conversation replaces it; a field the server never sends is not shown.
    await deliverUntil(
      JSON.stringify({ title: "Nouveau message", badge: 3, conversationId: "conv_1", text: "secret" }),
      (list) => list.some((n) => n.title === "Nouveau message"),
      "the replacement",
    );
    const list = await shown();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.body, "");
  });

  test("an unreadable payload or a strange conversation id still shows a plain notification, linking home", async () => {
    for (const data of [
      "not json",
      JSON.stringify({ title: "Nouveau message", badge: 1, conversationId: "../../admin" }),
    ]) {
      await page.evaluate(
        "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((l) => l.forEach((n) => n.close()))",
      );
      const plain = await deliverUntil(
        data,
        (list) => list.find((n) => n.tag === "confrere") ?? null,
        "a plain notification",
      );
      assert.equal(plain.title, "Nouveau message");
      assert.deepEqual(plain.data, { conversationId: null });
    }
  });
});
