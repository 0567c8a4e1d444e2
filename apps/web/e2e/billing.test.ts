// The billing screens in Debian's Chromium, driven as a person would: a professional's trial
// countdown, plans and card payment (the browser really goes to the payment page the API returns,
// answered here by Playwright since no Stripe host is reachable), an operator recording a bank
// transfer for an organisation's seats, the organisation's administrator giving a seat, the
// sponsored member's subscription, invoice PDFs downloaded, and the trial banner near the end.
// The server talks to a local Stripe stand-in; skips itself, saying so, without /usr/bin/chromium.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it, test } from "node:test";
import {
  completedCheckoutSession,
  type StripeReplay,
  signedStripeEvent,
  startStripeReplay,
  type TestUser,
} from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import type { Download, Locator, Page } from "playwright-core";
import {
  type BrowserSuite,
  hasChromium,
  logInWithTotp,
  noChromiumReason,
  snap,
  startBrowserSuite,
} from "./browser.ts";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const WEBHOOK_SECRET = "whsec_confrereE2e";
const BUYER_SIRET = withLuhnKey(`${withLuhnKey("21890025")}0001`);
const ORGANISATION = "Communauté de communes du Serein";
/** Phones first, as everywhere in the app. */
const PHONE = { width: 390, height: 844 };

/** A text field by its label, whether or not the label says "(obligatoire)". */
function textbox(scope: Page | Locator, label: string) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return scope.getByRole("textbox", { name: new RegExp(`^${escaped}( \\(obligatoire\\))?$`) });
}

/** The downloaded file's bytes. */
async function bytesOf(download: Download): Promise<Buffer> {
  const file = await download.path();
  return fs.readFileSync(file);
}

