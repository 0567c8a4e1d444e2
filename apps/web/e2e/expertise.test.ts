// Issue 6's télé-expertise in Debian's Chromium: a GP asks a cardiologist (a real SDK device in
// this process) for an opinion, sees the conclusion arrive, the billing advice, and closes the
// request; then the cardiologist's side in the browser: accepting and writing the conclusion, and
// declining another request with a reason. Skips itself, saying so, without /usr/bin/chromium.
import assert from "node:assert/strict";
import { after, before, describe, it, test } from "node:test";
import { eventually, type TestUser } from "@confrere/dev-env";
import { ExpertiseDesk } from "@confrere/sdk";
import type { Page } from "playwright-core";
import {
  type BrowserSuite,
  hasChromium,
  importDirectoryFixture,
  linkedUser,
  logInWithTotp,
  noChromiumReason,
  snap,
  startBrowserSuite,
} from "./browser.ts";

/** Fixture professionals: BONNET Clémence (general practice), LEROY Léa (cardiology too). */
const BONNET = "810582029384";
const LEROY = "810785900399";

if (!hasChromium) {
  test("télé-expertise in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("télé-expertise in Chromium", { timeout: 300_000 }, () => {
    let suite: BrowserSuite;
    let gp: TestUser;
    let cardiologist: TestUser;
    /** Another requérant for the requis's side (the GP's browser device is gone by then). */
    let otherGp: TestUser;

    before(async () => {
      suite = await startBrowserSuite();
      await importDirectoryFixture(suite);
      const operator = await suite.server.createUser({ operator: true, verified: true, name: "Opératrice" });
      gp = await linkedUser(suite, operator, BONNET, "Dr Clémence Bonnet");
      cardiologist = await linkedUser(suite, operator, LEROY, "Dr Léa Leroy");
      otherGp = await suite.server.createUser({ verified: true, name: "Dr Marc Petit" });
    });
    after(async () => {
      await suite?.close();
    });

    /** The request's state as the detail screen shows it. */
    async function stateIs(page: Page, state: string) {
      await page
        .getByTestId("expertise-state")
        .filter({ hasText: new RegExp(`^${state}$`) })
        .waitFor();
    }

    it("a GP asks in the browser, the cardiologist answers on her device, the GP closes", async (t) => {
      const cardiologistDevice = await suite.device(cardiologist);
      const cardiologistDesk = new ExpertiseDesk(cardiologistDevice);
      await suite.inBrowser(t, "expertise-requerant", async (page, context) => {
        await logInWithTotp(suite, page, gp);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await page.getByRole("link", { name: "Télé-expertise", exact: true }).click();
        await page.getByRole("heading", { name: "Télé-expertise", level: 1 }).waitFor();
        await page.getByTestId("expertise-empty").waitFor();

        await page.getByRole("link", { name: "Nouvelle demande" }).click();
        await page.getByRole("heading", { name: "Nouvelle demande de télé-expertise", level: 1 }).waitFor();
        // Sending without a recipient says what is missing.
        await page.getByRole("button", { name: "Envoyer la demande" }).click();
        await page.getByText("Choisissez le confrère ou le service sollicité.").waitFor();
        await page.getByLabel("Rechercher un confrère dans l'Annuaire").fill("leroy");
        await page.getByRole("button", { name: "Rechercher", exact: true }).click();
        await page.getByRole("button", { name: /^Ajouter .*Leroy/i }).click();
        await page.getByTestId("picked").filter({ hasText: /Leroy/i }).waitFor();
        await page.getByLabel(/^Question/).fill("ECG joint : avis sur un sous-décalage ST ?");
        await page.getByLabel(/^Contexte clinique/).fill("Homme de 58 ans, douleur thoracique atypique.");
        await page.getByLabel("Urgente", { exact: true }).check();
        await snap(page, "expertise-new");
        await page.getByRole("button", { name: "Envoyer la demande" }).click();

        await page.getByRole("heading", { name: "Demande de télé-expertise", level: 1 }).waitFor();
        await stateIs(page, "Envoyée");
        await page.getByTestId("expertise-question").filter({ hasText: "sous-décalage ST" }).waitFor();
        // The requérant's act at the request's date, and no case: the 12-month count can't be made.
        await page.getByTestId("expertise-act").filter({ hasText: "RQD" }).waitFor();
        await page.getByText("Sans dossier patient, le nombre de demandes").waitFor();
        await page.getByText("Cette demande n'est rattachée à aucun dossier patient").waitFor();

        // The cardiologist's device reads the encrypted request, accepts it and answers.
        const received = await eventually(async () => {
          const list = await cardiologistDesk.list({ role: "requis" });
          return list.find((e) => e.request?.question.includes("sous-décalage ST"));
        }, "the request on the cardiologist's device");
        assert.equal(received.urgency, "urgent");
        assert.equal(received.request?.clinicalContext, "Homme de 58 ans, douleur thoracique atypique.");
        await cardiologistDesk.accept(received.id);
        await stateIs(page, "Acceptée");
        await cardiologistDesk.answer(
          received.id,
          "Repolarisation précoce : pas d'argument pour une ischémie.",
        );

        await page
          .getByTestId("expertise-conclusion")
          .filter({ hasText: "Repolarisation précoce" })
          .waitFor();
        await stateIs(page, "Répondue");
        await snap(page, "expertise-answered");
        await page.getByRole("button", { name: "Clôturer" }).click();
        await stateIs(page, "Clôturée");
        assert.equal((await cardiologistDesk.get(received.id)).state, "closed");

        // Back in the list, filtered by role and state.
        await page.getByRole("link", { name: "Toutes les demandes" }).click();
        const item = page.getByTestId("expertise-item").filter({ hasText: "sous-décalage ST" });
        await item.filter({ hasText: "Clôturée" }).waitFor();
        await page.getByLabel("Mon rôle").selectOption("requis");
        await page.getByTestId("expertise-empty").waitFor();
        await page.getByLabel("Mon rôle").selectOption("requerant");
        await page.getByLabel("État").selectOption("closed");
        await item.waitFor();

        // Straight to the messages in the same tab: the expertise screen's client hands the
        // device over, and the request's conversation is there (not "open in another tab").
        await page.getByRole("link", { name: "Messages", exact: true }).click();
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await page.getByRole("link", { name: /Leroy/ }).first().waitFor();
        assert.equal(await page.getByText("déjà ouvert dans un autre onglet").count(), 0);

        // A second tab of the same browser waits, then says the device is open elsewhere (two
        // clients on one MLS state would break it); closing the first and reloading hands it over.
        const secondTab = await context.newPage();
        await secondTab.goto(`${suite.origin}/tele-expertise`);
        await secondTab.getByText("déjà ouvert dans un autre onglet").waitFor();
        await page.close();
        await secondTab.getByRole("button", { name: "Recharger" }).click();
        await secondTab.getByRole("heading", { name: "Télé-expertise", level: 1 }).waitFor();
        await secondTab.getByTestId("expertise-item").filter({ hasText: "sous-décalage ST" }).waitFor();
      });
    });

    it("the cardiologist accepts and answers one request, declines another with a reason", async (t) => {
      const gpDevice = await suite.device(otherGp);
      const gpDesk = new ExpertiseDesk(gpDevice);
      await suite.inBrowser(t, "expertise-requis", async (page) => {
        // The browser's device exists before the requests, so it can read them.
        await logInWithTotp(suite, page, cardiologist);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        const first = await gpDesk.request({
          to: cardiologist.userId,
          question: "Holter : faut-il un avis ?",
        });
        const second = await gpDesk.request({
          to: cardiologist.userId,
          question: "Souffle systolique isolé : échographie ?",
        });

        await page.goto(`${suite.origin}/tele-expertise`);
        await page.getByRole("heading", { name: "Télé-expertise", level: 1 }).waitFor();
        await page.getByLabel("Mon rôle").selectOption("requis");
        await page.getByLabel("État").selectOption("sent");
        await page.getByTestId("expertise-item").filter({ hasText: "Holter" }).waitFor();
        await page.getByRole("link", { name: /Holter/ }).click();
        await stateIs(page, "Envoyée");
        await page.getByText("Demandée par Dr Marc Petit").waitFor();
        await page.getByTestId("expertise-act").filter({ hasText: "TE2" }).waitFor();
        await page.getByRole("button", { name: "Accepter" }).click();
        await stateIs(page, "Acceptée");
        // An empty conclusion is refused on the device, with the reason.
        await page.getByRole("button", { name: "Envoyer la conclusion" }).click();
        await page.getByText("Écrivez la conclusion.").waitFor();
        await page.getByLabel(/^Rédiger la conclusion/).fill("Holter justifié : palpitations à bilanter.");
        await page.getByRole("button", { name: "Envoyer la conclusion" }).click();
        await stateIs(page, "Répondue");
        await page.getByTestId("expertise-conclusion").filter({ hasText: "Holter justifié" }).waitFor();
        const answered = await eventually(async () => {
          const seen = await gpDesk.get(first.id);
          return seen.conclusion ? seen : null;
        }, "the conclusion on the GP's device");
        assert.equal(answered.conclusion?.text, "Holter justifié : palpitations à bilanter.");

        await page.goto(`${suite.origin}/tele-expertise/${second.id}`);
        await stateIs(page, "Envoyée");
        await page.getByRole("button", { name: "Refuser" }).click();
        // The reason is required.
        await page.getByRole("button", { name: "Confirmer le refus" }).click();
        await page.getByText("Indiquez le motif du refus.").waitFor();
        await page.getByLabel(/^Motif du refus/).fill("Hors de mon champ : adressez à un cardiopédiatre.");
        await snap(page, "expertise-decline");
        await page.getByRole("button", { name: "Confirmer le refus" }).click();
        await stateIs(page, "Refusée");
        await page.getByTestId("expertise-decline-reason").filter({ hasText: "cardiopédiatre" }).waitFor();
        await page.getByText("Demande refusée : pas d'acte à facturer.").waitFor();
        const declined = await eventually(async () => {
          const seen = await gpDesk.get(second.id);
          return seen.declineReason ? seen : null;
        }, "the decline reason on the GP's device");
        assert.equal(declined.state, "declined");
        assert.equal(declined.declineReason, "Hors de mon champ : adressez à un cardiopédiatre.");
      });
    });
  });
}
