/**
 * Scrolling a conversation of 10,000 messages in the web app (Debian's Chromium, headless): frame
 * times while the log scrolls from the bottom to the first message, and the rows in the DOM.
 *
 *   node --import tsx bench/web-scroll.ts [--messages 10000] [--step 300] [--json]
 *
 * Boots the real server (SQLite) serving the built web app, as apps/web/e2e does; the messages are
 * real MLS messages sent by an SDK device of the other doctor, received and decrypted by the page.
 * Scrolling moves scrollTop by `--step` pixels in each animation frame (a fast wheel or a fling)
 * and records requestAnimationFrame deltas. Results: bench/README.md, "Web app: scrolling a long
 * conversation".
 */
import { parseArgs } from "node:util";
import { connectDevice } from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";
import type { Page } from "playwright-core";
import { hasChromium, logInWithTotp, noChromiumReason, startBrowserSuite } from "../apps/web/e2e/browser.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "10000" },
    step: { type: "string", default: "300" },
    json: { type: "boolean", default: false },
  },
});
const COUNT = Number(values.messages);
const STEP = Number(values.step);

const lineText = (i: number) => `Ligne ${String(i).padStart(5, "0")} du dossier`;

interface ScrollRun {
  frames: number[];
  maxRows: number;
  reachedTop: boolean;
}

/**
 * In the page (a string: the root tsconfig has no DOM types). Scrolls the log up by STEP pixels a
 * frame until the first message is in view, recording frame deltas and the largest row count.
 */
const scrollToTop = (first: string, step: number) => `new Promise((resolve) => {
  const log = document.querySelector("[role=log]");
  const frames = [];
  let maxRows = 0;
  let last = performance.now();
  let still = 0;
  const firstInView = () => {
    const box = log.getBoundingClientRect();
    return [...log.querySelectorAll("[data-testid=message]")].some((row) => {
      if (!row.textContent.includes(${JSON.stringify(first)})) return false;
      const r = row.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    });
  };
  const tick = (now) => {
    frames.push(now - last);
    last = now;
    maxRows = Math.max(maxRows, log.querySelectorAll("li").length);
    if (firstInView() || still > 600) return resolve({ frames, maxRows, reachedTop: firstInView() });
    const before = log.scrollTop;
    log.scrollTop = Math.max(0, before - ${step});
    still = log.scrollTop === before ? still + 1 : 0;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
})`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

const round = (n: number) => Math.round(n * 10) / 10;

async function main() {
  if (!hasChromium) throw new Error(noChromiumReason);
  const suite = await startBrowserSuite();
  let bob: ConfrereClient | null = null;
  try {
    const alice = await suite.server.createUser({ verified: true, name: "Dr Léa Leroy" });
    const bobUser = await suite.server.createUser({ verified: true, name: "Dr Clémence Bonnet" });
    const context = await suite.browser.newContext({
      viewport: { width: 1200, height: 900 },
      locale: "fr-FR",
    });
    const page: Page = await context.newPage();
    await logInWithTotp(suite, page, alice);
    await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();

    bob = await connectDevice(suite.server, bobUser);
    const conversationId = await bob.openDirect(alice.userId);
    const seeding = Date.now();
    for (let i = 1; i <= COUNT; i++) {
      await bob.send(conversationId, { v: 1, type: "text", text: lineText(i) });
    }
    const seedMs = Date.now() - seeding;
    // The page receives the messages live while they are sent, and may still be decrypting when
    // the sending ends: opening is timed once it has them all (its list shows the last one).
    const catchingUp = Date.now();
    await page.getByText(lineText(COUNT)).first().waitFor({ timeout: 900_000 });
    const catchUpMs = Date.now() - catchingUp;
    const memoryRead = Date.now();
    await bob.messages(conversationId);
    const sdkMemoryReadMs = Date.now() - memoryRead;

    const opening = Date.now();
    await page.goto(`${suite.origin}/conversations/${conversationId}`);
    const log = page.getByRole("log");
    await log.getByText(lineText(COUNT), { exact: true }).waitFor({ timeout: 900_000 });
    const openMs = Date.now() - opening;
    await page.waitForTimeout(1_000); // let the first paints settle before measuring
    const rowsAtBottom = await log.locator("li").count();
    // How long the page's last read of the 10,000 messages from its device store took (ChatScreen).
    const storeReadMs = (await page.evaluate(
      `performance.getEntriesByName("confrere:chat-messages").map((e) => e.duration).pop() ?? null`,
    )) as number | null;

    const run = (await page.evaluate(scrollToTop(lineText(1), STEP))) as ScrollRun;
    const frames = run.frames.slice(1).sort((a, b) => a - b);
    const result = {
      date: new Date().toISOString(),
      messages: COUNT,
      stepPx: STEP,
      seedMs,
      catchUpMs,
      openMs,
      storeReadMs: storeReadMs === null ? null : round(storeReadMs),
      sdkMemoryReadMs,
      rowsAtBottom,
      maxRowsWhileScrolling: run.maxRows,
      reachedTop: run.reachedTop,
      frames: frames.length,
      p50: round(percentile(frames, 0.5)),
      p95: round(percentile(frames, 0.95)),
      max: round(frames[frames.length - 1] ?? 0),
      over50ms: frames.filter((f) => f > 50).length,
    };
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(
        `${COUNT} messages sent in ${seedMs} ms, all received by the page ${catchUpMs} ms later; ` +
          `opened after a reload (last message shown) in ${openMs} ms`,
      );
      console.log(
        `device store read in the page: ${result.storeReadMs} ms (SDK MemoryStore: ${sdkMemoryReadMs} ms)`,
      );
      console.log(`rows at the bottom: ${rowsAtBottom}; at most while scrolling: ${run.maxRows}`);
      console.log(
        `scroll to top (${STEP} px a frame): ${result.frames} frames, p50 ${result.p50} ms, p95 ${result.p95} ms, ` +
          `max ${result.max} ms, ${result.over50ms} over 50 ms; first message reached: ${run.reachedTop}`,
      );
    }
    await context.close();
  } finally {
    bob?.disconnect();
    await suite.close();
  }
}

await main();
