// The professional-identity screens in Debian's Chromium, driven as a person would: the directory
// (Annuaire), proving one's identity (RPPS claim with a proof, reviewed by an operator),
// invitations and organisations. Boots the real server with the directory fixture imported;
// skips itself, saying so, without /usr/bin/chromium.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it, test } from "node:test";
import { type PscProvider, runServerCli, startPscProvider, type TestUser } from "@confrere/dev-env";
import type { Page } from "playwright-core";
import {
  type BrowserSuite,
  hasChromium,
  logInWithTotp,
  noChromiumReason,
  passwordInput,
  snap,
  startBrowserSuite,
  WEB,
} from "./browser.ts";

/** The fictional Annuaire Santé extraction shared by the directory tests. */
const FIXTURE = path.resolve(
  import.meta.dirname,
  "../../../../shared/fixtures/annuaire/PS_LibreAcces_Personne_activite_202611010000.txt",
);
/** Fixture professionals: LEROY Léa and BONNET Clémence (médecins), ROBERT Léa (sage-femme). */
const LEROY = { rpps: "10785900399", nationalId: "810785900399", lastName: "LEROY", firstName: "Léa" };
const BONNET = { nationalId: "810582029384" };
const ROBERT = { nationalId: "810434640974" };
/** MERCIER Hélène, médecin at the CENTRE HOSPITALIER DE TONNERRE (FINESS 894971837, Yonne). */
const MERCIER = { nationalId: "810823744213", finess: "894971837" };
/** GIRARD Nathan (linked through PSC) and ROBERT Maël (never on Confrère). */
const PSC_PRO = { nationalId: "810108096446", givenName: "Nathan", familyName: "GIRARD" };
const NO_ACCOUNT = { nationalId: "810125622414", givenName: "Maël", familyName: "ROBERT" };
/** GIRARD Anaïs, médecin in Tonnerre (Yonne), not on Confrère. */
const GIRARD = { rpps: "10327620794" };
/** The directory is used on phones first. */
const PHONE = { width: 390, height: 844 };
/** A photo to upload: any PNG does (the server checks the type's signature). */
const PHOTO = () => fs.readFileSync(path.join(WEB, "public/icon-192.png"));

/** A text field by its label, whether or not the label says "(obligatoire)". */
function textbox(page: Page, label: string) {
  return page.getByRole("textbox", { name: new RegExp(`^${label}( \\(obligatoire\\))?$`) });
}

