import { caseToFhirBundle, caseToPdf } from "@confrere/sdk";
import { Alert } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { saveBytes } from "../lib/save-file.ts";
import { useAction } from "../lib/use-action.ts";
import { exportFileName } from "./case-format.ts";
import { useCaseBook } from "./use-case-book.ts";

/**
 * Exports a patient case for its record, on this device (the server cannot read it): a PDF to
 * file, or a FHIR R4 bundle for the patient record software. Used by the case and by a
 * télé-expertise linked to it.
 */
export function CaseExportButtons({ caseId }: { caseId: string }) {
  const { t } = useI18n();
  const book = useCaseBook();
  const exporting = useAction();

  async function exportAs(format: "pdf" | "fhir") {
    await exporting.run(async () => {
      const dossier = await book.dossier(caseId);
      const now = new Date(dossier.generatedAt);
      if (format === "pdf") {
        saveBytes(await caseToPdf(dossier), exportFileName(dossier.summary.patient, now, "pdf"));
      } else {
        const json = JSON.stringify(caseToFhirBundle(dossier), null, 2);
        saveBytes(new TextEncoder().encode(json), exportFileName(dossier.summary.patient, now, "json"));
      }
    });
  }

  return (
    <>
      {exporting.error ? <Alert kind="error">{exporting.error}</Alert> : null}
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          disabled={exporting.busy}
          onClick={() => void exportAs("pdf")}
        >
          {t("cases.exportPdf")}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={exporting.busy}
          onClick={() => void exportAs("fhir")}
        >
          {t("cases.exportFhir")}
        </button>
      </div>
    </>
  );
}
