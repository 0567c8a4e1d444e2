import { ConfrereError, type IdentityClaim } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Field, Spinner, SubmitButton } from "../../components/ui.tsx";
import { fr, type MessageKey } from "../../i18n/fr.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { describeError } from "../../lib/errors.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { identifierProblem, isIdentifierCode } from "./identifier.ts";
import { ProofStep } from "./ProofStep.tsx";

function errorText(code: string, t: (key: MessageKey) => string): string {
  const key = `error.${code}`;
  return key in fr ? t(key as MessageKey) : t("error.CLAIM_IDENTIFIER_INVALID");
}

/**
 * The second road: the RPPS/ADELI claim. Its steps follow the claim's state: the number and
 * names, then the proof, then the wait for an operator; a refusal shows the reason and the form
 * again.
 */
export function ClaimSection() {
  const { t } = useI18n();
  const { api, refresh } = useSession();
  // undefined: not loaded yet; null: the account never made a claim.
  const [claim, setClaim] = useState<IdentityClaim | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const { claim: latest } = await api.myIdentityClaim();
      setClaim(latest);
      setError(null);
      // Approved since the last look: the account is verified now, and the app follows.
      if (latest?.state === "approved") await refresh();
    } catch (caught) {
      setError(describeError(caught, t));
    }
  }, [api, refresh, t]);

  useEffect(() => {
    void load();
    // Coming back to the tab (after reading the decision e-mail, say) shows the decision.
    const onVisible = () => {
      if (document.visibilityState === "visible") void load();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [load]);

  return (
    <section className="card" aria-labelledby="claim-title">
      <h2 id="claim-title">{t("identity.claim.title")}</h2>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {claim === undefined && !error ? <Spinner label={t("app.loading")} /> : null}
      {claim === null || claim?.state === "rejected" || claim?.state === "withdrawn" ? (
        <>
          {claim?.state === "rejected" ? (
            <Alert kind="error">
              <strong>{t("identity.claim.rejected")}</strong>
              {claim.rejectionReason ? (
                <>
                  {" "}
                  {t("identity.claim.reason")} <q className="reason">{claim.rejectionReason}</q>
                </>
              ) : null}
              <br />
              {t("identity.claim.tryAgain")}
            </Alert>
          ) : null}
          <ClaimForm previous={claim ?? null} onCreated={setClaim} />
        </>
      ) : null}
      {claim?.state === "awaiting_proof" ? <ProofStep claim={claim} onChange={setClaim} /> : null}
      {claim?.state === "pending_review" ? (
        <PendingClaim claim={claim} onChange={setClaim} onCheck={load} />
      ) : null}
      {claim?.state === "approved" ? <Alert kind="success">{t("identity.verified")}</Alert> : null}
    </section>
  );
}

function ClaimForm({
  previous,
  onCreated,
}: {
  previous: IdentityClaim | null;
  onCreated(claim: IdentityClaim): void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [identifier, setIdentifier] = useState("");
  const [lastName, setLastName] = useState(previous?.lastName ?? "");
  const [firstName, setFirstName] = useState(previous?.firstName ?? "");
  const [identifierError, setIdentifierError] = useState<string | null>(null);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = identifierProblem(identifier);
    setIdentifierError(problem ? errorText(problem, t) : null);
    if (problem) return;
    const created = await action.run(
      () =>
        api.createIdentityClaim({
          identifier: identifier.replace(/\s+/g, ""),
          lastName: lastName.trim(),
          firstName: firstName.trim(),
        }),
      (caught) => {
        if (caught instanceof ConfrereError && isIdentifierCode(caught.code)) {
          setIdentifierError(errorText(caught.code, t));
          return true;
        }
        return false;
      },
    );
    if (created) onCreated(created.claim);
  }

  return (
    <form className="stack" onSubmit={submit} aria-labelledby="claim-title">
      <p>{t("identity.claim.intro")}</p>
      <Field
        label={t("identity.claim.identifier")}
        hint={t("identity.claim.identifierHint")}
        value={identifier}
        onChange={(event) => {
          setIdentifier(event.target.value);
          setIdentifierError(null);
        }}
        inputMode="numeric"
        autoComplete="off"
        spellCheck={false}
        maxLength={32}
        required
        name="identifier"
        error={identifierError}
      />
      <Field
        label={t("identity.claim.lastName")}
        hint={t("identity.claim.namesHint")}
        value={lastName}
        onChange={(event) => setLastName(event.target.value)}
        autoComplete="family-name"
        maxLength={100}
        required
        name="lastName"
      />
      <Field
        label={t("identity.claim.firstName")}
        value={firstName}
        onChange={(event) => setFirstName(event.target.value)}
        autoComplete="given-name"
        maxLength={100}
        required
        name="firstName"
      />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <SubmitButton busy={action.busy}>{t("identity.claim.submit")}</SubmitButton>
    </form>
  );
}

function PendingClaim({
  claim,
  onChange,
  onCheck,
}: {
  claim: IdentityClaim;
  onChange(claim: IdentityClaim): void;
  onCheck(): Promise<void>;
}) {
  const { t, formatDate } = useI18n();
  const { api } = useSession();
  const action = useAction();
  async function withdraw() {
    if (!window.confirm(t("identity.claim.confirmWithdraw"))) return;
    const result = await action.run(() => api.withdrawIdentityClaim(claim.id));
    if (result) onChange(result.claim);
  }
  return (
    <div className="stack" data-testid="claim-pending">
      <Alert kind="info">
        <strong>{t("identity.claim.pending")}</strong>{" "}
        {t("identity.claim.pendingBody", {
          date: formatDate(claim.submittedAt ?? claim.createdAt, "dateTime"),
        })}
      </Alert>
      <ClaimFacts claim={claim} />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void action.run(onCheck)}
          disabled={action.busy}
        >
          {t("identity.claim.check")}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => void withdraw()}
          disabled={action.busy}
        >
          {t("identity.claim.withdraw")}
        </button>
      </div>
    </div>
  );
}

/** What the claim says, as the user typed it. */
export function ClaimFacts({ claim }: { claim: IdentityClaim }) {
  const { t } = useI18n();
  return (
    <dl className="facts">
      <dt>{claim.idType}</dt>
      <dd className="mono">{claim.nationalId.slice(1)}</dd>
      <dt>{t("identity.claim.lastName")}</dt>
      <dd>{claim.lastName}</dd>
      <dt>{t("identity.claim.firstName")}</dt>
      <dd>{claim.firstName}</dd>
    </dl>
  );
}
