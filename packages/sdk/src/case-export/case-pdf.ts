import type { PDFFont, PDFPage } from "pdf-lib";
import type { CaseDossier } from "../cases.ts";

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

/** The standard PDF fonts speak WinAnsi: characters outside it are replaced, never a crash. */
function printable(text: string): string {
  return text
    .replace(/[\u202f\u00a0\u2009]/g, " ")
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[^\u0020-\u007e\u00a0-\u00ff€œŒ–—…•\n]/g, "?");
}

const date = (ms: number) =>
  new Intl.DateTimeFormat("fr-FR", {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: "Europe/Paris",
  }).format(new Date(ms));

const CONSENT_FR = { informed: "informé(e)", consented: "consentement recueilli", refused: "refus" } as const;

/**
 * The case as a PDF report for the patient record: patient, participants with their RPPS, consent,
 * messages with their attachments, télé-expertise requests and conclusions. Made on the device.
 */
export async function caseToPdf(dossier: CaseDossier): Promise<Uint8Array> {
  const { PDFDocument, StandardFonts } = await import("pdf-lib");
  const pdf = await PDFDocument.create();
  pdf.setTitle("Compte rendu de dossier patient");
  pdf.setProducer("Confrère");
  pdf.setCreator("Confrère");
  pdf.setCreationDate(new Date(dossier.generatedAt));
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  let page: PDFPage = pdf.addPage(A4);
  let y = A4[1] - MARGIN;
  const width = A4[0] - 2 * MARGIN;

  function wrap(text: string, font: PDFFont, size: number): string[] {
    const lines: string[] = [];
    for (const paragraph of printable(text).split("\n")) {
      let current = "";
      for (const word of paragraph.split(" ")) {
        const candidate = current ? `${current} ${word}` : word;
        if (font.widthOfTextAtSize(candidate, size) > width && current) {
          lines.push(current);
          current = word;
        } else current = candidate;
      }
      lines.push(current);
    }
    return lines;
  }
  function line(text: string, options: { size?: number; isBold?: boolean } = {}) {
    const size = options.size ?? 10;
    const font = options.isBold ? bold : regular;
    for (const l of wrap(text, font, size)) {
      if (y < MARGIN + size) {
        page = pdf.addPage(A4);
        y = A4[1] - MARGIN;
      }
      page.drawText(l, { x: MARGIN, y, size, font });
      y -= size + 4;
    }
  }
  const heading = (text: string) => {
    y -= 8;
    line(text, { size: 13, isBold: true });
  };

  const names = new Map(dossier.participants.map((p) => [p.userId, p]));
  const who = (userId: string) => {
    const p = names.get(userId);
    return p ? `${p.displayName}${p.nationalId ? ` (RPPS ${p.nationalId})` : ""}` : userId;
  };
  const { summary } = dossier;
  const p = summary.patient;

  line("Compte rendu de dossier patient", { size: 16, isBold: true });
  if (summary.title) line(summary.title, { size: 12 });
  line(`Généré le ${date(dossier.generatedAt)} - dossier ${summary.caseId}`);

  heading("Patient");
  if (p.kind === "ins") {
    line(`INS : ${p.ins}`);
    line(`Nom de naissance : ${p.birthName}`);
    line(`Prénoms : ${p.firstNames}`);
    line(
      `Sexe : ${p.sex}   Date de naissance : ${p.birthDate}   Lieu de naissance (INSEE) : ${p.birthplaceCode}`,
    );
  } else {
    line(`Patient (INS non qualifiée) : ${p.label}`);
  }

  heading("Participants");
  for (const participant of dossier.participants) line(`- ${who(participant.userId)}`);

  heading("Information et consentement du patient (CSP L1110-4)");
  line(`Dossier ouvert le ${date(summary.openedAt)} par ${who(summary.openedBy)}`);
  for (const c of summary.consents) {
    line(`- ${CONSENT_FR[c.status]}, enregistré par ${who(c.recordedBy)} le ${date(c.recordedAt)}`);
  }
  for (const e of dossier.consentEvents) {
    line(
      `- ${CONSENT_FR[e.consent.status]} pour l'ajout de ${e.forUserIds.map(who).join(", ")}, par ${who(e.consent.recordedBy)} le ${date(e.consent.recordedAt)}`,
    );
  }

  heading("Messages");
  for (const m of dossier.messages) {
    line(`${date(m.sentAt)} - ${who(m.senderUserId)}`, { isBold: true });
    if (m.text) line(m.text);
    for (const a of m.attachments) line(`Pièce jointe : ${a.fileName} (${a.mimeType}, ${a.size} octets)`);
  }

  if (dossier.expertises.length > 0) {
    heading("Télé-expertise");
    for (const e of dossier.expertises) {
      line(
        `Demande du ${date(e.requestedAt)} par ${who(e.requestedBy)} (${e.urgency === "urgent" ? "urgente" : "non urgente"})`,
        {
          isBold: true,
        },
      );
      line(`Question : ${e.question}`);
      if (e.clinicalContext) line(`Contexte : ${e.clinicalContext}`);
      for (const s of e.states)
        line(`- ${s.state} le ${date(s.at)} par ${who(s.by)}${s.reason ? ` : ${s.reason}` : ""}`);
      if (e.conclusion)
        line(`Conclusion (${who(e.conclusion.by)}, ${date(e.conclusion.at)}) : ${e.conclusion.text}`);
    }
  }
  return pdf.save();
}
