// A conversation of thousands of messages in Debian's Chromium: only a window of rows is in the DOM
// (use-message-window.ts) at the bottom, at the top (the first message reachable) and in between,
// from the mouse wheel's scrollTop and from the keyboard; a new message at the bottom is shown, and
// one arriving while the reader is scrolled up a little is there below without moving them, with a
// button leading to it (and back to the latest messages from anywhere).
// The messages are real MLS messages sent by a real SDK device of the other doctor. Skips itself,
// saying so, without /usr/bin/chromium. bench/web-scroll.ts measures the same with 10,000.
import assert from "node:assert/strict";
import { after, before, describe, it, test } from "node:test";
import { connectDevice, type TestUser } from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";
import type { Locator, Page } from "playwright-core";
import {
  type BrowserSuite,
  hasChromium,
  logInWithTotp,
  noChromiumReason,
  startBrowserSuite,
} from "./browser.ts";

/** 3,000 keeps the suite within a minute here (at least 1,000: the middle is 60 pages down); bench/web-scroll.ts uses 10,000. */
const COUNT = Number(process.env.CONFRERE_LONG_CONVERSATION ?? 3_000);
/** Far fewer than COUNT: the DOM stays bounded wherever the reader is. */
const MAX_ROWS = 300;

function lineText(i: number): string {
  return `Ligne ${String(i).padStart(5, "0")} du dossier`;
}

