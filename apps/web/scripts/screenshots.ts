// Screenshots of the main screens at phone (390×844) and desktop (1280×800) sizes, from the built
// app served by a real server with fixture users and the fictional directory, into docs/screenshots/.
//   npm run screenshots -w apps/web
import path from "node:path";
import type { Page } from "playwright-core";
import { logInWithTotp, startBrowserSuite, WEB } from "../e2e/browser.ts";
import { createDemoGroup, seedDemoUsers } from "./demo-conversation.ts";

const OUT = path.resolve(WEB, "../../docs/screenshots");
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;

const suite = await startBrowserSuite();
try {
  const { operator, alice } = await seedDemoUsers(suite.server);
  for (const [size, viewport] of Object.entries(SIZES)) {
    const context = await suite.browser.newContext({ viewport, locale: "fr-FR", deviceScaleFactor: 1 });
    const page = await context.newPage();
    const shot = (name: string) => capture(page, `${name}-${size}`);

    await page.goto(`${suite.origin}/connexion`);
    await page.getByRole("button", { name: "Se connecter", exact: true }).waitFor();
    await shot("login");

    await logInWithTotp(suite, page, alice);
    await createDemoGroup(page, size === "phone" ? "Staff du lundi" : "RCP cardiologie");
    await shot("chat");
    await page.goto(`${suite.origin}/`);
    await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
    await shot("conversations");
    await page.goto(`${suite.origin}/annuaire`);
    await page.getByRole("heading", { name: "Annuaire", level: 1 }).waitFor();
    await page.getByLabel("Nom, profession, spécialité, commune…").fill("bonnet");
    await page
      .getByTestId("directory-result")
      .filter({ hasText: "BONNET" })
      .getByText("Sur Confrère")
      .waitFor();
    await shot("directory");
    // A card of a colleague not on Confrère yet, with the invitation being written.
    await page.getByLabel("Nom, profession, spécialité, commune…").fill("lefevre");
    // Results show as they are typed: the first card waited for is one of the new search's.
    const card = page
      .getByTestId("directory-result")
      .filter({ hasText: /LEF[EÈ]VRE/ })
      .first();
    await card.getByRole("button", { name: /^Inviter / }).click();
    await card.getByLabel("Adresse e-mail du confrère").fill("dr.lefevre@cabinet.test");
    await card.scrollIntoViewIfNeeded();
    await shot("directory-card");

    await page.goto(`${suite.origin}/profil`);
    await page.waitForLoadState("networkidle");
    await shot("profile");

    await context.close();

    // The verification queue is the operators' screen: a fresh profile logged in as one.
    const operatorContext = await suite.browser.newContext({ viewport, locale: "fr-FR" });
    const operatorPage = await operatorContext.newPage();
    await logInWithTotp(suite, operatorPage, operator);
    await operatorPage.waitForURL((url) => !url.pathname.startsWith("/connexion"));
    await operatorPage.goto(`${suite.origin}/operateur`);
    await operatorPage.waitForLoadState("networkidle");
    await capture(operatorPage, `operator-queue-${size}`);
    await operatorContext.close();
  }
} finally {
  await suite.close();
}

async function capture(page: Page, name: string) {
  // Viewport-sized JPEGs keep the committed files small.
  await page.screenshot({ path: path.join(OUT, `${name}.jpg`), type: "jpeg", quality: 75 });
  process.stdout.write(`screenshots: ${name}.jpg\n`);
}
