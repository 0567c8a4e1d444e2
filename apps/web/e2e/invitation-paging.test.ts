// Invitations to an address that already has an account, and the paged lists (the operators'
// review queue, the invitations sent), in Debian's Chromium as a person uses them. Boots the real
// server with the directory fixture; skips itself, saying so, without /usr/bin/chromium.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it, test } from "node:test";
import type { TestUser } from "@confrere/dev-env";
import {
  type BrowserSuite,
  hasChromium,
  importDirectoryFixture,
  linkedUser,
  logInWithTotp,
  noChromiumReason,
  startBrowserSuite,
  WEB,
} from "./browser.ts";

/** THOMAS Anaïs, médecin in Tonnerre (89405), not on Confrère; MERCIER Hélène, médecin there too. */
const THOMAS = { nationalId: "810619676926" };
const MERCIER = { nationalId: "810823744213" };
/** BEN SAÏD Arthur, pharmacien in Tonnerre: the professional the queued claims name. */
const BEN_SAID = { rpps: "10960990124", lastName: "BEN SAÏD", firstName: "Arthur" };
const PHOTO = () => fs.readFileSync(path.join(WEB, "public/icon-192.png"));

if (!hasChromium) {
  test("invitations to registered addresses and paged lists in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("invitations to registered addresses and paged lists in Chromium", { timeout: 300_000 }, () => {
    let suite: BrowserSuite;
    let operator: TestUser;

    before(async () => {
      suite = await startBrowserSuite();
      await importDirectoryFixture(suite);
      operator = await suite.server.createUser({ operator: true, verified: true, name: "Opératrice" });
    });
    after(async () => {
      await suite?.close();
    });

    it("the holder of an invited address logs in and accepts: linked, verified and a member", async (t) => {
      const { organisation } = await operator.api.createOrganisation({
        kind: "territory",
        territoryType: "cpts",
        name: "CPTS du Tonnerrois",
        communes: ["89405"],
      });
      const admin = await linkedUser(suite, operator, MERCIER.nationalId, "Dr Hélène Mercier");
      await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
      const holder = await suite.server.createUser({
        email: "anais.thomas@cabinet.test",
        name: "Anaïs Thomas",
      });
      const stranger = await suite.server.createUser({ name: "Dr Autre Compte" });
      await admin.api.invite({
        email: holder.email,
        nationalId: THOMAS.nationalId,
        organisationId: organisation.id,
      });
      const token = await suite.mailTo(holder.email, /CPTS du Tonnerrois vous invite/);

      await suite.inBrowser(t, "invitation-existing-account", async (page) => {
        // Not signed in: the screen says to log in, not to sign up.
        await page.goto(`${suite.origin}/invitation?token=${token}`);
        await page.getByText(`Un compte Confrère existe déjà pour ${holder.email}`).waitFor();
        assert.equal(await page.getByRole("button", { name: "Créer mon compte" }).count(), 0);

        // Signed in with another account: told so, with a way out.
        await logInWithTotp(suite, page, stranger);
        await page.getByRole("heading", { name: "Vérifier mon identité professionnelle" }).waitFor();
        await page.goto(`${suite.origin}/invitation?token=${token}`);
        await page
          .getByRole("alert")
          .filter({ hasText: `adressée à ${holder.email}` })
          .waitFor();
        await page.getByRole("button", { name: "Me déconnecter" }).click();
        await page.getByText(`Un compte Confrère existe déjà pour ${holder.email}`).waitFor();

        // The holder logs in, opens the link again and accepts with one click.
        await logInWithTotp(suite, page, holder);
        await page.getByRole("heading", { name: "Vérifier mon identité professionnelle" }).waitFor();
        await page.goto(`${suite.origin}/invitation?token=${token}`);
        await page.getByText(`Vous êtes connecté(e) avec ${holder.email}`).waitFor();
        await page.getByRole("button", { name: "Accepter l'invitation" }).click();
        await page.getByText("Invitation acceptée : vous êtes membre de CPTS du Tonnerrois.").waitFor();
        await page.getByRole("link", { name: "Continuer" }).click();
        await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).waitFor();
      });
      const { account } = await holder.api.me();
      assert.equal(account.state, "verified");
      assert.equal(account.nationalId, THOMAS.nationalId);
      assert.equal(account.identityMethod, "invitation");
    });

    it("the review queue and the invitations sent load more on demand", async (t) => {
      // 21 claims wait: one more than a page.
      for (let i = 0; i < 21; i++) {
        const claimant = await suite.server.createUser({ name: `Dr Attente ${String(i).padStart(2, "0")}` });
        const { claim } = await claimant.api.createIdentityClaim({
          identifier: BEN_SAID.rpps,
          lastName: BEN_SAID.lastName,
          firstName: BEN_SAID.firstName,
        });
        await claimant.api.uploadIdentityProof(claim.id, PHOTO(), "image/png");
      }
      // 21 invitations sent by one professional: 20 colleagues (the daily most) and a vouch.
      const sender = await suite.server.createUser({ verified: true, name: "Dr Invite Beaucoup" });
      for (let i = 0; i < 20; i++) await sender.api.invite({ email: `confrere${i}@cabinet.test` });
      const { organisation } = await operator.api.createOrganisation({
        kind: "territory",
        territoryType: "cpts",
        name: "CPTS de Tonnerre Sud",
        communes: ["89405"],
      });
      await operator.api.addOrganisationAdmin(organisation.id, sender.userId);
      await sender.api.invite({
        email: "gabriel.robert@cabinet.test",
        nationalId: "810992981125",
        organisationId: organisation.id,
      });

      await suite.inBrowser(t, "paged-lists", async (page) => {
        await logInWithTotp(suite, page, operator);
        await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).waitFor();
        await page.goto(`${suite.origin}/operateur`);
        const reviews = page.getByTestId("claim-review");
        await reviews.nth(19).waitFor();
        assert.equal(await reviews.count(), 20);
        await page.getByRole("button", { name: "Voir plus" }).click();
        await reviews.nth(20).waitFor();
        assert.equal(await reviews.count(), 21);
        // Oldest first: the last claim to enter the queue ends the second page.
        await reviews
          .nth(20)
          .getByRole("heading", { name: /^Dr Attente 20 / })
          .waitFor();
        assert.equal(await page.getByRole("button", { name: "Voir plus" }).count(), 0, "the last page");
        await page.getByRole("banner").getByRole("button", { name: "Se déconnecter" }).click();

        await logInWithTotp(suite, page, sender);
        await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).waitFor();
        await page.goto(`${suite.origin}/identite`);
        const rows = page.getByTestId("sent-invitation");
        await rows.nth(19).waitFor();
        assert.equal(await rows.count(), 20);
        await page.getByRole("button", { name: "Charger la suite" }).click();
        await rows.nth(20).waitFor();
        assert.equal(await rows.count(), 21);
        await page.getByRole("cell", { name: "confrere0@cabinet.test" }).waitFor();
      });
    });
  });
}
