// The idle lock (PIN and passkey), the safety code reached from the Annuaire and the profile, and
// the "new device" notice in a chat, in Debian's Chromium. Idle time is moved with Playwright's
// page.clock, never waited for. Boots the real server with the directory fixture; skips itself,
// saying so, without /usr/bin/chromium.
import assert from "node:assert/strict";
import { after, before, describe, it, test } from "node:test";
import { connectDevice, type TestUser } from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";
import type { Page } from "playwright-core";
import {
  type BrowserSuite,
  hasChromium,
  importDirectoryFixture,
  linkedUser,
  logInWithTotp,
  noChromiumReason,
  startBrowserSuite,
} from "./browser.ts";

/** Fixture professionals: LEROY Léa and BONNET Clémence (médecins). */
const LEROY = "810785900399";
const BONNET = "810582029384";

/** The values of the device's IndexedDB store (encrypted), to check that a wipe emptied it. */
function deviceStoreValues(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open("confrere-device");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const count = await new Promise<number>((resolve, reject) => {
      if (!db.objectStoreNames.contains("values")) return resolve(0);
      const request = db.transaction("values").objectStore("values").count();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return count;
  });
}

async function openLockSettings(page: Page) {
  await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).click();
  const section = page.getByRole("region", { name: "Verrouillage de cet appareil" });
  await section.getByText("Verrouillage désactivé.").waitFor();
  await section.getByRole("button", { name: "Activer le verrouillage" }).click();
  await section.getByLabel("Verrouiller après").selectOption({ label: "1 min sans activité" });
  return section;
}

function lockDialog(page: Page) {
  return page.getByRole("dialog", { name: "Confrère est verrouillé" });
}

