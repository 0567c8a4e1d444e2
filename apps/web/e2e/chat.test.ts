// The chat's group and message features in Debian's Chromium, driven as two doctors would in two
// browser profiles (a desktop and a phone): a group made from the Annuaire, mentions, replies,
// reactions, edits, recalls, renaming, adding and removing people, roles, leaving, and the safety
// code compared on both sides. A third colleague is a real SDK device in this process. Boots the
// real server with the directory fixture; skips itself, saying so, without /usr/bin/chromium.
import assert from "node:assert/strict";
import { after, before, describe, it, test } from "node:test";
import { connectDevice, eventually, type TestUser } from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";
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

/** Fixture professionals: LEROY Léa and BONNET Clémence (médecins), ROBERT Léa (sage-femme). */
const LEROY = "810785900399";
const BONNET = "810582029384";
const ROBERT = "810434640974";
const PHONE = { width: 390, height: 844 };

if (!hasChromium) {
  test("chat in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("chat in Chromium: groups, edits, recalls, reactions, replies, safety code", {
    timeout: 300_000,
  }, () => {
    let suite: BrowserSuite;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let carolDevice: ConfrereClient | null = null;

    before(async () => {
      suite = await startBrowserSuite();
      await importDirectoryFixture(suite);
      const operator = await suite.server.createUser({ operator: true, verified: true, name: "Opératrice" });
      alice = await linkedUser(suite, operator, LEROY, "Dr Léa Leroy");
      bob = await linkedUser(suite, operator, BONNET, "Dr Clémence Bonnet");
      carol = await linkedUser(suite, operator, ROBERT, "Léa Robert");
    });
    after(async () => {
      carolDevice?.disconnect();
      await suite?.close();
    });

    /** Picks a colleague in the Annuaire search of a "new group" or "add members" form. */
    async function pick(page: Page, query: string, name: RegExp) {
      await page.getByLabel("Rechercher un confrère dans l'Annuaire").fill(query);
      await page.getByRole("button", { name: "Rechercher", exact: true }).click();
      await page.getByRole("button", { name }).click();
    }

    /** Opens a message's action bar. */
    async function actionsOf(message: ReturnType<Page["getByTestId"]>) {
      await message.getByRole("button", { name: /^Actions sur le message de / }).click();
    }

    it("two doctors run a group and compare their safety code", async (t) => {
      // Carol's device exists (keys announced) so that she is really committed into the group.
      carolDevice = await connectDevice(suite.server, carol);
      const carolClient = carolDevice;
      await suite.inBrowser(t, "chat-alice", async (pageA) => {
        await suite.inBrowser(
          t,
          "chat-bob",
          async (pageB) => {
            await logInWithTotp(suite, pageA, alice);
            await logInWithTotp(suite, pageB, bob);
            await pageA.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
            await pageB.getByRole("heading", { name: "Messages", level: 1 }).waitFor();

            // A group: a name and colleagues found in the Annuaire (verified, on Confrère).
            await pageA.getByRole("button", { name: "Nouveau groupe" }).click();
            await pageA.getByLabel("Nom du groupe").fill("RCP cardiologie");
            await pageA.getByRole("button", { name: "Créer le groupe" }).click();
            await pageA.getByRole("alert").filter({ hasText: "Choisissez au moins un confrère." }).waitFor();
            await pick(pageA, "bonnet", /^Ajouter Docteur Clémence BONNET$/);
            await pick(pageA, "robert léa", /^Ajouter .*Léa ROBERT$/);
            assert.equal(await pageA.getByTestId("picked").count(), 2);
            await snap(pageA, "chat-new-group");
            await pageA.getByRole("button", { name: "Créer le groupe" }).click();
            await pageA.getByRole("heading", { name: "RCP cardiologie", level: 1 }).waitFor();
            await pageA
              .getByTestId("system-line")
              .filter({ hasText: "Groupe « RCP cardiologie »" })
              .waitFor();
            const groupId = /\/conversations\/([A-Za-z0-9_-]+)$/.exec(pageA.url())?.[1];
            assert.ok(groupId, "the group's address");

            // Bob finds it in his list by its name (which the server never saw).
            await pageB.getByRole("link", { name: /RCP cardiologie/ }).click();
            await pageB.getByRole("heading", { name: "RCP cardiologie", level: 1 }).waitFor();

            // A mention, picked from the "@" suggestions.
            const composerA = pageA.getByLabel("Votre message");
            await composerA.click();
            await composerA.pressSequentially("Bonjour @Clé");
            // Suggested as the "@" is typed; Tab picks it (a click does too).
            await pageA.getByRole("button", { name: "Mentionner Dr Clémence Bonnet" }).waitFor();
            await composerA.press("Tab");
            await composerA.pressSequentially("pouvez-vous revoir le dossier de M. T. ?");
            await composerA.press("Enter");
            // Sent rows only: a message still queued on the device is drawn as "mine" too.
            const mineA = (text: string) =>
              pageA
                .locator('[data-testid="message"].mine:not([data-state="queued"]):not([data-state="failed"])')
                .filter({ hasText: text });
            const theirsB = (text: string) =>
              pageB.locator('[data-testid="message"].theirs').filter({ hasText: text });
            await mineA("pouvez-vous revoir").waitFor();
            const askedB = theirsB("pouvez-vous revoir");
            await askedB.waitFor();

            // Offline: the message waits on Alice's device with a clock, then leaves on its own.
            await pageA.context().setOffline(true);
            await composerA.fill("Écrit dans l'ascenseur");
            await composerA.press("Enter");
            const queuedA = pageA.locator('[data-testid="message"][data-state="queued"]');
            await queuedA.filter({ hasText: "Écrit dans l'ascenseur" }).waitFor();
            await snap(pageA, "chat-offline-queued");
            await pageA.context().setOffline(false);
            await theirsB("Écrit dans l'ascenseur").waitFor();
            await mineA("Écrit dans l'ascenseur").waitFor();
            assert.equal(await queuedA.count(), 0);
            assert.equal(await theirsB("Écrit dans l'ascenseur").count(), 1, "delivered once");
            const mention = askedB.getByTestId("mention");
            assert.equal(await mention.textContent(), "@Dr Clémence Bonnet");
            assert.match((await mention.getAttribute("class")) ?? "", /mention-me/);
            await askedB.getByText("Dr Léa Leroy", { exact: true }).waitFor();

            // Bob replies to it, then reacts.
            await actionsOf(askedB);
            await askedB.getByRole("button", { name: "Répondre" }).click();
            await pageB.getByTestId("compose-context").getByText("Réponse à Dr Léa Leroy").waitFor();
            await pageB.getByLabel("Votre message").fill("Oui, je regarde ce soir.");
            await pageB.getByRole("button", { name: "Envoyer" }).click();
            const replyA = pageA
              .locator('[data-testid="message"].theirs')
              .filter({ hasText: "je regarde ce soir" });
            await replyA.waitFor();
            const quote = replyA.getByTestId("reply-quote");
            assert.match(
              (await quote.textContent()) ?? "",
              /^En réponse à Vous : Bonjour @Dr Clémence Bonnet pouvez-vous/,
            );

            await actionsOf(askedB);
            await askedB.getByRole("button", { name: "Réagir avec 👍" }).click();
            const thumbA = mineA("pouvez-vous revoir").getByRole("button", {
              name: "👍 1 : Dr Clémence Bonnet",
            });
            await thumbA.waitFor();
            // Alice adds hers by pressing the same reaction; Bob sees both names.
            await thumbA.click();
            // Bob's own reaction reads "Vous".
            await askedB
              .getByRole("button", { name: /^👍 2 : (Dr Léa Leroy, Vous|Vous, Dr Léa Leroy)$/ })
              .waitFor();
            assert.equal(await askedB.getByTestId("reaction").getAttribute("aria-pressed"), "true");

            // Alice edits her message: Bob sees the new text, marked "modifié".
            await actionsOf(mineA("pouvez-vous revoir"));
            await pageA.getByRole("button", { name: "Modifier" }).click();
            await pageA.getByTestId("compose-context").getByText("Modification de votre message").waitFor();
            await composerA.fill("Bonjour, pouvez-vous revoir le dossier de M. T. avant mardi ?");
            await composerA.press("Enter");
            const editedB = theirsB("avant mardi");
            await editedB.waitFor();
            assert.equal(await editedB.getByTestId("edited").textContent(), "modifié");

            // A message sent by mistake is deleted for everyone, after a confirmation.
            await composerA.fill("Message envoyé par erreur");
            await composerA.press("Enter");
            await theirsB("Message envoyé par erreur").waitFor();
            await actionsOf(mineA("Message envoyé par erreur"));
            await pageA.getByRole("button", { name: "Supprimer pour tous" }).click();
            await pageA.getByRole("button", { name: "Oui, supprimer" }).click();
            await theirsB("Message supprimé").waitFor();
            assert.equal(await pageB.getByRole("log").getByText("Message envoyé par erreur").count(), 0);
            await mineA("Message supprimé").waitFor();
            await snap(pageA, "chat-group-desktop");
            await snap(pageB, "chat-group-phone");

            // Renaming is for admins; everyone sees the new name and who changed it.
            await pageA.getByRole("link", { name: "Infos du groupe" }).click();
            await pageA.getByRole("heading", { name: "Infos du groupe", level: 1 }).waitFor();
            await pageA.getByLabel("Nom du groupe").fill("RCP cardio — mardi");
            await pageA.getByRole("button", { name: "Renommer le groupe" }).click();
            await pageA.getByText("Le groupe s'appelle désormais « RCP cardio — mardi ».").waitFor();
            await pageB.getByRole("heading", { name: "RCP cardio — mardi", level: 1 }).waitFor();
            await pageB.getByText("Dr Léa Leroy a renommé le groupe « RCP cardio — mardi »").waitFor();

            // Bob is a plain member: no renaming, adding or removing offered (the server refuses anyway).
            await pageB.getByRole("link", { name: "Infos du groupe" }).click();
            await pageB.getByRole("heading", { name: "Infos du groupe", level: 1 }).waitFor();
            await pageB.getByText("Seuls les administrateurs peuvent renommer le groupe").waitFor();
            assert.equal(await pageB.getByRole("button", { name: "Renommer le groupe" }).count(), 0);
            assert.equal(await pageB.getByRole("button", { name: /^Retirer .* du groupe$/ }).count(), 0);
            assert.equal(await pageB.getByRole("heading", { name: "Ajouter des membres" }).count(), 0);
            await pageB.getByRole("button", { name: "Quitter le groupe" }).waitFor();

            // Alice removes Carol: the server stops serving her the group.
            await pageA.getByRole("button", { name: "Retirer Léa Robert du groupe" }).click();
            await pageA.getByRole("button", { name: "Oui, retirer" }).click();
            await pageA.getByText("Léa Robert ne fait plus partie du groupe.").waitFor();
            await pageA.getByRole("heading", { name: "2 membres" }).waitFor();
            await eventually(
              async () => !(await carolClient.conversations()).some((c) => c.id === groupId),
              "Carol is out of the group",
            );

            // Bob writes while Carol is out.
            await pageB.getByRole("link", { name: "Retour à la conversation" }).click();
            await pageB.getByLabel("Votre message").fill("Pendant l'absence de Léa Robert");
            await pageB.getByRole("button", { name: "Envoyer" }).click();
            await pageB
              .locator('[data-testid="message"].mine')
              .filter({ hasText: "Pendant l'absence" })
              .waitFor();
            await pageB.getByRole("link", { name: "Infos du groupe" }).click();
            await pageB.getByRole("button", { name: "Quitter le groupe" }).waitFor();

            // Alice adds her back, told that history is not shared; Carol learns the name, not the past.
            await pageA
              .getByText("Les nouveaux membres ne voient pas les messages envoyés avant leur arrivée.")
              .waitFor();
            await pick(pageA, "robert léa", /^Ajouter .*Léa ROBERT$/);
            await pageA.getByRole("button", { name: "Ajouter au groupe" }).click();
            await pageA.getByText("1 confrère ajouté au groupe.").waitFor();
            await pageA.getByRole("heading", { name: "3 membres" }).waitFor();
            await eventually(
              async () => (await carolClient.groupName(groupId)) === "RCP cardio — mardi",
              "Carol's device gets the group's name",
              60_000,
            );
            const carolTexts = (await carolClient.messages(groupId)).map((m) =>
              m.content.type === "text" ? m.content.text : "",
            );
            assert.ok(
              !carolTexts.some((text) => text.includes("Pendant l'absence")),
              "what was said while Carol was out is not shared with her",
            );

            // Bob is made an admin: his screen offers renaming at once.
            await pageA.getByRole("button", { name: "Nommer Dr Clémence Bonnet administrateur" }).click();
            await pageA.getByText("Dr Clémence Bonnet est désormais administrateur du groupe.").waitFor();
            await pageB.getByRole("button", { name: "Renommer le groupe" }).waitFor();
            await snap(pageB, "chat-group-details-phone");

            // Bob leaves; the group is gone from his list and from Alice's member list.
            await pageB.getByRole("button", { name: "Quitter le groupe" }).click();
            await pageB.getByRole("button", { name: "Oui, quitter le groupe" }).click();
            await pageB.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
            await pageB.getByRole("link", { name: /RCP cardio/ }).waitFor({ state: "detached" });
            await pageA
              .getByTestId("member")
              .filter({ hasText: "Dr Clémence Bonnet" })
              .waitFor({ state: "detached" });

            // The safety code: from the direct conversation on Alice's side, from Alice's card on Bob's.
            await pageA.getByRole("button", { name: "Nouvelle conversation" }).click();
            await pageA.getByLabel("E-mail du confrère").fill(bob.email);
            await pageA.getByRole("button", { name: "Ouvrir la conversation" }).click();
            await pageA.getByRole("heading", { name: "Dr Clémence Bonnet", level: 1 }).waitFor();
            await pageA.getByRole("link", { name: "Code de sécurité" }).click();
            await pageA
              .getByRole("heading", { name: "Code de sécurité avec Dr Clémence Bonnet", level: 1 })
              .waitFor();
            const codeA = (await pageA.getByTestId("safety-code").getAttribute("data-digits")) ?? "";
            assert.match(codeA, /^\d{60}$/);
            const qr = pageA.getByRole("img", {
              name: "QR code du code de sécurité avec Dr Clémence Bonnet",
            });
            await qr.waitFor();
            assert.match((await qr.getAttribute("src")) ?? "", /^data:image\/svg\+xml;/);
            await snap(pageA, "safety-code-desktop");

            await pageB.getByRole("link", { name: /Dr Léa Leroy/ }).click();
            await pageB.getByRole("link", { name: "Infos de la conversation" }).click();
            await pageB.getByRole("link", { name: "Code de sécurité avec Dr Léa Leroy" }).click();
            await pageB
              .getByRole("heading", { name: "Code de sécurité avec Dr Léa Leroy", level: 1 })
              .waitFor();
            const codeB = (await pageB.getByTestId("safety-code").getAttribute("data-digits")) ?? "";
            assert.equal(codeB, codeA, "both doctors see the same 60 digits");
            const shown = (await pageB.getByTestId("safety-code").locator("code").allTextContents()).join("");
            assert.equal(shown, codeA, "the digits on screen are the code");
            // Bob types what Alice reads out (spaces don't matter); a wrong code is called out.
            const field = pageB.getByLabel("Code affiché chez Dr Léa Leroy");
            await field.fill(`${codeA.slice(0, 55)}00000`.replace(/(\d{5})/g, "$1 "));
            await pageB.getByRole("button", { name: "Comparer" }).click();
            await pageB.getByRole("alert").filter({ hasText: "Les codes diffèrent." }).waitFor();
            await field.fill(codeA.replace(/(\d{5})/g, "$1 "));
            await pageB.getByRole("button", { name: "Comparer" }).click();
            await pageB.getByText("Les codes sont identiques").waitFor();
            await snap(pageB, "safety-code-phone");
          },
          PHONE,
        );
      });
    });
  });
}
