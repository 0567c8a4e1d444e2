import { type IdentityClaim, PROOF_MAX_BYTES } from "@confrere/protocol";
import { type ChangeEvent, type FormEvent, useEffect, useState } from "react";
import { Alert, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { formatSize } from "../../messaging/attachments.ts";
import { useSession } from "../../session.tsx";
import { ClaimFacts } from "./ClaimSection.tsx";
import { type PreparedProof, prepareProof } from "./proof-file.ts";

type Ready = Extract<PreparedProof, { ok: true }>;

/**
 * Step 2 of a claim: a photo or PDF of the CPS card or professional card. On a phone "Prendre une
 * photo" opens the camera (`capture`); "Choisir un fichier" takes a PDF or a saved picture (a
 * `capture` input would offer the camera only). The picture is shown before it is sent.
 */
export function ProofStep({
  claim,
  onChange,
}: {
  claim: IdentityClaim;
  onChange(claim: IdentityClaim): void;
}) {
  const { t, locale } = useI18n();
  const { api } = useSession();
  const [proof, setProof] = useState<Ready | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();

  // The preview's object URL lives as long as that proof is chosen.
  useEffect(() => {
    if (!proof || proof.contentType === "application/pdf") {
      setPreview(null);
      return;
    }
    const url = URL.createObjectURL(new Blob([proof.bytes as BlobPart], { type: proof.contentType }));
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [proof]);

  async function choose(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    setProblem(null);
    const prepared = await prepareProof(file);
    if (prepared.ok) setProof(prepared);
    else {
      setProof(null);
      setProblem(
        prepared.reason === "size"
          ? t("identity.proof.tooLarge", { size: formatSize(PROOF_MAX_BYTES, locale) })
          : t("identity.proof.wrongType"),
      );
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!proof) {
      setProblem(t("identity.proof.missing"));
      return;
    }
    const result = await action.run(() => api.uploadIdentityProof(claim.id, proof.bytes, proof.contentType));
    if (result) onChange(result.claim);
  }

  async function withdraw() {
    const result = await action.run(() => api.withdrawIdentityClaim(claim.id));
    if (result) onChange(result.claim);
  }

  return (
    <form className="stack" onSubmit={submit} aria-labelledby="proof-title">
      <h3 id="proof-title">{t("identity.proof.title")}</h3>
      <ClaimFacts claim={claim} />
      <p>{t("identity.proof.intro")}</p>
      <p className="hint">{t("identity.proof.privacy", { size: formatSize(PROOF_MAX_BYTES, locale) })}</p>
      <div className="actions">
        <label className="btn btn-secondary file-button">
          <input
            type="file"
            className="visually-hidden"
            accept="image/*"
            capture="environment"
            onChange={(event) => void choose(event)}
            data-testid="proof-camera"
          />
          {t("identity.proof.camera")}
        </label>
        <label className="btn btn-secondary file-button">
          <input
            type="file"
            className="visually-hidden"
            accept="image/*,application/pdf"
            onChange={(event) => void choose(event)}
            data-testid="proof-file"
          />
          {t("identity.proof.file")}
        </label>
      </div>
      <div aria-live="polite">
        {proof ? (
          <div className="proof-preview">
            {preview ? <img src={preview} alt={t("identity.proof.previewAlt")} /> : null}
            <p className="hint">
              {t("identity.proof.chosen", { name: proof.name, size: formatSize(proof.bytes.length, locale) })}
            </p>
          </div>
        ) : null}
      </div>
      {problem ? <Alert kind="error">{problem}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("identity.proof.submit")}</SubmitButton>
        <button type="button" className="btn-link" onClick={() => void withdraw()} disabled={action.busy}>
          {t("identity.proof.restart")}
        </button>
      </div>
    </form>
  );
}