if (!hasChromium) {
  test("idle lock in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("idle lock, safety-code links and the new-device notice in Chromium", { timeout: 300_000 }, () => {
    let suite: BrowserSuite;
    let alice: TestUser;
    let bob: TestUser;
    const devices: ConfrereClient[] = [];

    before(async () => {
      suite = await startBrowserSuite();
      await importDirectoryFixture(suite);
      const operator = await suite.server.createUser({ operator: true, verified: true, name: "Opératrice" });
      alice = await linkedUser(suite, operator, LEROY, "Dr Léa Leroy");
      bob = await linkedUser(suite, operator, BONNET, "Dr Clémence Bonnet");
    });
    after(async () => {
      for (const device of devices) device.disconnect();
      await suite?.close();
    });

    it("locks after 1 min idle; a wrong PIN is refused, the right one unlocks, 5 wrong ones wipe", async (t) => {
      const user = await suite.server.createUser({ name: "Dr Poste Partagé" });
      await suite.inBrowser(t, "lock-pin", async (page) => {
        // The page's clock is Playwright's: a minute of idleness passes in a call.
        await page.clock.install();
        await logInWithTotp(suite, page, user);
        const section = await openLockSettings(page);
        await section.getByLabel("Nouveau code PIN").fill("12");
        await section.getByLabel("Confirmez le code PIN").fill("12");
        await section.getByRole("button", { name: "Enregistrer" }).click();
        await section.getByRole("alert").filter({ hasText: "de 4 à 8 chiffres" }).waitFor();
        await section.getByLabel("Nouveau code PIN").fill("482913");
        await section.getByLabel("Confirmez le code PIN").fill("482913");
        await section.getByRole("button", { name: "Enregistrer" }).click();
        await section.getByText("Verrouillage activé : après 1 min sans activité.").waitFor();
        await section
          .getByTestId("lock-status")
          .getByText("Verrouillage après 1 min sans activité, déverrouillage par code PIN.")
          .waitFor();

        // 30 s idle is not enough; activity restarts the count; then a full minute locks.
        await page.clock.fastForward("00:30");
        assert.equal(await lockDialog(page).count(), 0, "not locked after 30 s");
        await page.mouse.move(200, 200);
        await page.clock.fastForward("00:40");
        assert.equal(await lockDialog(page).count(), 0, "activity restarted the idle count");
        await page.clock.fastForward("01:10");
        await lockDialog(page).waitFor();
        assert.equal(await lockDialog(page).getAttribute("aria-modal"), "true");
        // Nothing of the app is visible or reachable behind it.
        assert.equal(await page.getByRole("navigation").count(), 0, "the app is hidden behind the lock");
        assert.equal(await page.getByRole("heading", { name: "Profil et sécurité" }).isVisible(), false);
        const pin = lockDialog(page).getByLabel("Code PIN");
        assert.equal(
          await pin.evaluate((input) => input === document.activeElement),
          true,
          "focus is in the lock",
        );

        await pin.fill("000000");
        await lockDialog(page).getByRole("button", { name: "Déverrouiller" }).click();
        await lockDialog(page)
          .getByRole("alert")
          .filter({ hasText: "Code PIN incorrect. Encore 4 essais" })
          .waitFor();
        await pin.fill("482913");
        await lockDialog(page).getByRole("button", { name: "Déverrouiller" }).click();
        await lockDialog(page).waitFor({ state: "detached" });
        await page.getByRole("heading", { name: "Profil et sécurité", level: 1 }).waitFor();

        // Back in view after longer than the delay (a hidden tab's timers are throttled, so the
        // interval may not have run): the clock jumps without firing timers, the tab is shown again.
        const now = await page.evaluate(() => Date.now());
        await page.clock.setSystemTime(now + 2 * 60_000);
        assert.equal(await lockDialog(page).count(), 0, "no timer ran");
        await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
        await lockDialog(page).waitFor();
        await lockDialog(page).getByLabel("Code PIN").fill("482913");
        await lockDialog(page).getByRole("button", { name: "Déverrouiller" }).click();
        await lockDialog(page).waitFor({ state: "detached" });

        // Locked survives a reload: reloading is no way round the lock.
        await page.getByRole("button", { name: "Verrouiller maintenant" }).click();
        await lockDialog(page).waitFor();
        await page.reload();
        await lockDialog(page).waitFor();

        // Five wrong PINs in a row log out and wipe the device, as "Se déconnecter" does.
        for (let attempt = 1; attempt <= 5; attempt++) {
          await lockDialog(page).getByLabel("Code PIN").fill(`11110${attempt}`);
          await lockDialog(page).getByRole("button", { name: "Déverrouiller" }).click();
          if (attempt < 5) {
            await lockDialog(page)
              .getByRole("alert")
              .filter({ hasText: attempt === 4 ? "Encore 1 essai" : `Encore ${5 - attempt} essais` })
              .waitFor();
          }
        }
        await page.getByText("Trop de codes PIN incorrects").waitFor();
        await page.getByRole("heading", { name: "Connexion" }).waitFor();
        assert.equal(await lockDialog(page).count(), 0);
        assert.equal(await deviceStoreValues(page), 0, "the device store was wiped");
        await page.goto(`${suite.origin}/profil`);
        await page.getByRole("heading", { name: "Connexion" }).waitFor();
      });
    });

    it("unlocks with the account's passkey (Chromium's virtual authenticator); logs out from the lock", async (t) => {
      const user = await suite.server.createUser({ name: "Dr Clé Locale" });
      await suite.inBrowser(t, "lock-passkey", async (page, context) => {
        const cdp = await context.newCDPSession(page);
        await cdp.send("WebAuthn.enable");
        const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
          options: {
            protocol: "ctap2",
            transport: "internal",
            hasResidentKey: true,
            hasUserVerification: true,
            isUserVerified: true,
            automaticPresenceSimulation: true,
          },
        });
        await logInWithTotp(suite, page, user);
        await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).click();
        await page.getByRole("button", { name: "Ajouter une clé d'accès" }).click();
        await page.getByRole("button", { name: "Créer la clé d'accès" }).click();
        await page
          .getByTestId("passkeys")
          .getByText(/Clé d'accès de Chrome/)
          .waitFor();

        const section = await openLockSettings(page);
        await section.getByRole("radio", { name: "Ma clé d'accès" }).check();
        await section.getByRole("button", { name: "Enregistrer" }).click();
        await section
          .getByTestId("lock-status")
          .getByText("Verrouillage après 1 min sans activité, déverrouillage par clé d'accès.")
          .waitFor();

        await section.getByRole("button", { name: "Verrouiller maintenant" }).click();
        await lockDialog(page).getByRole("button", { name: "Déverrouiller avec ma clé d'accès" }).click();
        await lockDialog(page).waitFor({ state: "detached" });
        await page.getByRole("heading", { name: "Profil et sécurité", level: 1 }).waitFor();

        // Without that passkey on the device, the lock stays and says why.
        await cdp.send("WebAuthn.clearCredentials", { authenticatorId });
        await page.getByRole("button", { name: "Verrouiller maintenant" }).click();
        await lockDialog(page).getByRole("button", { name: "Déverrouiller avec ma clé d'accès" }).click();
        await lockDialog(page)
          .getByRole("alert")
          .filter({ hasText: "La clé d'accès n'a pas été utilisée" })
          .waitFor();

        // "Se déconnecter" is there on the lock screen too, and wipes like the profile's.
        await lockDialog(page).getByRole("button", { name: "Se déconnecter" }).click();
        await page.getByText("Vous êtes déconnecté").waitFor();
        assert.equal(await deviceStoreValues(page), 0, "logging out from the lock wiped the device");
      });
    });

    it("opens the safety code from a directory card and from the profile", async (t) => {
      devices.push(await connectDevice(suite.server, bob, { deviceName: "Téléphone de Clémence" }));
      await suite.inBrowser(t, "safety-links", async (page) => {
        await logInWithTotp(suite, page, alice);
        await page.getByRole("navigation").getByRole("link", { name: "Annuaire" }).click();
        await page.getByLabel("Nom, profession, spécialité, commune…").fill("bonnet");
        const card = page.getByTestId("directory-result").filter({ hasText: "BONNET" });
        await card.getByRole("button", { name: /^Code de sécurité avec / }).click();
        await page.getByRole("heading", { name: /^Code de sécurité avec .*BONNET/i, level: 1 }).waitFor();
        const digits = await page.getByTestId("safety-code").getAttribute("data-digits");
        assert.match(digits ?? "", /^\d{60}$/);

        // The profile lists the people of one's conversations, each with a link to the code.
        const bobDevice = devices[0]!;
        await bobDevice.openDirect(alice.userId);
        await page.goto(`${suite.origin}/profil`);
        const contacts = page.getByRole("region", { name: "Vérifier un confrère" });
        await contacts.getByRole("link", { name: "Code de sécurité avec Dr Clémence Bonnet" }).click();
        await page
          .getByRole("heading", { name: "Code de sécurité avec Dr Clémence Bonnet", level: 1 })
          .waitFor();
        assert.equal(await page.getByTestId("safety-code").getAttribute("data-digits"), digits);
      });
    });

    it("says in the chat when a colleague's safety code changes with a new device", async (t) => {
      const bobFirst = devices[0] ?? (await connectDevice(suite.server, bob));
      if (!devices.includes(bobFirst)) devices.push(bobFirst);
      const conversationId = await bobFirst.openDirect(alice.userId);
      // Written before Alice's browser existed: encrypted for the devices of that moment only.
      await bobFirst.sendText(conversationId, "Compte rendu d'hier en pièce jointe");
      await suite.inBrowser(t, "new-device", async (page) => {
        await logInWithTotp(suite, page, alice);
        // Signed in (the session saved) before the address changes.
        await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).waitFor();
        await page.goto(`${suite.origin}/conversations/${conversationId}`);
        await page.getByRole("heading", { name: "Dr Clémence Bonnet", level: 1 }).waitFor();
        // The notice has looked once: Bob's devices as they are now are taken as known (trust on first use).
        await page.locator(".new-device-notices:not([data-checks='0'])").waitFor({ state: "attached" });
        assert.equal(
          await page.getByTestId("new-device-notice").count(),
          0,
          "no notice for devices seen first",
        );
        // The chat says why this device has nothing of it, rather than an unexplained blank.
        await page.getByTestId("empty-log").filter({ hasText: "Aucun message sur cet appareil." }).waitFor();
        assert.equal(await page.getByText("Compte rendu d'hier").count(), 0);
        // A message written offline waits on the device: the log is no longer empty, the hint goes.
        await page.context().setOffline(true);
        const composer = page.getByLabel("Votre message");
        await composer.fill("Bien reçu, je regarde ce soir");
        await composer.press("Enter");
        await page
          .locator('[data-testid="message"][data-state="queued"]')
          .filter({ hasText: "Bien reçu, je regarde ce soir" })
          .waitFor();
        assert.equal(
          await page.getByTestId("empty-log").count(),
          0,
          "no empty-log hint beside a queued message",
        );
        await page.context().setOffline(false);
        await page
          .locator('[data-testid="message"].mine:not([data-state="queued"])')
          .filter({ hasText: "Bien reçu, je regarde ce soir" })
          .waitFor();

        // Bob logs in on a second device; his first device brings it (and Alice's browser, if it was
        // not in yet) into the group: the commit or the Welcome makes the chat look again.
        const bobSecond = await connectDevice(suite.server, bob, { deviceName: "Poste du cabinet" });
        devices.push(bobSecond);
        await bobFirst.sync();
        const notice = page.getByTestId("new-device-notice");
        await notice
          .getByText("Le code de sécurité de Dr Clémence Bonnet a changé : nouvel appareil.")
          .waitFor();
        await notice.getByRole("link", { name: "Vérifier" }).click();
        await page
          .getByRole("heading", { name: "Code de sécurité avec Dr Clémence Bonnet", level: 1 })
          .waitFor();
        // Acknowledged: back in the chat, the notice is gone.
        await page.goto(`${suite.origin}/conversations/${conversationId}`);
        await page.getByRole("heading", { name: "Dr Clémence Bonnet", level: 1 }).waitFor();
        await page.locator(".new-device-notices:not([data-checks='0'])").waitFor({ state: "attached" });
        assert.equal(await page.getByTestId("new-device-notice").count(), 0);
      });
    });
  });
}
