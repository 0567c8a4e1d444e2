// What the browser suites share: Debian's Chromium, the built app served by a real server, a
// fresh browser profile per scenario with a screenshot on failure.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import {
  connectDevice,
  runServerCli,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const WEB = path.resolve(import.meta.dirname, "..");
/** Set to a folder to keep a screenshot of each main screen, for looking at them. */
export const SCREENSHOTS = process.env.CONFRERE_E2E_SCREENSHOTS;

export const hasChromium = fs.existsSync(CHROMIUM);
export const noChromiumReason = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;

/** The password input itself (its "Afficher le mot de passe" button shares the words). */
export function passwordInput(page: Page, label: string) {
  return page.locator("input").and(page.getByLabel(label));
}

export async function snap(page: Page, name: string) {
  if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export interface BrowserSuite {
  server: TestServer;
  browser: Browser;
  origin: string;
  /** Runs a scenario in a fresh browser profile; on failure, saves a screenshot and says where. */
  inBrowser(
    t: TestContext,
    name: string,
    scenario: (page: Page, context: BrowserContext) => Promise<void>,
    viewport?: { width: number; height: number },
  ): Promise<void>;
  /** The token of the link in the latest e-mail to `email` whose subject matches. */
  mailTo(email: string, subject: RegExp): Promise<string>;
  /** A colleague's SDK device in this process (the other side of a scenario), disconnected at close. */
  device(user: TestUser, options?: Parameters<typeof connectDevice>[2]): Promise<ConfrereClient>;
  close(): Promise<void>;
}

/**
 * Builds the web app if needed, starts the real server on a known port (WebAuthn and e-mail links
 * need the real origin before it starts) and launches Chromium. `env` adds to the server's
 * environment; it is given the origin (a fake identity provider must know its redirect URI).
 */
export async function startBrowserSuite(
  env: (origin: string) => Record<string, string> | Promise<Record<string, string>> = () => ({}),
): Promise<BrowserSuite> {
  // The server serves apps/web/dist only if it exists when it starts: build it first (or reuse it).
  const build = spawnSync(process.execPath, [path.join(WEB, "scripts/ensure-built.mjs")], {
    encoding: "utf8",
  });
  assert.equal(build.status, 0, `building the web app failed:\n${build.stdout}\n${build.stderr}`);
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const server = await startTestServer({
    env: {
      PORT: String(port),
      PUBLIC_URL: origin,
      WEBAUTHN_ORIGINS: origin,
      WEBAUTHN_RP_ID: "localhost",
      ...(await env(origin)),
    },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), "confrere-web-e2e-"));

  async function inBrowser(
    t: TestContext,
    name: string,
    scenario: (page: Page, context: BrowserContext) => Promise<void>,
    viewport = { width: 1200, height: 900 },
  ) {
    const context = await browser.newContext({ viewport, locale: "fr-FR" });
    const page = await context.newPage();
    const errors: string[] = [];
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    try {
      await scenario(page, context);
      assert.deepEqual(errors, [], "no script error on the page");
    } catch (error) {
      const file = path.join(shots, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      t.diagnostic(`screenshot of the failure: ${file}`);
      if (errors.length) t.diagnostic(`page errors: ${errors.join(" | ")}`);
      if (consoleErrors.length) t.diagnostic(`console errors: ${consoleErrors.join(" | ")}`);
      throw error;
    } finally {
      await context.close();
    }
  }

  const devices: ConfrereClient[] = [];

  async function mailTo(email: string, subject: RegExp): Promise<string> {
    const mails = (await server.outbox()).filter((m) => m.to.includes(email) && subject.test(m.subject));
    const token = mails[mails.length - 1]?.token;
    assert.ok(token, `an e-mail to ${email} with a link (${subject})`);
    return token;
  }

  return {
    server,
    browser,
    origin,
    inBrowser,
    mailTo,
    async device(user, options) {
      const client = await connectDevice(server, user, options);
      devices.push(client);
      return client;
    },
    async close() {
      for (const device of devices) device.disconnect();
      await browser.close();
      await server.close();
    },
  };
}

/** Logs in with e-mail, password and the TOTP code, as a person does on /connexion. */
export async function logInWithTotp(
  suite: BrowserSuite,
  page: Page,
  user: { email: string; password: string; totpSecret: string },
) {
  await page.goto(`${suite.origin}/connexion`);
  await page.getByLabel("Adresse e-mail").fill(user.email);
  await passwordInput(page, "Mot de passe").fill(user.password);
  await page.getByRole("button", { name: "Se connecter", exact: true }).click();
  await page.getByRole("heading", { name: "Double authentification" }).waitFor();
  await page.getByLabel("Code à 6 chiffres").fill(suite.server.totp(user.totpSecret));
  await page.getByRole("button", { name: "Valider" }).click();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("freePort: no port")),
      );
    });
  });
}

/** The fictional Annuaire Santé extraction shared by the directory tests. */
export const DIRECTORY_FIXTURE = path.resolve(
  import.meta.dirname,
  "../../../../shared/fixtures/annuaire/PS_LibreAcces_Personne_activite_202611010000.txt",
);

/** Imports the fixture directory into the suite's server, as `confrere-server directory import` does. */
export async function importDirectoryFixture(suite: BrowserSuite): Promise<void> {
  const imported = await runServerCli(["directory", "import", DIRECTORY_FIXTURE, "--no-deactivate-missing"], {
    env: suite.server.env,
  });
  assert.equal(imported.code, 0, imported.stderr);
}

/**
 * An account proven to be a professional of the directory (linked by an operator to its national
 * id), so colleagues find it in the Annuaire with "Sur Confrère".
 */
export async function linkedUser(
  suite: BrowserSuite,
  operator: TestUser,
  nationalId: string,
  name: string,
): Promise<TestUser> {
  const user = await suite.server.createUser({ name });
  await operator.api.verifyIdentity(user.userId, "e2e", nationalId);
  return user;
}
