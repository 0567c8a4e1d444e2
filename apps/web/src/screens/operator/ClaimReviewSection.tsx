import type { ReviewClaim } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import { Alert, Spinner, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { placeLines } from "../../lib/directory-format.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/** Claims asked for at a time; "Voir plus" asks for the next ones. */
const PAGE_SIZE = 20;

/**
 * The operators' review queue of RPPS/ADELI claims, oldest first (the server's order), a page at
 * a time: what the user typed beside the directory entry, the proof on demand (each view is
 * audited by the server), then Approuver or Refuser with a reason the user receives by e-mail.
 */
export function ClaimReviewSection({ onChange }: { onChange(): void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [claims, setClaims] = useState<ReviewClaim[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  const load = useCallback(
    async (cursor?: string) => {
      const page = await api.identityClaimQueue({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      setClaims((shown) => (cursor && shown ? [...shown, ...page.claims] : page.claims));
      setNextCursor(page.nextCursor);
    },
    [api],
  );
  useEffect(() => {
    void action.run(() => load());
  }, [action.run, load]);

  function decided(claimId: string, message: string) {
    setDone(message);
    onChange();
    // The decided claim leaves the queue; the cursor still points after the last claim shown, so
    // "Voir plus" skips none.
    setClaims((shown) => shown?.filter((c) => c.id !== claimId) ?? null);
  }

  return (
    <section className="card" aria-labelledby="claims-title">
      <h2 id="claims-title">{t("review.title")}</h2>
      <p className="hint">{t("review.intro")}</p>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {claims === null ? <Spinner label={t("app.loading")} /> : null}
      {claims?.length === 0 && !nextCursor ? <p>{t("review.none")}</p> : null}
      {claims?.length ? (
        <ol className="plain-list review-queue">
          {claims.map((claim) => (
            <li key={claim.id}>
              <ClaimReview claim={claim} onDecided={(message) => decided(claim.id, message)} />
            </li>
          ))}
        </ol>
      ) : null}
      {nextCursor && claims ? (
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void action.run(() => load(nextCursor))}
          disabled={action.busy}
        >
          {t("review.loadMore")}
        </button>
      ) : null}
    </section>
  );
}

function ClaimReview({ claim, onDecided }: { claim: ReviewClaim; onDecided(message: string): void }) {
  const { t, formatDate } = useI18n();
  const { api } = useSession();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const action = useAction();
  const titleId = useId();
  const reasonId = useId();
  const who = claim.account.displayName;
  const directory = claim.directory;

  async function approve() {
    const result = await action.run(() => api.approveIdentityClaim(claim.id));
    if (result) onDecided(t("review.approved", { name: who }));
  }
  async function reject(event: FormEvent) {
    event.preventDefault();
    const result = await action.run(() => api.rejectIdentityClaim(claim.id, reason.trim()));
    if (result) onDecided(t("review.rejected", { name: who }));
  }

  return (
    <article className="subcard stack" aria-labelledby={titleId} data-testid="claim-review">
      <header>
        <h3 id={titleId}>
          {who} <span className="muted">({claim.account.email})</span>
        </h3>
        <p className="hint">
          {t("review.submitted", { date: formatDate(claim.submittedAt ?? claim.createdAt, "dateTime") })}
          {claim.attempt > 1 ? ` · ${t("review.attempt", { count: claim.attempt })}` : ""}
        </p>
      </header>
      {claim.competingClaims > 0 ? (
        <Alert kind="error">{t("review.competing", { count: claim.competingClaims })}</Alert>
      ) : null}
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{t("review.compare", { name: who })}</caption>
          <thead>
            <tr>
              <td />
              <th scope="col">{t("review.typed")}</th>
              <th scope="col">{t("review.directory")}</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">{claim.idType}</th>
              <td className="mono">{claim.nationalId.slice(1)}</td>
              <td className="mono">{directory ? claim.nationalId.slice(1) : t("review.notInDirectory")}</td>
            </tr>
            <tr>
              <th scope="row">{t("identity.claim.lastName")}</th>
              <td>{claim.typedLastName}</td>
              <td>{directory?.lastName ?? "—"}</td>
            </tr>
            <tr>
              <th scope="row">{t("identity.claim.firstName")}</th>
              <td>{claim.typedFirstName}</td>
              <td>{directory?.firstName ?? "—"}</td>
            </tr>
            <tr>
              <th scope="row">{t("directory.profession")}</th>
              <td />
              <td>
                {directory?.profession?.label ?? "—"}
                {directory && !directory.active ? (
                  <span className="badge badge-warning"> {t("directory.inactive")}</span>
                ) : null}
              </td>
            </tr>
            <tr>
              <th scope="row">{t("review.places")}</th>
              <td />
              <td>
                {directory?.places.length ? (
                  <ul className="plain-list">
                    {placeLines(directory.places).map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      {claim.proof ? <ProofViewer claim={claim} /> : <p className="muted">{t("review.noProof")}</p>}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {rejecting ? (
        <form className="stack" onSubmit={reject} aria-label={t("review.rejectLabel", { name: who })}>
          <div className="field">
            <label htmlFor={reasonId}>
              {t("review.reason")}
              <span className="required"> ({t("form.required")})</span>
            </label>
            <p className="hint" id={`${reasonId}-hint`}>
              {t("review.reasonHint")}
            </p>
            <textarea
              id={reasonId}
              aria-describedby={`${reasonId}-hint`}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              required
              maxLength={500}
              rows={3}
              // biome-ignore lint/a11y/noAutofocus: the operator just asked to write the reason
              autoFocus
            />
          </div>
          <div className="actions">
            <SubmitButton busy={action.busy}>{t("review.confirmReject")}</SubmitButton>
            <button type="button" className="btn btn-secondary" onClick={() => setRejecting(false)}>
              {t("admin.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void approve()}
            disabled={action.busy}
            aria-label={t("review.approveLabel", { name: who })}
          >
            {t("review.approve")}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => setRejecting(true)}
            disabled={action.busy}
            aria-label={t("review.rejectLabel", { name: who })}
          >
            {t("review.reject")}
          </button>
        </div>
      )}
    </article>
  );
}

/**
 * The proof, fetched through the SDK and shown from an object URL (revoked when it goes away).
 * A PDF opens in a new tab or downloads: the page's CSP allows no frame from a blob: URL.
 */
function ProofViewer({ claim }: { claim: ReviewClaim }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [proof, setProof] = useState<{ url: string; contentType: string } | null>(null);
  const action = useAction();
  useEffect(() => () => (proof ? URL.revokeObjectURL(proof.url) : undefined), [proof]);

  async function show() {
    const fetched = await action.run(() => api.identityClaimProof(claim.id));
    if (!fetched) return;
    const blob = new Blob([fetched.bytes as BlobPart], { type: fetched.contentType });
    setProof({ url: URL.createObjectURL(blob), contentType: fetched.contentType });
  }

  const name = claim.account.displayName;
  if (!proof) {
    return (
      <div>
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void show()}
          disabled={action.busy}
          aria-label={t("review.showProofLabel", { name })}
        >
          {t("review.showProof")}
        </button>
      </div>
    );
  }
  if (proof.contentType === "application/pdf") {
    return (
      <p className="actions">
        <a className="btn btn-secondary" href={proof.url} target="_blank" rel="noopener">
          {t("review.openPdf")}
        </a>
        <a className="btn btn-secondary" href={proof.url} download={`justificatif-${claim.id}.pdf`}>
          {t("review.downloadPdf")}
        </a>
      </p>
    );
  }
  return (
    <figure className="proof">
      <img src={proof.url} alt={t("review.proofAlt", { name })} />
    </figure>
  );
}
