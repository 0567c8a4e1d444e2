// Issue 6's retention and personal-data rights in Debian's Chromium: an establishment's
// administrator sets how long messages are kept (a wrong value refused with a clear message, empty
// for the platform's default); an operator places and lifts a legal hold; a doctor downloads what the server holds about them, then deletes
// their account with the password and a second-factor code. Skips itself, saying so, without
// /usr/bin/chromium.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it, test } from "node:test";
import { withLuhnKey } from "@confrere/protocol";
import {
  type BrowserSuite,
  hasChromium,
  logInWithTotp,
  noChromiumReason,
  startBrowserSuite,
} from "./browser.ts";

if (!hasChromium) {
  test("retention and personal data in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("retention and personal data in Chromium", { timeout: 300_000 }, () => {
    let suite: BrowserSuite;

    before(async () => {
      suite = await startBrowserSuite();
    });
    after(async () => {
      await suite?.close();
    });

    it("an establishment's administrator sets the retention period", async (t) => {
      const operator = await suite.server.createUser({ operator: true, verified: true, name: "Opératrice" });
      const admin = await suite.server.createUser({ verified: true, name: "Admin Clinique" });
      const { organisation } = await operator.api.createOrganisation({
        kind: "establishment",
        finess: withLuhnKey("89000031"),
        name: "Clinique du Tonnerrois",
      });
      await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
      await suite.inBrowser(t, "retention", async (page) => {
        await logInWithTotp(suite, page, admin);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await page.goto(`${suite.origin}/organisations/${organisation.id}`);
        const effective = page.getByTestId("retention-effective");
        await effective.filter({ hasText: "celle de la plateforme" }).waitFor();

        const days = page.getByLabel("Durée de conservation (jours)");
        await days.fill("3");
        await page.getByRole("button", { name: "Enregistrer la durée" }).click();
        await page.getByText("La durée de conservation va de 7 à 3650 jours.").waitFor();
        assert.equal((await admin.api.retentionPolicy(organisation.id)).days, null, "nothing saved");

        await days.fill("90");
        await page.getByRole("button", { name: "Enregistrer la durée" }).click();
        await effective.filter({ hasText: "Durée appliquée : 90 jours." }).waitFor();
        assert.equal((await admin.api.retentionPolicy(organisation.id)).days, 90);

        await days.fill("");
        await page.getByRole("button", { name: "Enregistrer la durée" }).click();
        await effective.filter({ hasText: "celle de la plateforme" }).waitFor();
        assert.equal((await admin.api.retentionPolicy(organisation.id)).days, null);
      });
    });

    it("an operator places a conversation under legal hold and lifts it", async (t) => {
      const operator = await suite.server.createUser({
        operator: true,
        verified: true,
        name: "Opérateur Juridique",
      });
      const alice = await suite.server.createUser({ verified: true, name: "Dr Alice Litige" });
      const bob = await suite.server.createUser({ verified: true, name: "Dr Bob Litige" });
      await suite.device(bob);
      const conversationId = await (await suite.device(alice)).openDirect(bob.userId);
      await suite.inBrowser(t, "legal-hold", async (page) => {
        await logInWithTotp(suite, page, operator);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await page.goto(`${suite.origin}/operateur`);
        const section = page.getByRole("region", { name: "Conservation légale" });
        await section.getByText("Aucune conversation sous conservation légale.").waitFor();

        const id = section.getByLabel("Identifiant de la conversation");
        await id.fill("conversation-qui-n-existe-pas");
        await section.getByRole("button", { name: "Placer sous conservation légale" }).click();
        await section.getByText("Conversation introuvable.").waitFor();

        await id.fill(conversationId);
        await section.getByLabel("Motif").selectOption("patient_request");
        await section.getByRole("button", { name: "Placer sous conservation légale" }).click();
        await section.getByTestId("legal-hold").filter({ hasText: "Demande du patient" }).waitFor();
        assert.deepEqual(
          (await operator.api.legalHolds()).holds.map((h) => [h.conversationId, h.reason]),
          [[conversationId, "patient_request"]],
        );

        await section
          .getByRole("button", { name: `Lever la conservation légale de ${conversationId}` })
          .click();
        await section.getByText("Aucune conversation sous conservation légale.").waitFor();
        assert.deepEqual((await operator.api.legalHolds()).holds, []);
      });
    });

    it("a doctor downloads their data, then deletes their account", async (t) => {
      const doctor = await suite.server.createUser({ verified: true, name: "Dr Irène Départ" });
      await suite.inBrowser(t, "privacy", async (page) => {
        await logInWithTotp(suite, page, doctor);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await page.goto(`${suite.origin}/profil`);
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Télécharger mes données" }).click(),
        ]);
        assert.match(download.suggestedFilename(), /^confrere-mes-donnees-\d{4}-\d{2}-\d{2}\.json$/);
        const archive = JSON.parse(fs.readFileSync(await download.path(), "utf8"));
        assert.equal(archive.format, "confrere-personal-data");
        assert.equal(archive.account.email, doctor.email);
        assert.ok(!JSON.stringify(archive).includes(doctor.password), "no secret in the archive");

        page.on("dialog", (dialog) => void dialog.accept());
        // The password section above has a "Mot de passe actuel" too.
        const privacy = page.getByRole("region", { name: "Mes données personnelles" });
        const password = privacy.locator("input").and(privacy.getByLabel("Mot de passe actuel"));
        await password.fill("pas le bon mot de passe");
        await page.getByLabel("Code de l'application d'authentification ou code de secours").fill("000000");
        await page.getByRole("button", { name: "Supprimer définitivement mon compte" }).click();
        await page.getByText("Mot de passe ou code incorrect").waitFor();

        await password.fill(doctor.password);
        await page
          .getByLabel("Code de l'application d'authentification ou code de secours")
          .fill(suite.server.totp(doctor.totpSecret));
        await page.getByRole("button", { name: "Supprimer définitivement mon compte" }).click();
        await page.getByText("Votre compte a été supprimé.").waitFor();
        await page.waitForURL(/\/connexion$/);
        const gone = await suite.server.server.ctx.db
          .selectFrom("users")
          .select("id")
          .where("id", "=", doctor.userId)
          .executeTakeFirst();
        assert.equal(gone, undefined);
      });
    });
  });
}
