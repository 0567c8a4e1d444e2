// Issue 6's care workflows in Debian's Chromium: a patient case opened with the patient's consent,
// its header on a message, found by an accent-insensitive search, exported as PDF and FHIR, and a
// colleague from outside the care team added only after the consent is confirmed; an urgent
// message both ways with its acknowledgement; the availability status and working hours; a
// service's on-call schedule edited by its establishment's administrator. The
// other doctor is a real SDK device in this process. Skips itself, saying so, without
// /usr/bin/chromium.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it, test } from "node:test";
import { eventually, type TestUser } from "@confrere/dev-env";
import { computeInsKey } from "@confrere/protocol";
import { CaseBook } from "@confrere/sdk";
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

/** Fixture professional: ROBERT Léa (sage-femme), outside the case's care team. */
const ROBERT = "810434640974";
/** A fixture establishment's FINESS (the directory's fictional clinic). */
const FINESS = "894971837";
/** A fictional NIR (woman born in December 1984 in Paris) with its key. */
const NIR = "2841275056012";
const INS = `${NIR}${computeInsKey(NIR)}`;
/** The direct conversation with Bob in the list (a group's fallback title also starts with his name). */
const DIRECT_WITH_BOB = /^Dr Clémence Bonnet(?!,)/;
const WRONG_KEY_INS = `${NIR}${computeInsKey(NIR) === "00" ? "01" : "00"}`;

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent("download"), click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), bytes: fs.readFileSync(file) };
}

