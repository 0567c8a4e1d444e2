// What the Lighthouse and screenshot scripts share: two verified doctors of the fictional directory
// and a group between them, created through the page as a person does.
import { runServerCli, type TestServer, type TestUser } from "@confrere/dev-env";
import type { Page } from "playwright-core";
import { DIRECTORY_FIXTURE } from "../e2e/browser.ts";

/** Fixture professionals: LEROY Léa and BONNET Clémence (médecins). */
const LEROY = "810785900399";
const BONNET = "810582029384";

export interface DemoUsers {
  operator: TestUser;
  alice: TestUser;
  bob: TestUser;
}

/** Imports the fixture directory and links two accounts to its doctors (verified, "Sur Confrère"). */
export async function seedDemoUsers(server: TestServer): Promise<DemoUsers> {
  const imported = await runServerCli(["directory", "import", DIRECTORY_FIXTURE, "--no-deactivate-missing"], {
    env: server.env,
  });
  if (imported.code !== 0) throw new Error(`seedDemoUsers: directory import failed: ${imported.stderr}`);
  const operator = await server.createUser({ operator: true, verified: true, name: "Opératrice" });
  const linked = async (nationalId: string, name: string) => {
    const user = await server.createUser({ name });
    await operator.api.verifyIdentity(user.userId, "demo", nationalId);
    return user;
  };
  return {
    operator,
    alice: await linked(LEROY, "Dr Léa Leroy"),
    bob: await linked(BONNET, "Dr Clémence Bonnet"),
  };
}

/** From the logged-in messaging screen, creates a group with Dr Bonnet; returns its address. */
export async function createDemoGroup(page: Page, name = "RCP cardiologie"): Promise<string> {
  await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor({ timeout: 60_000 });
  await page.getByRole("button", { name: "Nouveau groupe" }).click();
  await page.getByLabel("Nom du groupe").fill(name);
  await page.getByLabel("Rechercher un confrère dans l'Annuaire").fill("bonnet");
  await page.getByRole("button", { name: "Rechercher", exact: true }).click();
  await page.getByRole("button", { name: /^Ajouter Docteur Clémence BONNET$/ }).click();
  await page.getByRole("button", { name: "Créer le groupe" }).click();
  await page.getByRole("heading", { name, level: 1 }).waitFor({ timeout: 60_000 });
  const composer = page.getByLabel("Votre message");
  await composer.fill("Bonjour, pouvez-vous revoir le dossier de M. T. avant la réunion de jeudi ?");
  await composer.press("Enter");
  await page.getByText("avant la réunion de jeudi").first().waitFor();
  return page.url();
}
