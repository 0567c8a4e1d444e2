import { useId, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { Alert } from "./ui.tsx";

/**
 * The ten recovery codes, shown once: copy, download, and an "I saved them" box that must be
 * ticked before going on, since a person who loses the phone has nothing else.
 */
export function RecoveryCodes({ codes, email, onDone }: { codes: string[]; email: string; onDone(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [saved, setSaved] = useState(false);
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");
  const text = `${t("codes.fileHeader", { email })}\n\n${codes.join("\n")}\n`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(codes.join("\n"));
      setCopyState("copied");
    } catch {
      setCopyState("failed");
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "confrere-codes-de-secours.txt";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("codes.title")}</h2>
      <p>{t("codes.intro")}</p>
      <ol className="recovery-codes" aria-label={t("codes.listLabel")}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" className="btn btn-secondary" onClick={copy}>
          {t("codes.copy")}
        </button>
        <button type="button" className="btn btn-secondary" onClick={download}>
          {t("codes.download")}
        </button>
      </div>
      {copyState === "copied" ? <Alert kind="success">{t("codes.copied")}</Alert> : null}
      {copyState === "failed" ? <Alert kind="error">{t("codes.copyFailed")}</Alert> : null}
      <div className="checkbox">
        <input
          id={`${id}-saved`}
          type="checkbox"
          checked={saved}
          onChange={(e) => setSaved(e.target.checked)}
        />
        <label htmlFor={`${id}-saved`}>{t("codes.saved")}</label>
      </div>
      <button type="button" className="btn btn-primary" disabled={!saved} onClick={onDone}>
        {t("codes.continue")}
      </button>
    </section>
  );
}