if (!hasChromium) {
  test("care workflows in Chromium", (t) => {
    t.skip(noChromiumReason);
  });
} else {
  describe("care workflows in Chromium: patient cases, urgent messages, availability", {
    timeout: 300_000,
  }, () => {
    let suite: BrowserSuite;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;

    before(async () => {
      suite = await startBrowserSuite();
      await importDirectoryFixture(suite);
      const operator = await suite.server.createUser({ operator: true, verified: true, name: "Opératrice" });
      alice = await suite.server.createUser({ verified: true, name: "Dr Léa Leroy" });
      bob = await suite.server.createUser({ verified: true, name: "Dr Clémence Bonnet" });
      carol = await linkedUser(suite, operator, ROBERT, "Léa Robert");
    });
    after(async () => {
      await suite?.close();
    });

    it("opens a case with consent, shows its header, finds it, exports it and adds a colleague", async (t) => {
      await suite.inBrowser(t, "care-case", async (page) => {
        // Alice's browser device exists before the group, so it is committed into it.
        await logInWithTotp(suite, page, alice);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        const bobDevice = await suite.device(bob);
        const carolDevice = await suite.device(carol);
        const groupId = await bobDevice.createGroup("RCP cardiologie", [alice.userId]);
        await bobDevice.setMemberRole(groupId, alice.userId, "admin");
        await bobDevice.sendText(groupId, "Bonjour, un avis sur une patiente ?");

        // Opened from the list, as a person does (no reload while the device joins the group).
        await page.getByRole("link", { name: /RCP cardiologie/ }).click();
        await page.getByRole("heading", { name: "RCP cardiologie", level: 1 }).waitFor();
        await page.getByRole("log").getByText("Bonjour, un avis sur une patiente ?").waitFor();

        // The form: the INS and its five strict traits, the title, the consent.
        await page.getByRole("button", { name: "Ouvrir un dossier patient" }).click();
        await page.getByRole("heading", { name: "Ouvrir un dossier patient", level: 2 }).waitFor();
        await page.getByLabel(/^INS \(NIR ou NIA\)/).fill(WRONG_KEY_INS);
        await page.getByLabel(/^Nom de naissance/).fill("Lefèvre");
        await page.getByLabel(/^Prénoms de naissance/).fill("Élodie Marie");
        await page.getByLabel(/^Sexe/).selectOption("F");
        await page.getByLabel(/^Date de naissance/).fill("1984-12-03");
        await page.getByLabel(/^Code du lieu de naissance/).fill("75056");
        await page.getByLabel(/^Titre du dossier/).fill("Avis préopératoire");
        await page.getByRole("button", { name: "Ouvrir le dossier" }).click();
        // The INS's key is checked on the device, and the error shows next to the field.
        const insField = page.getByLabel(/^INS \(NIR ou NIA\)/);
        await page.getByText("Cette INS n'est pas valide : vérifiez les 15 caractères et la clé.").waitFor();
        assert.equal(await insField.getAttribute("aria-invalid"), "true");
        await insField.fill(INS);
        await page.getByRole("button", { name: "Ouvrir le dossier" }).click();
        await page.getByText("Indiquez si le patient a été informé, a consenti ou a refusé.").waitFor();
        await page.getByLabel("Consentement recueilli").check();
        await snap(page, "care-open-case");
        await page.getByRole("button", { name: "Ouvrir le dossier" }).click();
        await page
          .getByTestId("case-opened")
          .filter({ hasText: "Dossier patient ouvert : LEFÈVRE Élodie Marie (Consentement recueilli)" })
          .waitFor();

        // The composer now writes in the case; the message carries the case's header.
        await page.getByTestId("compose-in-case").filter({ hasText: "LEFÈVRE Élodie Marie" }).waitFor();
        const composer = page.getByLabel("Votre message");
        await composer.fill("Bilan reçu, ECG normal.");
        await composer.press("Enter");
        const inCase = page
          .locator('[data-testid="message"].mine')
          .filter({ hasText: "Bilan reçu, ECG normal." });
        await inCase.waitFor();
        await inCase.getByTestId("case-tag").filter({ hasText: "Dossier LEFÈVRE Élodie Marie" }).waitFor();
        await snap(page, "care-case-message");
        // Bob's device reads the same case from the encrypted messages.
        const bobBook = new CaseBook(bobDevice);
        const [bobCase] = await eventually(async () => {
          const found = await bobBook.search("lefevre");
          return found.length ? found : null;
        }, "the case on Bob's device");
        assert.equal(bobCase?.patient.kind === "ins" && bobCase.patient.ins, INS);
        await eventually(
          async () =>
            (await bobBook.messages(bobCase!.caseId)).some(
              (m) => m.content.type === "text" && m.content.text === "Bilan reçu, ECG normal.",
            ),
          "the message in the case on Bob's device",
        );

        // The cases screen: an on-device search that ignores accents and case.
        await page.getByRole("link", { name: "Dossiers", exact: true }).click();
        await page.getByRole("heading", { name: "Dossiers patients", level: 1 }).waitFor();
        const search = page.getByLabel(/^Rechercher un dossier/);
        await search.fill("dupont");
        await page.getByText("Aucun dossier ne correspond à cette recherche.").waitFor();
        await search.fill("lefevre ELODIE");
        const item = page.getByTestId("case-item").filter({ hasText: "LEFÈVRE Élodie Marie" });
        await item.waitFor();
        await snap(page, "care-cases");
        await item.getByRole("link").click();
        await page.getByRole("heading", { name: "Dossier · LEFÈVRE Élodie Marie", level: 1 }).waitFor();
        await page.getByTestId("case-ins").filter({ hasText: INS }).waitFor();
        await page.getByTestId("case-message").filter({ hasText: "Bilan reçu, ECG normal." }).waitFor();

        // Exports made in the browser: a PDF, and a FHIR Bundle whose Patient carries the INS.
        const pdf = await downloaded(page, () =>
          page.getByRole("button", { name: "Exporter en PDF" }).click(),
        );
        assert.equal(pdf.bytes.subarray(0, 5).toString("latin1"), "%PDF-");
        assert.match(pdf.name, /^dossier-LEFEVRE-Elodie-Marie-\d{4}-\d{2}-\d{2}\.pdf$/);
        const fhir = await downloaded(page, () =>
          page.getByRole("button", { name: "Exporter en FHIR (JSON)" }).click(),
        );
        const bundle = JSON.parse(fhir.bytes.toString("utf8")) as {
          resourceType: string;
          entry: { resource: { resourceType: string; identifier?: { value: string }[] } }[];
        };
        assert.equal(bundle.resourceType, "Bundle");
        const patient = bundle.entry.find((e) => e.resource.resourceType === "Patient")?.resource;
        assert.ok(
          patient?.identifier?.some((i) => i.value === INS),
          "the Patient carries the INS",
        );

        // A sage-femme outside the care team: the patient's consent is asked before she joins.
        await page.getByLabel("Rechercher un confrère dans l'Annuaire").fill("robert léa");
        await page.getByRole("button", { name: "Rechercher", exact: true }).click();
        await page.getByRole("button", { name: /^Ajouter .*Léa ROBERT$/ }).click();
        await page.getByRole("button", { name: "Ajouter au dossier" }).click();
        const consentCheck = page.getByTestId("consent-check");
        await consentCheck
          .filter({ hasText: /Hors de l'équipe de soins de ce patient : .*Léa ROBERT\./ })
          .waitFor();
        await page.getByRole("button", { name: "Confirmer et ajouter" }).click();
        await page
          .getByText("Indiquez si le patient a été informé ou a consenti avant d'ajouter ce confrère.")
          .waitFor();
        await page.getByLabel("Le patient a donné son consentement").check();
        await page.getByRole("button", { name: "Confirmer et ajouter" }).click();
        await page.getByText("1 confrère ajouté au dossier.").waitFor();
        const conversation = await eventually(async () => {
          const { conversation } = await bob.api.conversation(groupId);
          return conversation.members.some((m) => m.userId === carol.userId) ? conversation : null;
        }, "Carol in the case's conversation");
        assert.ok(conversation);
        // The consent record went, encrypted, before she joined: the case's team now includes her.
        await eventually(
          async () => (await bobBook.careTeam(bobCase!.caseId)).has(carol.userId),
          "Carol in the care team, with the consent recorded",
        );
        void carolDevice;
        await snap(page, "care-case-detail");

        // From the case, a télé-expertise request starts with the case chosen.
        await page.getByRole("link", { name: "Demander une télé-expertise" }).click();
        await page.getByRole("heading", { name: "Nouvelle demande de télé-expertise", level: 1 }).waitFor();
        // The device's cases load after the form shows: the choice is made once its option is there.
        const casePicker = page.getByLabel("Dossier patient");
        await casePicker.locator(`option[value="${bobCase!.caseId}"]`).waitFor({ state: "attached" });
        assert.equal(await casePicker.inputValue(), bobCase!.caseId);
        await page.goBack();
        await page.getByRole("link", { name: "Écrire dans ce dossier" }).waitFor();

        // From the case, "Écrire dans ce dossier" opens the conversation with the composer in the case.
        await page.getByRole("link", { name: "Écrire dans ce dossier" }).click();
        await page.getByRole("heading", { name: "RCP cardiologie", level: 1 }).waitFor();
        await page.getByTestId("compose-in-case").filter({ hasText: "LEFÈVRE Élodie Marie" }).waitFor();
        await composer.fill("Échographie prévue demain.");
        await composer.press("Enter");
        await page
          .locator('[data-testid="message"].mine')
          .filter({ hasText: "Échographie prévue demain." })
          .getByTestId("case-tag")
          .filter({ hasText: "Dossier LEFÈVRE Élodie Marie" })
          .waitFor();
      });
    });

    it("marks a message urgent and keeps it on screen until it is acknowledged", async (t) => {
      await suite.inBrowser(t, "care-urgent", async (page) => {
        await logInWithTotp(suite, page, alice);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        const bobDevice = await suite.device(bob);
        const directId = await bobDevice.openDirect(alice.userId);
        await bobDevice.sendText(directId, "Bonjour");
        await page.getByRole("link", { name: DIRECT_WITH_BOB }).click();
        await page.getByRole("heading", { name: "Dr Clémence Bonnet", level: 1 }).waitFor();
        await page.getByRole("log").getByText("Bonjour", { exact: true }).waitFor();

        // Bob's urgent message: marked in the conversation, and a banner until "J'ai vu".
        await bobDevice.sendText(directId, "Patiente instable, rappelez-moi.", { urgent: true });
        const urgentMessage = page
          .locator('[data-testid="message"].theirs')
          .filter({ hasText: "Patiente instable, rappelez-moi." });
        await urgentMessage.getByTestId("urgent-mark").waitFor();
        const banner = page
          .getByTestId("urgent-alert")
          .filter({ hasText: "Message urgent de Dr Clémence Bonnet" });
        await banner.filter({ hasText: "Patiente instable" }).waitFor();
        await snap(page, "care-urgent-banner");
        // Still there on another screen: it stays until acknowledged.
        await page.getByRole("link", { name: "Dossiers", exact: true }).click();
        await page.getByRole("heading", { name: "Dossiers patients", level: 1 }).waitFor();
        await banner.waitFor();
        await banner.getByRole("button", { name: /^J'ai vu/ }).click();
        await banner.waitFor({ state: "detached" });
        const { alerts } = await alice.api.urgentAlerts();
        assert.equal(
          alerts.filter((a) => a.acknowledgedAt === null).length,
          0,
          "nothing left to acknowledge",
        );

        // Alice's urgent message: the switch, then Bob's device sees it urgent with an alert to acknowledge.
        await page.getByRole("link", { name: "Messages", exact: true }).click();
        await page.getByRole("link", { name: DIRECT_WITH_BOB }).click();
        await page.getByRole("heading", { name: "Dr Clémence Bonnet", level: 1 }).waitFor();
        await page.getByLabel("Urgent", { exact: true }).check();
        await page.getByRole("button", { name: "Envoyer en urgence" }).waitFor();
        const composer = page.getByLabel("Votre message");
        await composer.fill("J'arrive, je la vois dans 5 minutes.");
        await composer.press("Enter");
        await page
          .locator('[data-testid="message"].mine')
          .filter({ hasText: "J'arrive, je la vois dans 5 minutes." })
          .getByTestId("urgent-mark")
          .waitFor();
        // One-shot: the next message is not urgent unless asked again.
        assert.equal(await page.getByLabel("Urgent", { exact: true }).isChecked(), false);
        const received = await eventually(async () => {
          const messages = await bobDevice.messages(directId);
          return messages.find(
            (m) => m.content.type === "text" && m.content.text === "J'arrive, je la vois dans 5 minutes.",
          );
        }, "the urgent message on Bob's device");
        assert.equal(received.content.type === "text" && received.content.urgent, true);
        const alert = await eventually(async () => {
          const { alerts: pending } = await bobDevice.api.urgentAlerts();
          return pending.find((a) => a.conversationId === directId && a.seq === received.seq);
        }, "Bob's alert for Alice's urgent message");
        assert.equal(alert.senderId, alice.userId);
        const acknowledged = await bobDevice.api.acknowledgeUrgent(alert.id);
        assert.ok(acknowledged.acknowledgedAt);
      });
    });

    it("sets the availability and working hours, and shows a colleague's status", async (t) => {
      await suite.inBrowser(t, "care-availability", async (page) => {
        await logInWithTotp(suite, page, alice);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await page.getByRole("link", { name: "Profil et sécurité" }).click();
        const section = page.getByRole("region", { name: "Disponibilité" });
        await section.getByRole("radio", { name: "En consultation" }).check();
        await section.getByRole("checkbox", { name: "Lundi" }).check();
        await section.getByLabel("Lundi, début de la plage 1").fill("08:00");
        await section.getByLabel("Lundi, fin de la plage 1").fill("12:00");
        await section.getByLabel("Lundi, début de la plage 2").fill("14:00");
        await section.getByLabel("Lundi, fin de la plage 2").fill("18:30");
        await section.getByRole("checkbox", { name: "Mercredi" }).check();
        await snap(page, "care-availability");
        await section.getByRole("button", { name: "Enregistrer ma disponibilité" }).click();
        await section.getByText("Disponibilité enregistrée.").waitFor();
        const mine = await alice.api.availability();
        assert.equal(mine.status, "in_consultation");
        assert.deepEqual(mine.workingHours, {
          mon: [
            { start: "08:00", end: "12:00" },
            { start: "14:00", end: "18:30" },
          ],
          wed: [{ start: "08:30", end: "12:30" }],
        });
        const bobDevice = await suite.device(bob);
        assert.equal((await bobDevice.api.colleagueAvailability(alice.userId)).status, "in_consultation");

        // Bob is on call: his status shows under his name in the conversation.
        await bobDevice.api.setAvailability({ status: "on_call" });
        await bobDevice.openDirect(alice.userId);
        await page.getByRole("link", { name: "Messages", exact: true }).click();
        await page.getByRole("link", { name: DIRECT_WITH_BOB }).click();
        await page.getByRole("heading", { name: "Dr Clémence Bonnet", level: 1 }).waitFor();
        await page.getByTestId("colleague-availability").filter({ hasText: "De garde" }).waitFor();
      });
    });

    it("lets an establishment's administrator plan a service's on-call shifts and escalation", async (t) => {
      const operator = await suite.server.createUser({ operator: true, verified: true, name: "Opérateur 2" });
      const { organisation } = await operator.api.createOrganisation({
        kind: "establishment",
        finess: FINESS,
      });
      await operator.api.addOrganisationAdmin(organisation.id, alice.userId);
      const { service } = await alice.api.createService(organisation.id, "Cardiologie");
      const { service: backup } = await alice.api.createService(organisation.id, "Urgences");
      await alice.api.addToServiceRoster(service.id, bob.userId);
      await suite.inBrowser(t, "care-on-call", async (page) => {
        await logInWithTotp(suite, page, alice);
        await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
        await page.goto(`${suite.origin}/organisations/${organisation.id}`);
        await page.getByRole("button", { name: "Gérer le service Cardiologie" }).click();
        const onCall = page.getByTestId("on-call");
        await onCall.getByText("Aucune garde prévue.").waitFor();
        await onCall.getByLabel("Membre de garde").selectOption({ label: "Dr Clémence Bonnet" });
        await onCall.getByLabel(/^Début/).fill("2030-01-07T08:00");
        await onCall.getByLabel(/^Fin/).fill("2030-01-08T08:00");
        await onCall.getByRole("button", { name: "Ajouter la garde" }).click();
        await onCall.getByText("Garde de Dr Clémence Bonnet ajoutée.").waitFor();
        await onCall.getByTestId("on-call-shift").filter({ hasText: "Dr Clémence Bonnet" }).waitFor();
        await onCall.getByLabel(/^Délai d'escalade/).fill("15");
        await onCall.getByLabel("Service de secours").selectOption({ label: "Urgences" });
        await onCall.getByRole("button", { name: "Enregistrer l'escalade" }).click();
        await onCall.getByText("Escalade enregistrée.").waitFor();
        await snap(page, "care-on-call");
        const schedule = await alice.api.onCallSchedule(service.id);
        assert.equal(schedule.escalationMinutes, 15);
        assert.equal(schedule.backupServiceId, backup.id);
        assert.deepEqual(
          schedule.shifts.map((s) => s.userId),
          [bob.userId],
        );
        assert.equal(schedule.shifts[0]!.end - schedule.shifts[0]!.start, 24 * 3_600_000);

        await onCall.getByRole("button", { name: /^Retirer la garde de Dr Clémence Bonnet/ }).click();
        await onCall.getByText("Garde de Dr Clémence Bonnet retirée.").waitFor();
        await onCall.getByText("Aucune garde prévue.").waitFor();
        assert.equal((await alice.api.onCallSchedule(service.id)).shifts.length, 0);
      });
    });
  });
}