/** Lets the page paint twice (scroll handlers and layout effects have run). */
async function frames(page: Page): Promise<void> {
  await page.evaluate(
    () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
}

async function rowCount(log: Locator): Promise<number> {
  return log.locator("li").count();
}

/** Whether a message row is inside the log's visible box. */
async function visibleInLog(log: Locator, text: string): Promise<boolean> {
  return log.evaluate((el, wanted) => {
    const box = el.getBoundingClientRect();
    return Array.from(el.querySelectorAll("[data-testid=message]")).some((row) => {
      if (!row.textContent?.includes(wanted)) return false;
      const r = row.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    });
  }, text);
}

if (!hasChromium) {
  test("long conversation in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("a long conversation in Chromium keeps a bounded DOM", { timeout: 900_000 }, () => {
    let suite: BrowserSuite;
    let alice: TestUser;
    let bob: TestUser;
    let bobDevice: ConfrereClient | null = null;

    before(async () => {
      suite = await startBrowserSuite();
      alice = await suite.server.createUser({ verified: true, name: "Dr Léa Leroy" });
      bob = await suite.server.createUser({ verified: true, name: "Dr Clémence Bonnet" });
    });
    after(async () => {
      bobDevice?.disconnect();
      await suite?.close();
    });

    it(`scrolls through ${COUNT} messages with at most ${MAX_ROWS} rows rendered`, async (t) => {
      await suite.inBrowser(t, "long-conversation", async (page) => {
        // Alice's browser device exists before the conversation, so it can read every message.
        await logInWithTotp(suite, page, alice);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        bobDevice = await connectDevice(suite.server, bob);
        const conversationId = await bobDevice.openDirect(alice.userId);
        const seeding = Date.now();
        let firstId = "";
        for (let i = 1; i <= COUNT; i++) {
          const sent = await bobDevice.send(conversationId, { v: 1, type: "text", text: lineText(i) });
          if (i === 1) firstId = sent.id;
        }
        t.diagnostic(`${COUNT} messages sent in ${Date.now() - seeding} ms`);

        const opening = Date.now();
        await page.goto(`${suite.origin}/conversations/${conversationId}`);
        await page.getByRole("heading", { name: "Dr Clémence Bonnet", level: 1 }).waitFor();
        const log = page.getByRole("log");
        // The browser has fetched and decrypted everything: the last message is shown, at the bottom.
        await log.getByText(lineText(COUNT), { exact: true }).waitFor({ timeout: 600_000 });
        t.diagnostic(`the last message shown ${Date.now() - opening} ms after opening`);
        await frames(page);
        assert.ok(await visibleInLog(log, lineText(COUNT)), "the last message is visible");
        const atBottom = await rowCount(log);
        assert.ok(atBottom > 20 && atBottom < MAX_ROWS, `rows at the bottom: ${atBottom}`);

        // To the top, as a wheel does: the window grows above and drops rows below.
        let most = 0;
        for (let step = 0; step < COUNT; step++) {
          if (await visibleInLog(log, lineText(1))) break;
          await log.evaluate((el) => {
            el.scrollTop = 0;
          });
          await frames(page);
          most = Math.max(most, await rowCount(log));
        }
        assert.ok(await visibleInLog(log, lineText(1)), "the first message is reachable and visible");
        assert.ok(most < MAX_ROWS, `rows while scrolling up: at most ${most}`);
        assert.equal(await log.getByText(lineText(COUNT), { exact: true }).count(), 0, "the end is dropped");

        // Down into the middle with the keyboard: the log is focusable and PageDown scrolls it.
        await log.focus();
        for (let i = 0; i < 60; i++) {
          await page.keyboard.press("PageDown");
          await frames(page);
        }
        const middle = await log.evaluate((el) =>
          Array.from(el.querySelectorAll("[data-testid=message]")).map((row) => row.textContent ?? ""),
        );
        const numbers = middle.map((text) => Number(/Ligne (\d+)/.exec(text)?.[1] ?? 0));
        assert.ok(Math.min(...numbers) > 1, `the first rows were dropped (from ${Math.min(...numbers)})`);
        assert.ok(
          Math.max(...numbers) < COUNT,
          `the last rows are not rendered (to ${Math.max(...numbers)})`,
        );
        assert.ok((await rowCount(log)) < MAX_ROWS, "rows in the middle");

        // Back to the bottom, then a new message arriving there is shown.
        for (let step = 0; step < COUNT; step++) {
          const done = await log.evaluate((el, last) => {
            el.scrollTop = el.scrollHeight;
            return Array.from(el.querySelectorAll("[data-testid=message]")).some((row) =>
              row.textContent?.includes(last),
            );
          }, lineText(COUNT));
          await frames(page);
          if (done) break;
        }
        await log.evaluate((el) => {
          el.scrollTop = el.scrollHeight;
        });
        await frames(page);
        // A new message, a reply to the very first one: shown at once, as the reader is at the bottom.
        const fresh = "Nouveau résultat de biologie";
        await bobDevice.send(conversationId, { v: 1, type: "text", text: fresh, replyTo: firstId });
        const reply = log.getByTestId("message").filter({ hasText: fresh });
        await reply.waitFor();
        await frames(page);
        assert.ok(await visibleInLog(log, fresh), "the new message is in view");
        assert.ok((await rowCount(log)) < MAX_ROWS, "rows after the new message");

        // Scrolled up a little, the reader is not moved by the next message, but it is there below.
        // (Until the scroll is handled, a row settling at the bottom may take the log back there.)
        let readingAt = 0;
        for (let attempt = 0; attempt < 20 && !readingAt; attempt++) {
          await log.evaluate((el) => {
            el.scrollTop = el.scrollHeight - el.clientHeight - 400;
          });
          await frames(page);
          const [top, below] = await log.evaluate((el) => [
            el.scrollTop,
            el.scrollHeight - el.scrollTop - el.clientHeight,
          ]);
          if (below! >= 300) readingAt = top!;
        }
        assert.ok(readingAt > 0, "the reader stays 400 px above the bottom");
        const later = "Résultat complémentaire";
        await bobDevice.send(conversationId, { v: 1, type: "text", text: later });
        await log.getByTestId("message").filter({ hasText: later }).waitFor();
        await frames(page);
        assert.equal(await log.evaluate((el) => el.scrollTop), readingAt, "the reader was not moved");
        // A button says a message arrived below, and leads to it.
        await page.getByRole("button", { name: "1 nouveau message" }).click();
        await frames(page);
        assert.ok(await visibleInLog(log, later), "the new message is in view");
        assert.equal(await page.locator(".to-latest").count(), 0, "no button at the bottom");

        // Its quote leads to the first message, far outside the window: the window moves there.
        await reply.getByTestId("reply-quote").getByRole("button").click();
        await log.getByText(lineText(1), { exact: true }).waitFor();
        await frames(page);
        assert.ok(await visibleInLog(log, lineText(1)), "the quoted message is in view");
        assert.ok((await rowCount(log)) < MAX_ROWS, "rows after the jump");
        // Far from the end, the button leads back to the latest messages.
        await page.getByRole("button", { name: "Derniers messages" }).click();
        await log.getByText(later, { exact: true }).waitFor();
        await frames(page);
        assert.ok(await visibleInLog(log, later), "back at the latest message");
      });
    });
  });
}
