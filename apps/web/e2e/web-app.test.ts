// The web app in Debian's Chromium, driven as a person would: type, click, read the screen.
// Boots the real server (fresh database) with the built app; needs /usr/bin/chromium
// (`apt-get install -y chromium`, which .ci/run does) and skips itself, saying so, without it.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { TestServer } from "@confrere/dev-env";
import type { Page } from "playwright-core";
import {
  type BrowserSuite,
  hasChromium,
  noChromiumReason,
  passwordInput,
  snap,
  startBrowserSuite,
  WEB,
} from "./browser.ts";

const PASSWORD = "Une phrase de passe pour Confrère";

if (!hasChromium) {
  test("web app in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("web app in Chromium", { timeout: 300_000 }, () => {
    let suite: BrowserSuite;
    let server: TestServer;
    let origin: string;

    before(async () => {
      suite = await startBrowserSuite();
      server = suite.server;
      origin = suite.origin;
    });

    after(async () => {
      await suite?.close();
    });

    const inBrowser: BrowserSuite["inBrowser"] = (...args) => suite.inBrowser(...args);
    const mailTo: BrowserSuite["mailTo"] = (...args) => suite.mailTo(...args);

    async function logIn(page: Page, email: string, password: string) {
      await page.goto(`${origin}/connexion`);
      await page.getByLabel("Adresse e-mail").fill(email);
      await passwordInput(page, "Mot de passe").fill(password);
      await page.getByRole("button", { name: "Se connecter" }).click();
    }

    async function logInWithTotp(page: Page, email: string, password: string, secret: string) {
      await logIn(page, email, password);
      await page.getByRole("heading", { name: "Double authentification" }).waitFor();
      await page.getByLabel("Code à 6 chiffres").fill(server.totp(secret));
      await page.getByRole("button", { name: "Valider" }).click();
    }

    it("first load stays under 200 KB of compressed JavaScript (the MLS code is a later chunk)", () => {
      const dist = path.join(WEB, "dist");
      const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
      const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
      assert.ok(scripts.length > 0);
      const gzipped = scripts.reduce(
        (sum, file) => sum + gzipSync(fs.readFileSync(path.join(dist, file))).length,
        0,
      );
      assert.ok(gzipped < 200 * 1024, `first-load JavaScript is ${gzipped} bytes gzipped`);
      assert.ok(
        scripts.every((file) => !fs.readFileSync(path.join(dist, file), "utf8").includes("ts-mls")),
        "no MLS code in the first load",
      );
    });

    it("sign up, confirm the e-mail, enrol TOTP, manage sessions, log out, log in with a recovery code", async (t) => {
      const email = "dr.martin@cabinet.test";
      let secret = "";
      let codes: string[] = [];
      await inBrowser(t, "accounts", async (page) => {
        await page.goto(`${origin}/inscription`);
        assert.equal(await page.locator("html").getAttribute("lang"), "fr");
        await page.getByLabel("Adresse e-mail").fill(email);
        await page.getByLabel("Nom affiché").fill("Dr Claire Martin");
        // The server's rules, answered with its error codes and shown in French.
        await passwordInput(page, "Mot de passe").fill("court");
        await page.getByRole("button", { name: "Créer mon compte" }).click();
        await page.getByRole("alert").filter({ hasText: "au moins 12 caractères" }).waitFor();
        await passwordInput(page, "Mot de passe").fill("password1234");
        await page.getByRole("button", { name: "Créer mon compte" }).click();
        await page.getByRole("alert").filter({ hasText: "plus courants" }).waitFor();
        await snap(page, "register-common-password");
        await passwordInput(page, "Mot de passe").fill(PASSWORD);
        await page.getByRole("button", { name: "Créer mon compte" }).click();
        await page.getByRole("heading", { name: "Vérifiez votre boîte e-mail" }).waitFor();

        // The link from the e-mail opens the app's own screen, which confirms the address.
        const token = await mailTo(email, /./);
        await page.goto(`${origin}/verifier-email?token=${token}`);
        await page.getByText(`Votre adresse ${email} est confirmée`).waitFor();
        assert.ok(!page.url().includes("token="), "the one-time token is removed from the address bar");
        await page.getByRole("link", { name: "Se connecter" }).click();

        // First login: the second factor must be set up before anything else.
        await page.getByLabel("Adresse e-mail").fill(email);
        await passwordInput(page, "Mot de passe").fill(PASSWORD);
        await page.getByRole("button", { name: "Se connecter" }).click();
        await page.getByRole("heading", { name: "Activer la double authentification" }).waitFor();
        await page.getByRole("button", { name: /Application d'authentification/ }).click();
        const qr = page.getByRole("img", { name: /QR code/ });
        await qr.waitFor();
        assert.match((await qr.getAttribute("src")) ?? "", /^data:image\/svg\+xml;/);
        secret = (await page.getByTestId("totp-secret").getAttribute("data-secret")) ?? "";
        assert.match(secret, /^[A-Z2-7]{16,}$/);
        await snap(page, "enrol-totp");
        await page.getByLabel("Code à 6 chiffres").fill(server.totp(secret));
        await page.getByRole("button", { name: "Activer" }).click();

        // Ten recovery codes, and no way on before saying they are saved.
        await page.getByRole("heading", { name: "Double authentification activée", level: 1 }).waitFor();
        codes = await page.getByRole("list", { name: "Codes de secours" }).locator("code").allTextContents();
        assert.equal(codes.length, 10);
        await snap(page, "recovery-codes");
        const next = page.getByRole("button", { name: "Continuer" });
        assert.equal(await next.isDisabled(), true);
        await page.getByLabel("J'ai conservé ces codes en lieu sûr").check();
        await next.click();
        await page
          .getByText("La messagerie est réservée aux professionnels dont l'identité est vérifiée")
          .waitFor();

        // At rest, the device store holds only ciphertext, under a key scripts can use but not read.
        const atRest = await readDeviceStore(page);
        assert.ok(atRest.values.length >= 2, "the session and the account are stored");
        assert.ok(atRest.values.every((v) => !v.includes(email) && !v.includes("token")));
        assert.deepEqual(atRest.key, { type: "secret", extractable: false, algorithm: "AES-GCM" });

        // Profile: this device is listed; a session opened elsewhere can be closed from here.
        const other = server.client();
        const step = await other.login({ email, password: PASSWORD, deviceName: "Poste du secrétariat" });
        assert.equal(step.status, "second_factor_required");
        if (step.status === "second_factor_required")
          await other.loginTotp(step.challengeToken, server.totp(secret));
        await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).click();
        await page.getByRole("heading", { name: "Profil et sécurité", level: 1 }).waitFor();
        assert.equal(await page.getByTestId("account-state").textContent(), "Actif, identité à vérifier");
        const devices = page.getByTestId("device");
        await devices.filter({ hasText: "Poste du secrétariat" }).waitFor();
        assert.equal(await devices.count(), 2);
        await devices.filter({ hasText: "cet appareil" }).waitFor();
        await page
          .getByRole("button", { name: /^Déconnecter la session .* sur Poste du secrétariat$/ })
          .click();
        await page.getByText("La session est fermée.").waitFor();
        await assert.rejects(other.me(), (error: { code?: string }) => error.code === "AUTH_REQUIRED");
        await page.getByText("10 codes de secours restants").waitFor();
        await snap(page, "profile");
        const events = page.getByTestId("event");
        await events.filter({ hasText: "Application d'authentification activée" }).first().waitFor();

        // English is one switch away; dates and texts follow.
        await page.getByLabel("Langue").first().selectOption("en");
        await page.getByRole("heading", { name: "Profile and security", level: 1 }).waitFor();
        assert.equal(await page.locator("html").getAttribute("lang"), "en");
        await page.getByLabel("Language").first().selectOption("fr");
        await page.getByRole("heading", { name: "Profil et sécurité", level: 1 }).waitFor();

        // Logging out wipes the device: a reload does not come back signed in.
        await page
          .getByRole("region", { name: "Déconnexion" })
          .getByRole("button", { name: "Se déconnecter", exact: true })
          .click();
        await page.getByText("Vous êtes déconnecté").waitFor();
        assert.deepEqual((await readDeviceStore(page)).values, [], "logging out wiped the device store");
        await page.goto(`${origin}/profil`);
        await page.getByRole("heading", { name: "Connexion" }).waitFor();

        // A recovery code replaces the phone once.
        await logIn(page, email, PASSWORD);
        await page.getByRole("radio", { name: "Code de secours" }).check();
        await page.getByRole("textbox", { name: "Code de secours" }).fill(codes[0]!);
        await page.getByRole("button", { name: "Valider" }).click();
        await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).click();
        await page.getByText("9 codes de secours restants").waitFor();
      });
    });

    it("enrols a passkey and logs in with it (Chromium's virtual authenticator)", async (t) => {
      const email = "dr.passkey@clinique.test";
      const api = server.client();
      await api.register({ email, password: PASSWORD, displayName: "Dr Paul Clé" });
      await api.verifyEmail(await mailTo(email, /./));
      await inBrowser(t, "passkey", async (page, context) => {
        const cdp = await context.newCDPSession(page);
        await cdp.send("WebAuthn.enable");
        await cdp.send("WebAuthn.addVirtualAuthenticator", {
          options: {
            protocol: "ctap2",
            transport: "internal",
            hasResidentKey: true,
            hasUserVerification: true,
            isUserVerified: true,
            automaticPresenceSimulation: true,
          },
        });
        await logIn(page, email, PASSWORD);
        await page.getByRole("button", { name: /Clé d'accès/ }).click();
        await page.getByRole("button", { name: "Créer la clé d'accès" }).click();
        await page.getByRole("heading", { name: "Vos codes de secours" }).waitFor();
        await page.getByLabel("J'ai conservé ces codes en lieu sûr").check();
        await page.getByRole("button", { name: "Continuer" }).click();
        await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).click();
        await page
          .getByTestId("passkeys")
          .getByText(/Clé d'accès de Chrome/)
          .waitFor();
        await page.getByRole("banner").getByRole("button", { name: "Se déconnecter" }).click();

        await logIn(page, email, PASSWORD);
        await page.getByRole("heading", { name: "Double authentification" }).waitFor();
        assert.equal(await page.getByRole("radio", { name: "Clé d'accès" }).isChecked(), true);
        await page.getByRole("button", { name: "Utiliser ma clé d'accès" }).click();
        await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).waitFor();
      });
    });

    it("resets a forgotten password with the e-mailed link and the second factor", async (t) => {
      const user = await server.createUser({ name: "Dr Oubli" });
      const fresh = "Un nouveau mot de passe bien long";
      await inBrowser(t, "password-reset", async (page) => {
        await page.goto(`${origin}/connexion`);
        await page.getByRole("link", { name: "Mot de passe oublié ?" }).click();
        await page.getByLabel("Adresse e-mail").fill(user.email);
        await page.getByRole("button", { name: "Envoyer le lien" }).click();
        await page.getByText(`Si un compte confirmé utilise l'adresse ${user.email}`).waitFor();
        await page.goto(`${origin}/nouveau-mot-de-passe?token=${await mailTo(user.email, /./)}`);
        await passwordInput(page, "Nouveau mot de passe").fill(fresh);
        // A wrong code is refused with the server's reason, in French; the right one goes through.
        await page.getByLabel("Code à 6 chiffres").fill("000000");
        await page.getByRole("button", { name: "Changer le mot de passe" }).click();
        await page.getByRole("alert").filter({ hasText: "second facteur est incorrect" }).waitFor();
        await page.getByLabel("Code à 6 chiffres").fill(server.totp(user.totpSecret));
        await page.getByRole("button", { name: "Changer le mot de passe" }).click();
        await page.getByText("Votre mot de passe est changé").waitFor();
        await logInWithTotp(page, user.email, fresh, user.totpSecret);
        await page.getByRole("navigation").getByRole("link", { name: "Profil et sécurité" }).waitFor();
      });
    });

    it("first operator from the setup link, verifies a colleague's identity", async (t) => {
      const setupLink = server.server.setupLink;
      assert.ok(setupLink, "a fresh installation prints a setup link");
      const colleague = await server.createUser({ name: "Dr Inès Vérif" });
      await inBrowser(t, "operator", async (page) => {
        await page.goto(setupLink.replace(/^https?:\/\/[^/]+/, origin));
        await page.getByLabel("Adresse e-mail").fill("operateur@confrere.test");
        await page.getByLabel("Nom affiché").fill("Opératrice");
        await passwordInput(page, "Mot de passe").fill(PASSWORD);
        await page.getByRole("button", { name: "Créer le compte opérateur" }).click();
        await page.getByText("Le compte opérateur est créé").waitFor();
        await page.getByRole("link", { name: "Se connecter" }).click();
        await page.getByLabel("Adresse e-mail").fill("operateur@confrere.test");
        await passwordInput(page, "Mot de passe").fill(PASSWORD);
        await page.getByRole("button", { name: "Se connecter" }).click();
        await page.getByRole("button", { name: /Application d'authentification/ }).click();
        const secret = (await page.getByTestId("totp-secret").getAttribute("data-secret")) ?? "";
        await page.getByLabel("Code à 6 chiffres").fill(server.totp(secret));
        await page.getByRole("button", { name: "Activer" }).click();
        await page.getByLabel("J'ai conservé ces codes en lieu sûr").check();
        await page.getByRole("button", { name: "Continuer" }).click();

        await page.getByRole("navigation").getByRole("link", { name: "Opérateur" }).click();
        await page.getByLabel("Rechercher par e-mail ou nom").fill(colleague.email);
        await page.getByRole("button", { name: "Rechercher" }).click();
        await page.getByRole("button", { name: "Vérifier l'identité de Dr Inès Vérif" }).click();
        await page.getByLabel("Note").fill("RPPS vérifié");
        await page.getByRole("button", { name: "Confirmer la vérification" }).click();
        await page.getByText("L'identité de Dr Inès Vérif est vérifiée.").waitFor();
        await page
          .getByTestId("admin-user")
          .filter({ hasText: colleague.email })
          .getByRole("cell", { name: "Identité professionnelle vérifiée" })
          .waitFor();
        await page
          .getByTestId("event")
          .filter({ hasText: "Identité professionnelle vérifiée" })
          .first()
          .waitFor();
        await snap(page, "operator");
      });
      const { account } = await colleague.api.me();
      assert.equal(account.state, "verified");
    });

    it("two colleagues exchange messages, a photo and see ticks and typing (two browser profiles)", async (t) => {
      const alice = await server.createUser({ verified: true, name: "Dr Alice Cardio" });
      const bob = await server.createUser({ verified: true, name: "Dr Bob Généraliste" });
      await inBrowser(t, "messaging-alice", async (pageA) => {
        await inBrowser(
          t,
          "messaging-bob",
          async (pageB) => {
            // Each catch-up starts by asking for the device's Welcomes: the app's start makes one.
            const catchUpsA: string[] = [];
            pageA.on("request", (request) => {
              if (request.method() === "GET" && new URL(request.url()).pathname === "/api/v1/me/welcomes")
                catchUpsA.push(request.url());
            });
            await logInWithTotp(pageA, alice.email, alice.password, alice.totpSecret);
            await logInWithTotp(pageB, bob.email, bob.password, bob.totpSecret);
            // Both devices are ready (keys generated and announced) before Alice writes.
            await pageA.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
            await pageB.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
            await pageA.waitForLoadState("networkidle");
            assert.equal(catchUpsA.length, 1, "one catch-up at the start (the socket's)");

            await pageA.getByRole("button", { name: "Nouvelle conversation" }).click();
            await pageA.getByLabel("E-mail du confrère").fill(bob.email);
            await pageA.getByRole("button", { name: "Ouvrir la conversation" }).click();
            await pageA.getByRole("heading", { name: "Dr Bob Généraliste", level: 1 }).waitFor();
            await pageA.getByLabel("Votre message").fill("Bonjour, avez-vous un créneau pour Mme D. ?");
            await pageA.getByLabel("Votre message").press("Enter");
            const sentA = pageA.getByTestId("message").filter({ hasText: "avez-vous un créneau" });
            await sentA.waitFor();
            await pageA.getByText("Aujourd'hui").waitFor();

            // Bob: the conversation appears with an unread badge; opening it shows the message.
            await pageB.getByRole("link", { name: /Dr Alice Cardio/ }).click();
            await pageB.getByTestId("message").filter({ hasText: "avez-vous un créneau" }).waitFor();
            // Alice sees it read (an encrypted receipt from Bob's device).
            await sentA.and(pageA.locator('[data-state="read"]')).waitFor();
            await sentA.getByRole("img", { name: "Lu" }).waitFor();

            // Typing shows on the other side, then the answer arrives.
            await pageB.getByLabel("Votre message").pressSequentially("Oui, ", { delay: 20 });
            await pageA.getByText("Dr Bob Généraliste écrit…").waitFor();
            await pageB.getByLabel("Votre message").pressSequentially("demain 14 h.");
            await pageB.getByRole("button", { name: "Envoyer" }).click();
            await pageA.getByTestId("message").filter({ hasText: "Oui, demain 14 h." }).waitFor();

            // A photo: encrypted on Alice's device, shown by its thumbnail and downloaded by Bob.
            const png = fs.readFileSync(path.join(WEB, "public/icon-192.png"));
            await pageA
              .getByTestId("file-input")
              .setInputFiles({ name: "plaie-j3.png", mimeType: "image/png", buffer: png });
            await pageA.getByTestId("attachment").waitFor();
            const photo = pageB.getByRole("img", { name: "plaie-j3.png" });
            await photo.waitFor();
            const download = pageB.waitForEvent("download");
            await pageB.getByRole("button", { name: "Télécharger plaie-j3.png" }).click();
            const file = await download;
            assert.equal(file.suggestedFilename(), "plaie-j3.png");
            const saved = await file.path();
            assert.deepEqual(fs.readFileSync(saved), png);
            await snap(pageA, "chat-desktop");
            await snap(pageB, "chat-phone");
          },
          { width: 390, height: 844 },
        );
      });
    });
  });
}

/**
 * The raw content of the app's IndexedDB device store, read from inside the page. (No named
 * inner functions: tsx would wrap them in a helper that does not exist in the page.)
 */
function readDeviceStore(page: Page) {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open("confrere-device");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const [values, meta] = await Promise.all(
      ["values", "meta"].map(
        (name) =>
          new Promise<unknown[]>((resolve, reject) => {
            const request = db.transaction(name).objectStore(name).getAll();
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          }),
      ),
    );
    db.close();
    const key = (meta as CryptoKey[])[0];
    return {
      values: (values as Uint8Array[]).map((v) => new TextDecoder("latin1").decode(v)),
      key: key ? { type: key.type, extractable: key.extractable, algorithm: key.algorithm.name } : null,
    };
  });
}