if (!hasChromium) {
  test("identity screens in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("identity screens in Chromium", { timeout: 300_000 }, () => {
    let suite: BrowserSuite;
    let operator: TestUser;
    let psc: PscProvider;

    before(async () => {
      // A local OpenID provider shaped like Pro Santé Connect; the browser really goes through it.
      suite = await startBrowserSuite(async (origin) => {
        psc = await startPscProvider({
          clientId: "confrere-e2e",
          clientSecret: "e2e-secret",
          redirectUris: [`${origin}/api/v1/psc/callback`],
        });
        return { PSC_ISSUER_URL: psc.issuer, PSC_CLIENT_ID: "confrere-e2e", PSC_CLIENT_SECRET: "e2e-secret" };
      });
      const imported = await runServerCli(["directory", "import", FIXTURE, "--no-deactivate-missing"], {
        env: suite.server.env,
      });
      assert.equal(imported.code, 0, imported.stderr);
      operator = await suite.server.createUser({ operator: true, verified: true, name: "Opératrice" });
      // A colleague on Confrère, whom the others find in the directory.
      await linkedUser(BONNET.nationalId, "Dr Clémence Bonnet");
    });
    after(async () => {
      await suite?.close();
      await psc?.close();
    });

    /** An account proven to be a professional of the fixture, as an operator would link it. */
    async function linkedUser(nationalId: string, name: string): Promise<TestUser> {
      const user = await suite.server.createUser({ name });
      await operator.api.verifyIdentity(user.userId, "e2e", nationalId);
      return user;
    }

    it("a verified professional finds a colleague in the Annuaire and writes to them", async (t) => {
      const me = await suite.server.createUser({ verified: true, name: "Dr Moi Même" });
      await suite.inBrowser(
        t,
        "directory",
        async (page) => {
          await logInWithTotp(suite, page, me);
          await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).click();
          await page.getByRole("heading", { name: "Annuaire", level: 1 }).waitFor();
          await page.getByLabel("Nom, profession, spécialité, commune…").fill("bonnet");
          const bonnet = page.getByTestId("directory-result").filter({ hasText: "BONNET" });
          await bonnet.getByText("Sur Confrère").waitFor();
          await snap(page, "directory");
          // Someone not on Confrère can be invited instead.
          await page.getByLabel("Nom, profession, spécialité, commune…").fill(LEROY.lastName);
          const leroy = page
            .getByTestId("directory-result")
            .filter({ hasText: `${LEROY.firstName} ${LEROY.lastName}` });
          await leroy.getByRole("button", { name: /^Inviter / }).waitFor();
          assert.equal(await leroy.getByRole("button", { name: /^Écrire / }).count(), 0);

          await page.getByLabel("Nom, profession, spécialité, commune…").fill("bonnet");
          await bonnet.getByRole("button", { name: /^Écrire à / }).click();
          await page.getByRole("heading", { name: "Dr Clémence Bonnet", level: 1 }).waitFor();
          assert.match(page.url(), /\/conversations\//);
        },
        PHONE,
      );
    });

    it("an unverified user proves their identity with an RPPS claim and a photo, reviewed by an operator", async (t) => {
      const user = await suite.server.createUser({ name: "Dr Léa Leroy" });
      await suite.inBrowser(t, "identity-user", async (page) => {
        await suite.inBrowser(t, "identity-operator", async (operatorPage) => {
          // Home, while unverified, is the identity screen: the reason is said at once.
          await logInWithTotp(suite, page, user);
          await page
            .getByRole("heading", { name: "Vérifier mon identité professionnelle", level: 1 })
            .waitFor();
          await page
            .getByText("La messagerie est réservée aux professionnels dont l'identité est vérifiée")
            .waitFor();
          // The directory is not open yet, and says why.
          await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).click();
          await page
            .getByText("Cet espace est réservé aux professionnels de santé dont l'identité est vérifiée")
            .waitFor();
          await page.getByRole("link", { name: "Vérifier mon identité" }).first().click();

          // A mistyped digit is caught with the register's own words; a wrong name by the server.
          const number = textbox(page, "Numéro RPPS ou ADELI");
          await number.fill("10785900398");
          await textbox(page, "Nom").fill(LEROY.lastName);
          await textbox(page, "Prénom").fill(LEROY.firstName);
          await page.getByRole("button", { name: "Continuer" }).click();
          await page.getByText("Ce numéro RPPS n'est pas valide").waitFor();
          await number.fill(`${LEROY.rpps.slice(0, 5)} ${LEROY.rpps.slice(5)}`);
          await textbox(page, "Nom").fill("DURAND");
          await page.getByRole("button", { name: "Continuer" }).click();
          await page.getByRole("alert").filter({ hasText: "ne correspond pas à la fiche" }).waitFor();
          await textbox(page, "Nom").fill("Leroy");
          await page.getByRole("button", { name: "Continuer" }).click();

          // Step 2: a photo of the card (the camera on a phone; a file here).
          await page.getByRole("heading", { name: "Étape 2 : votre carte" }).waitFor();
          await page.getByRole("button", { name: "Envoyer pour vérification" }).click();
          await page.getByText("Choisissez d'abord une photo ou un PDF").waitFor();
          await page
            .getByTestId("proof-file")
            .setInputFiles({ name: "cps.png", mimeType: "image/png", buffer: PHOTO() });
          await page.getByRole("img", { name: "Aperçu du justificatif choisi" }).waitFor();
          await snap(page, "identity-proof");
          await page.getByRole("button", { name: "Envoyer pour vérification" }).click();
          await page.getByText("En attente de vérification.").waitFor();
          await snap(page, "identity-pending");

          // The operator compares, looks at the card, and refuses once with a reason.
          await logInWithTotp(suite, operatorPage, operator);
          await operatorPage.getByRole("navigation").getByRole("link", { name: "Opérateur" }).click();
          const review = operatorPage.getByTestId("claim-review").filter({ hasText: user.email });
          await review.getByRole("cell", { name: "Leroy", exact: true }).waitFor();
          await review.getByRole("cell", { name: LEROY.lastName, exact: true }).waitFor();
          await review.getByRole("button", { name: "Afficher le justificatif de Dr Léa Leroy" }).click();
          const proof = review.getByRole("img", { name: "Justificatif de Dr Léa Leroy" });
          await proof.waitFor();
          assert.match((await proof.getAttribute("src")) ?? "", /^blob:/);
          await snap(operatorPage, "operator-review");
          await review.getByRole("button", { name: "Refuser la demande de Dr Léa Leroy" }).click();
          await review.getByLabel("Motif du refus").fill("Photo floue : reprenez-la en pleine lumière.");
          await review.getByRole("button", { name: "Confirmer le refus" }).click();
          await operatorPage.getByText("La demande de Dr Léa Leroy est refusée").waitFor();

          // The user sees the reason and starts again, names kept.
          await page.getByRole("button", { name: "Actualiser" }).click();
          await page.getByText("Photo floue : reprenez-la en pleine lumière.").waitFor();
          assert.equal(await textbox(page, "Nom").inputValue(), "Leroy");
          await textbox(page, "Numéro RPPS ou ADELI").fill(LEROY.rpps);
          await page.getByRole("button", { name: "Continuer" }).click();
          await page
            .getByTestId("proof-file")
            .setInputFiles({ name: "cps.png", mimeType: "image/png", buffer: PHOTO() });
          await page.getByRole("button", { name: "Envoyer pour vérification" }).click();
          await page.getByText("En attente de vérification.").waitFor();

          // Approved: the account is verified and linked to the directory entry.
          await operatorPage.reload();
          const again = operatorPage.getByTestId("claim-review").filter({ hasText: user.email });
          await again.getByRole("button", { name: "Approuver la demande de Dr Léa Leroy" }).click();
          await operatorPage.getByText("L'identité de Dr Léa Leroy est vérifiée.").waitFor();
        });

        await page.getByRole("button", { name: "Actualiser" }).click();
        await page.getByText("Votre identité professionnelle est vérifiée").waitFor();
        await snap(page, "identity-verified");
        const { account } = await user.api.me();
        assert.equal(account.state, "verified");
        assert.equal(account.nationalId, LEROY.nationalId);
        assert.equal(account.identityMethod, "review");

        // The Annuaire is open now: a colleague is found.
        await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).click();
        await page.getByLabel("Nom, profession, spécialité, commune…").fill("bonnet saint-denis");
        await page.getByTestId("directory-result").filter({ hasText: "Clémence BONNET" }).waitFor();
        // Filters narrow the search: a profession alone lists its professionals.
        await page.getByLabel("Nom, profession, spécialité, commune…").fill("");
        await page.getByLabel("Profession", { exact: true }).selectOption("50");
        await page.getByLabel("Département", { exact: true }).selectOption("21");
        await page.getByTestId("directory-result").filter({ hasText: "Sage-femme" }).first().waitFor();
        assert.equal(
          await page.getByTestId("directory-result").filter({ hasNotText: "Sage-femme" }).count(),
          0,
        );
      });
    });

    it("a colleague invited from the Annuaire accepts the invitation in the browser", async (t) => {
      const inviter = await linkedUser(ROBERT.nationalId, "Dr Léa Robert");
      const invited = "dr.nouvelle@cabinet.test";
      await suite.inBrowser(t, "invitation", async (page) => {
        await logInWithTotp(suite, page, inviter);
        await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).click();
        await page.getByLabel("Nom, profession, spécialité, commune…").fill("lefevre");
        const someone = page.getByTestId("directory-result").first();
        await someone.getByRole("button", { name: /^Inviter / }).click();
        await someone.getByLabel("Adresse e-mail du confrère").fill(invited);
        await someone.getByRole("button", { name: "Envoyer l'invitation" }).click();
        await someone.getByText(`Invitation envoyée à ${invited}`).waitFor();
        await page.getByRole("banner").getByRole("button", { name: "Se déconnecter" }).click();

        // The link of the e-mail: who invites, then a name and a password create the account.
        const token = await suite.mailTo(invited, /vous invite/);
        await page.goto(`${suite.origin}/invitation?token=${token}`);
        await page.getByTestId("invitation-preview").getByText("Dr Léa Robert vous invite").waitFor();
        assert.ok(!page.url().includes("token="), "the one-time token is removed from the address bar");
        await snap(page, "invitation");
        await page.getByLabel("Nom affiché").fill("Dr Nouvelle Consœur");
        await passwordInput(page, "Mot de passe").fill("court");
        await page.getByRole("button", { name: "Créer mon compte" }).click();
        await page.getByRole("alert").filter({ hasText: "au moins 12 caractères" }).waitFor();
        await passwordInput(page, "Mot de passe").fill("Une phrase de passe pour Confrère");
        await page.getByRole("button", { name: "Créer mon compte" }).click();
        await page.getByText(`Votre compte ${invited} est créé`).waitFor();
        await page.getByRole("link", { name: "Se connecter" }).click();
        await page.getByLabel("Adresse e-mail").fill(invited);
        await passwordInput(page, "Mot de passe").fill("Une phrase de passe pour Confrère");
        await page.getByRole("button", { name: "Se connecter", exact: true }).click();
        await page.getByRole("heading", { name: "Activer la double authentification" }).waitFor();
      });
    });

    it("organisations: an operator creates them, an administrator runs a service and invites a territory", async (t) => {
      const admin = await linkedUser(MERCIER.nationalId, "Dr Hélène Mercier");
      const writer = await suite.server.createUser({ verified: true, name: "Dr Qui Écrit" });
      await suite.inBrowser(t, "organisations-operator", async (page) => {
        await logInWithTotp(suite, page, operator);
        await page.getByRole("navigation").getByRole("link", { name: "Organisations" }).click();
        // An establishment from its FINESS, named after the directory.
        await page.getByRole("radio", { name: "Établissement" }).check();
        await textbox(page, "Numéro FINESS").fill(MERCIER.finess);
        await page.getByRole("button", { name: "Créer", exact: true }).click();
        await page.getByRole("heading", { name: "CENTRE HOSPITALIER DE TONNERRE", level: 1 }).waitFor();
        await page.getByRole("searchbox", { name: "Rechercher par e-mail ou nom" }).fill(admin.email);
        await page
          .getByRole("form", { name: "Nommer un administrateur (tout compte)" })
          .getByRole("button", { name: "Rechercher" })
          .click();
        await page.getByRole("button", { name: "Nommer Dr Hélène Mercier administrateur" }).click();
        await page.getByText("Dr Hélène Mercier est administrateur.").waitFor();
        await page
          .getByTestId("member")
          .filter({ hasText: "Dr Hélène Mercier" })
          .getByText("Administrateur", { exact: true })
          .waitFor();

        // A territory: a CPTS over the Yonne.
        await page.getByRole("link", { name: "‹ Toutes mes organisations" }).click();
        await page.getByRole("radio", { name: "Territoire" }).check();
        await page.getByLabel("Type de territoire").selectOption("cpts");
        await textbox(page, "Nom").fill("CPTS du Tonnerrois");
        await page.getByLabel("Départements").fill("89");
        await page.getByRole("button", { name: "Créer", exact: true }).click();
        await page.getByRole("heading", { name: "CPTS du Tonnerrois", level: 1 }).waitFor();
        await page.getByRole("searchbox", { name: "Rechercher par e-mail ou nom" }).fill(admin.email);
        await page
          .getByRole("form", { name: "Nommer un administrateur (tout compte)" })
          .getByRole("button", { name: "Rechercher" })
          .click();
        await page.getByRole("button", { name: "Nommer Dr Hélène Mercier administrateur" }).click();
        await page.getByText("Dr Hélène Mercier est administrateur.").waitFor();
      });

      await suite.inBrowser(t, "organisations-admin", async (page) => {
        await logInWithTotp(suite, page, admin);
        await page.getByRole("navigation").getByRole("link", { name: "Organisations" }).click();
        await page.getByRole("link", { name: "CENTRE HOSPITALIER DE TONNERRE" }).click();
        // A service, and a verified colleague on its roster, found in the directory.
        await textbox(page, "Nouveau service").fill("Cardiologie");
        await page.getByRole("button", { name: "Créer le service" }).click();
        await page.getByRole("heading", { name: "Équipe de Cardiologie" }).waitFor();
        await page.getByRole("searchbox", { name: "Ajouter quelqu'un à l'équipe" }).fill("bonnet");
        await page
          .getByRole("form", { name: "Ajouter quelqu'un à l'équipe" })
          .getByRole("button", { name: "Rechercher" })
          .click();
        await page.getByRole("button", { name: "Ajouter Docteur Clémence BONNET" }).click();
        await page.getByTestId("roster-entry").filter({ hasText: "Dr Clémence Bonnet" }).waitFor();
        await page.getByTestId("service").filter({ hasText: "1 personne dans l'équipe" }).waitFor();
        await page.getByTestId("stats").getByText("Services").waitFor();
        await snap(page, "organisation-establishment");

        // The territory: who is not on Confrère yet, then "RPPS;e-mail" lines, each with its result.
        await page.getByRole("link", { name: "‹ Toutes mes organisations" }).click();
        await page.getByRole("link", { name: "CPTS du Tonnerrois" }).click();
        await page.getByRole("button", { name: "Afficher la liste" }).click();
        await page
          .getByTestId("bulk-preview")
          .getByText(/professionnels? (n'est|ne sont) pas encore sur Confrère/)
          .waitFor();
        await page.getByTestId("bulk-preview").getByRole("cell", { name: "GIRARD Anaïs" }).waitFor();
        await page
          .getByLabel("Une ligne par professionnel : RPPS;e-mail")
          .fill(
            `${GIRARD.rpps};dr.girard@cabinet.test\n123;quelquun@cabinet.test\n${GIRARD.rpps.slice(0, 10)}8;pas-une-adresse`,
          );
        await page.getByRole("button", { name: "Envoyer les invitations" }).click();
        const result = page.getByTestId("bulk-result");
        await result.getByText("1 invitation(s) envoyée(s)").waitFor();
        await page
          .getByTestId("bulk-line")
          .and(page.locator('[data-outcome="created"]'))
          .getByText(GIRARD.rpps)
          .waitFor();
        assert.equal(await page.locator('[data-testid="bulk-line"][data-outcome="rejected"]').count(), 2);
        await result.getByText("Un identifiant national commence par 8 (RPPS) ou 0 (ADELI).").waitFor();
        await result.getByText("un chiffre est sans doute mal recopié").waitFor();
        await snap(page, "organisation-territory");
      });
      const mails = (await suite.server.outbox()).filter((m) => m.to.includes("dr.girard@cabinet.test"));
      assert.equal(mails.length, 1, "one invitation e-mail to the address pasted");

      // Any verified professional finds the service and writes to it.
      await suite.inBrowser(t, "service-writer", async (page) => {
        await logInWithTotp(suite, page, writer);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).click();
        await page.getByRole("tab", { name: "Services" }).click();
        await page
          .getByRole("searchbox", { name: "Service, établissement, commune…" })
          .fill("cardio tonnerre");
        await page
          .getByRole("button", { name: "Écrire au service Cardiologie — CENTRE HOSPITALIER DE TONNERRE" })
          .click();
        // A service's conversation is named after the service; its roster (Dr Bonnet) is in it.
        await page
          .getByRole("heading", { name: "Cardiologie — CENTRE HOSPITALIER DE TONNERRE", level: 1 })
          .waitFor();
        await page.getByText("2 membres").waitFor();
      });
    });

    it("Pro Santé Connect: links a signed-in account, then logs in; an unknown professional is told what to do", async (t) => {
      const user = await suite.server.createUser({ name: "Dr Nathan Psc" });
      await suite.inBrowser(t, "psc", async (page, context) => {
        // Each PSC round trip starts afresh: the provider would otherwise remember its last login.
        const freshPsc = () => context.clearCookies();
        // Linking from the identity screen: PSC proves the identity, the account is verified at once.
        await logInWithTotp(suite, page, user);
        await page.getByRole("heading", { name: "Avec Pro Santé Connect (immédiat)" }).waitFor();
        psc.nextLogin(PSC_PRO);
        await page.getByRole("button", { name: "Se connecter avec Pro Santé Connect" }).click();
        // The return page (the identity screen's intro says the same words: wait for the page itself).
        await page.getByRole("heading", { name: "Pro Santé Connect", level: 1 }).waitFor();
        await page.getByRole("status").filter({ hasText: "Votre compte est relié à votre fiche" }).waitFor();
        assert.ok(!page.url().includes("ticket="), "the single-use ticket is removed from the address bar");
        const linked = (await user.api.me()).account;
        assert.equal(linked.identityMethod, "psc");
        assert.equal(linked.nationalId, PSC_PRO.nationalId);
        await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).waitFor();
        assert.equal(
          await page.getByRole("navigation").getByRole("link", { name: "Vérifier mon identité" }).count(),
          0,
        );

        // Logging in with PSC alone (its e-CPS is a strong authentication): no password, no code.
        await page.getByRole("banner").getByRole("button", { name: "Se déconnecter" }).click();
        await page.getByRole("heading", { name: "Connexion" }).waitFor();
        await freshPsc();
        psc.nextLogin(PSC_PRO);
        await page.getByRole("button", { name: "Se connecter avec Pro Santé Connect" }).click();
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await snap(page, "psc-logged-in");

        // A professional no account is linked to: told to log in and link, or to sign up.
        await page.getByRole("banner").getByRole("button", { name: "Se déconnecter" }).click();
        await page.getByRole("heading", { name: "Connexion" }).waitFor();
        await freshPsc();
        psc.nextLogin(NO_ACCOUNT);
        await page.getByRole("button", { name: "Se connecter avec Pro Santé Connect" }).click();
        await page.getByText("Pro Santé Connect vous a reconnu (Maël ROBERT)").waitFor();
        await page.getByRole("link", { name: "Se connecter puis relier" }).waitFor();

        // Cancelled at PSC: the reason, and a way back.
        await page.goto(`${suite.origin}/connexion`);
        await freshPsc();
        psc.nextCancel();
        await page.getByRole("button", { name: "Se connecter avec Pro Santé Connect" }).click();
        await page
          .getByRole("alert")
          .filter({ hasText: "Pro Santé Connect n'a pas confirmé votre identité" })
          .waitFor();
        await page.getByRole("link", { name: "Recommencer" }).waitFor();
      });
    });
  });
}
