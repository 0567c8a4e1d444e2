// Lighthouse against the built app served by a real server, in Debian's Chromium: accessibility and
// best practices on the login screen and on the logged-in messaging screen, plus PWA installability
// (Lighthouse 12 dropped its PWA category, so Chromium's own verdict is asked through the DevTools
// Protocol: Page.getInstallabilityErrors). Writes docs/lighthouse/report*.html and summary.md.
//   npm run lighthouse -w apps/web
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestServer } from "@confrere/dev-env";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, freePort, passwordInput, WEB } from "../e2e/browser.ts";
import { createDemoGroup, seedDemoUsers } from "./demo-conversation.ts";

const OUT = path.resolve(WEB, "../../docs/lighthouse");
/** The issue's bar: accessibility at 95 or more on every audited screen. */
const MIN_ACCESSIBILITY = 95;

interface Audited {
  name: string;
  file: string;
  scores: Record<string, number>;
  failing: string[];
}

async function main() {
  const build = spawnSync(process.execPath, [path.join(WEB, "scripts/ensure-built.mjs")], {
    stdio: "inherit",
  });
  if (build.status !== 0) throw new Error("lighthouse: building the web app failed");
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const server = await startTestServer({
    env: { PORT: String(port), PUBLIC_URL: origin, WEBAUTHN_ORIGINS: origin, WEBAUTHN_RP_ID: "localhost" },
  });
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: CHROMIUM_ARGS });
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
  try {
    fs.mkdirSync(OUT, { recursive: true });
    const results: Audited[] = [];
    results.push(await audit(chrome.port, `${origin}/connexion`, "Connexion", "report.html"));

    // Log in once in the shared profile: Lighthouse then opens its tab in the same profile and
    // finds the session there (it must not reset storage).
    const { alice: user } = await seedDemoUsers(server);
    const context = browser.contexts()[0];
    if (!context) throw new Error("lighthouse: Chromium has no default context");
    const page = await context.newPage();
    await page.goto(`${origin}/connexion`);
    await page.getByLabel("Adresse e-mail").fill(user.email);
    await passwordInput(page, "Mot de passe").fill(user.password);
    await page.getByRole("button", { name: "Se connecter", exact: true }).click();
    await page.getByRole("heading", { name: "Double authentification" }).waitFor();
    await page.getByLabel("Code à 6 chiffres").fill(server.totp(user.totpSecret));
    await page.getByRole("button", { name: "Valider" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/connexion"), { timeout: 60_000 });
    // A conversation with a message, not a step of the login, is what gets audited.
    const loggedIn = await createDemoGroup(page);

    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as {
      installabilityErrors: { errorId: string }[];
    };
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
      if (!link) return null;
      return (await (await fetch(link.href)).json()) as Record<string, unknown>;
    });
    const serviceWorker = await page.evaluate(async () =>
      Boolean(await navigator.serviceWorker?.getRegistration()),
    );
    await page.close();

    results.push(await audit(chrome.port, loggedIn, "Conversation (connecté)", "report-chat.html"));

    const installable = installabilityErrors.length === 0;
    const lines = [
      "# Lighthouse",
      "",
      `Lighthouse ${lighthouseVersion()} on the built app (\`npm run lighthouse -w apps/web\`), Debian's Chromium, headless, desktop settings.`,
      "",
      "| screen | accessibility | best practices | report |",
      "| --- | --- | --- | --- |",
      ...results.map(
        (r) =>
          `| ${r.name} | ${r.scores.accessibility} | ${r.scores["best-practices"]} | [${r.file}](${r.file}) |`,
      ),
      "",
      "## Installability (PWA)",
      "",
      `- Chromium's verdict (\`Page.getInstallabilityErrors\`): ${installable ? "installable, no error" : installabilityErrors.map((e) => e.errorId).join(", ")}`,
      `- Manifest: ${manifest ? `name "${String(manifest.name)}", display ${String(manifest.display)}, start_url ${String(manifest.start_url)}, ${Array.isArray(manifest.icons) ? manifest.icons.length : 0} icons` : "missing"}`,
      `- Service worker registered: ${serviceWorker ? "yes" : "no"}`,
      "",
      ...results.flatMap((r) =>
        r.failing.length ? [`Audits below 1 on ${r.name}: ${r.failing.join(", ")}`, ""] : [],
      ),
    ];
    fs.writeFileSync(path.join(OUT, "summary.md"), `${lines.join("\n")}`);
    process.stdout.write(`${lines.join("\n")}\n`);
    const low = results.filter((r) => (r.scores.accessibility ?? 0) < MIN_ACCESSIBILITY);
    if (low.length || !installable || !serviceWorker) {
      console.error(
        `lighthouse: below the bar (accessibility ≥ ${MIN_ACCESSIBILITY}, installable, service worker): ${low.map((r) => r.name).join(", ") || "installability"}`,
      );
      process.exitCode = 1;
    }
  } finally {
    await browser.close().catch(() => {});
    chrome.kill();
    await server.close();
  }
}

async function audit(port: number, url: string, name: string, file: string): Promise<Audited> {
  const result = await lighthouse(url, {
    port,
    output: "html",
    onlyCategories: ["accessibility", "best-practices"],
    disableStorageReset: true,
    formFactor: "desktop",
    screenEmulation: { mobile: false, width: 1280, height: 800, deviceScaleFactor: 1, disabled: false },
    throttlingMethod: "provided",
  });
  if (!result) throw new Error(`lighthouse: no result for ${url}`);
  fs.writeFileSync(path.join(OUT, file), String(result.report));
  const scores: Record<string, number> = {};
  for (const [id, category] of Object.entries(result.lhr.categories)) {
    scores[id] = Math.round((category.score ?? 0) * 100);
  }
  const failing = Object.values(result.lhr.audits)
    .filter((a) => a.scoreDisplayMode === "binary" && a.score === 0)
    .map((a) => a.id);
  return { name, file, scores, failing };
}

function lighthouseVersion(): string {
  const file = fileURLToPath(import.meta.resolve("lighthouse/package.json"));
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

await main();