if (!hasChromium) {
  test("billing screens in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("billing screens in Chromium", { timeout: 300_000 }, () => {
    let suite: BrowserSuite;
    let replay: StripeReplay;
    let operator: TestUser;

    before(async () => {
      replay = await startStripeReplay();
      suite = await startBrowserSuite(() => ({
        STRIPE_SECRET_KEY: "sk_test_confrereE2e",
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: replay.url,
        BILLING_SELLER_NAME: "Confrère SAS",
        BILLING_SELLER_ADDRESS: "12 rue des Forges; 21000 Dijon",
        BILLING_SELLER_SIREN: withLuhnKey("73282932"),
        BILLING_SELLER_VAT_NUMBER: `FR44${withLuhnKey("73282932")}`,
        BILLING_SELLER_LEGAL: "SAS au capital de 10 000 € · RCS Dijon",
      }));
      operator = await suite.server.createUser({ operator: true, verified: true, name: "Opératrice" });
    });
    after(async () => {
      await suite?.close();
      await replay?.close();
    });

    /**
     * The browser's clock starts at the server's (a manual clock, moved by the tests and by each
     * TOTP code), so that "N days left" is counted from the same now.
     */
    async function syncClock(page: Page) {
      await page.clock.install({ time: suite.server.clock.now() });
    }

    /** Logs in and waits until the app shows the signed-in navigation (the session is saved). */
    async function logIn(page: Page, user: TestUser) {
      await logInWithTotp(suite, page, user);
      await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).waitFor();
    }

    /** Stripe sends the signed event of a completed Checkout session to the server's webhook. */
    async function stripeSends(type: string, object: Record<string, unknown>) {
      const event = signedStripeEvent(type, object, { secret: WEBHOOK_SECRET, at: suite.server.clock.now() });
      const response = await fetch(`${suite.server.url}/api/v1/billing/stripe/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": event.signature },
        body: event.payload,
      });
      assert.equal(response.status, 200, await response.text());
    }

    it("a verified professional sees the trial countdown and the plans, pays by card, downloads the invoice", async (t) => {
      const doctor = await suite.server.createUser({ verified: true, name: "Dr Claire Martin" });
      await suite.inBrowser(
        t,
        "billing-trial",
        async (page) => {
          await syncClock(page);
          // Stripe's hosted page is not reachable here: the browser's visit is answered locally.
          let paymentPage: string | null = null;
          await page.route("https://checkout.stripe.com/**", async (route) => {
            paymentPage = route.request().url();
            await route.fulfill({
              contentType: "text/html",
              body: "<title>Stripe Checkout</title><h1>Paiement</h1>",
            });
          });
          await logIn(page, doctor);
          await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).click();
          await page.getByRole("link", { name: "Voir mon abonnement et mes factures" }).click();
          await page.getByRole("heading", { name: "Abonnement", level: 1 }).waitFor();
          await page.getByText("Essai gratuit", { exact: true }).waitFor();
          await page.getByText("Il vous reste 90 jours d'essai gratuit.").waitFor();
          // Monthly first, prices excluding and including VAT as the API gives them.
          const plans = page.getByTestId("plan");
          assert.equal(await plans.count(), 2);
          await plans.filter({ hasText: "Essentiel" }).getByText("5,00 € HT / mois").waitFor();
          await plans
            .filter({ hasText: "Essentiel" })
            .getByText("soit 6,00 € TTC / mois (TVA 20 %)")
            .waitFor();
          await plans.filter({ hasText: "Pro" }).getByText("8,00 € HT / mois").waitFor();
          await page.getByRole("radio", { name: "Annuel" }).check();
          await plans.filter({ hasText: "Essentiel" }).getByText("50,00 € HT / an").waitFor();
          await plans
            .filter({ hasText: "Essentiel" })
            .getByText("soit 60,00 € TTC / an (TVA 20 %)")
            .waitFor();
          await snap(page, "billing-plans");

          // Choosing a plan sends the browser to the payment page the API returned.
          await page.getByRole("button", { name: "Choisir la formule Essentiel (Annuel)" }).click();
          await page.waitForURL(/^https:\/\/checkout\.stripe\.com\//);
          assert.ok(paymentPage);
          const session = [...replay.sessions.values()].find((s) => s.url === paymentPage);
          assert.ok(session, "the page is the Checkout session the server created");
          assert.equal(session.amount_total, 6000);

          // Stripe confirms the payment to the server, then sends the person back.
          await stripeSends("checkout.session.completed", completedCheckoutSession(session));
          await page.goto(`${suite.origin}/facturation?paiement=ok`);
          await page.getByText("Merci ! Votre paiement est confirmé.").waitFor();
          await page.getByText("Abonnement actif", { exact: true }).waitFor();
          assert.equal(new URL(page.url()).search, "", "the return parameter leaves the address bar");
          await page.getByRole("button", { name: "Gérer mon moyen de paiement" }).waitFor();

          // The settled invoice, as a PDF.
          const invoice = page.getByTestId("invoice");
          assert.equal(await invoice.count(), 1);
          await invoice.getByText("60,00 €").waitFor();
          const download = page.waitForEvent("download");
          await invoice.getByRole("button", { name: /^Télécharger la facture .* en PDF$/ }).click();
          const file = await download;
          assert.match(file.suggestedFilename(), /^facture-\d{4}-\d{6}\.pdf$/);
          assert.equal((await bytesOf(file)).subarray(0, 5).toString("latin1"), "%PDF-");
        },
        PHONE,
      );
    });

    it("an operator records a transfer for seats; the administrator gives one; the member is sponsored", async (t) => {
      const admin = await suite.server.createUser({ verified: false, name: "Mme Agnès Finances" });
      const member = await suite.server.createUser({ verified: true, name: "Dr Bruno Membre" });
      const { organisation } = await operator.api.createOrganisation({
        kind: "territory",
        territoryType: "communaute_de_communes",
        name: ORGANISATION,
        departements: ["89"],
        sponsored: true,
      });
      await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
      await operator.api.addOrganisationMember(organisation.id, member.userId, { overridePerimeter: true });

      // The administrator gives the identity printed on the organisation's invoices.
      await suite.inBrowser(t, "billing-sponsor-details", async (page) => {
        await logIn(page, admin);
        await page.goto(`${suite.origin}/organisations/${organisation.id}`);
        await page.getByRole("link", { name: "Sièges et facturation" }).click();
        await page
          .getByRole("heading", { name: `Sièges et facturation · ${ORGANISATION}`, level: 1 })
          .waitFor();
        await page.getByTestId("seat-counts").getByText("0").first().waitFor();
        await textbox(page, "Nom ou raison sociale").fill("CC du Serein");
        await textbox(page, "Adresse").fill("2 place de l'Hôtel de Ville");
        await textbox(page, "Code postal").fill("89440");
        await textbox(page, "Ville").fill("L'Isle-sur-Serein");
        await textbox(page, "SIRET").fill(BUYER_SIRET);
        await textbox(page, "Numéro d'engagement").fill("ENG-2026-042");
        await page.getByRole("button", { name: "Enregistrer les coordonnées" }).click();
        await page.getByText("Coordonnées enregistrées").waitFor();
      });

      // The operator records the bank transfer: one seat for a year, 72 € including VAT.
      await suite.inBrowser(t, "billing-operator", async (page) => {
        await logIn(page, operator);
        await page.getByRole("navigation").getByRole("link", { name: "Opérateur" }).click();
        const section = page.getByRole("region", { name: "Facturation" });
        await section.waitFor();
        await section.getByRole("radio", { name: "Une organisation" }).check();
        await section.getByRole("searchbox", { name: "Nom de l'organisation" }).fill("Serein");
        await section.getByRole("button", { name: "Chercher l'organisation" }).click();
        await section.getByRole("radio", { name: ORGANISATION }).check();
        await section.getByText(`Organisation : ${ORGANISATION}`).waitFor();
        await textbox(section, "Montant reçu TTC (€)").fill("72,00");
        await textbox(section, "Référence du virement").fill("VIR-SEREIN-2026-01");
        await section.getByRole("spinbutton", { name: /^Nombre de sièges/ }).fill("1");
        await section.getByRole("button", { name: "Enregistrer le virement" }).click();
        const recorded = section.getByRole("status").filter({ hasText: "Virement enregistré : facture" });
        await recorded.waitFor();
        assert.match((await recorded.textContent()) ?? "", /facture \d{4}-\d{6} émise \(72,00\s€ TTC\)/);
        // The year's list shows it, with a way to credit it.
        const row = section.getByTestId("invoice").filter({ hasText: "72,00 €" });
        await row.getByRole("button", { name: /^Émettre un avoir sur la facture / }).waitFor();
        await snap(page, "billing-operator");
        // Recording the same transfer twice is refused in words.
        await textbox(section, "Montant reçu TTC (€)").fill("72,00");
        await textbox(section, "Référence du virement").fill("VIR-SEREIN-2026-01");
        await section.getByRole("button", { name: "Enregistrer le virement" }).click();
        await section.getByText("Un virement avec cette référence est déjà enregistré.").waitFor();
      });

      // The administrator gives the seat to the member and downloads the organisation's invoice.
      await suite.inBrowser(
        t,
        "billing-sponsor-seats",
        async (page) => {
          await logIn(page, admin);
          await page.goto(`${suite.origin}/organisations/${organisation.id}/facturation`);
          const seats = page.getByRole("region", { name: "Sièges", exact: true });
          await seats.waitFor();
          const counts = page.getByTestId("seat-counts");
          await counts.getByText("1").first().waitFor();
          await seats.getByRole("button", { name: "Attribuer un siège à Dr Bruno Membre" }).click();
          await seats.getByText("Siège attribué à Dr Bruno Membre.").waitFor();
          const holder = seats.getByTestId("seat-holder").filter({ hasText: "Dr Bruno Membre" });
          await holder.getByText("désigné").waitFor();
          assert.deepEqual(await counts.locator("dd").allTextContents(), ["1", "1", "0"]);
          await page.getByTestId("purchase").getByText("Payé").waitFor();
          await snap(page, "billing-sponsor");

          const download = page.waitForEvent("download");
          await page
            .getByTestId("invoice")
            .getByRole("button", { name: /^Télécharger la facture .* en PDF$/ })
            .click();
          const file = await download;
          assert.match(file.suggestedFilename(), /^facture-\d{4}-\d{6}\.pdf$/);
          assert.equal((await bytesOf(file)).subarray(0, 5).toString("latin1"), "%PDF-");
        },
        PHONE,
      );

      // The member pays nothing and sees who pays.
      await suite.inBrowser(t, "billing-sponsored", async (page) => {
        await logIn(page, member);
        await page.goto(`${suite.origin}/abonnement`);
        await page.getByText(`Sponsorisé par ${ORGANISATION}`).waitFor();
        await page
          .getByText(`Vous n'avez rien à payer : ${ORGANISATION} prend en charge votre abonnement`)
          .waitFor();
        assert.equal(await page.getByRole("button", { name: /^Choisir la formule/ }).count(), 0);
      });
    });

    it("the trial's last days show a banner that links to the subscription and blocks nothing", async (t) => {
      const doctor = await suite.server.createUser({ verified: true, name: "Dr Denise Bientôt" });
      // The hourly billing job starts the trial (and its e-mail); eighty days later ten days are
      // left, and the job has sent the 14-day reminder. Runs last: the server's clock stays moved.
      // (Other hourly jobs, such as retention, may run alongside: only the billing cycle matters here.)
      suite.server.clock.advance(HOUR);
      assert.ok((await suite.server.server.scheduler.runDue()).includes("billing-cycle"));
      suite.server.clock.advance(80 * DAY - HOUR);
      assert.ok((await suite.server.server.scheduler.runDue()).includes("billing-cycle"));
      await suite.inBrowser(
        t,
        "billing-banner",
        async (page) => {
          await syncClock(page);
          await logIn(page, doctor);
          const banner = page.getByRole("complementary", { name: "Abonnement" });
          await banner.getByText("Votre essai gratuit se termine dans 10 jours.").waitFor();
          // Messages stay open under the banner.
          await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).click();
          await page.getByRole("heading", { name: "Annuaire", level: 1 }).waitFor();
          await banner.getByRole("link", { name: "Voir mon abonnement" }).click();
          await page.getByRole("heading", { name: "Abonnement", level: 1 }).waitFor();
          await page.getByText("Il vous reste 10 jours d'essai gratuit.").waitFor();
          assert.equal(await banner.count(), 0, "the subscription screen says it itself");
          await snap(page, "billing-banner");
        },
        PHONE,
      );
    });
  });
}
