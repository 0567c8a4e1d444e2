import { ConfrereError } from "@confrere/protocol";
import { type FormEvent, lazy, Suspense, useEffect, useState } from "react";
import { Alert, Field, Page, Spinner } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { Link } from "../lib/router.tsx";
import "./chat.css";
import { useMessaging } from "./messaging-context.tsx";

// The QR encoder is only needed here: a chunk of its own, fetched when this screen opens.
const SafetyQr = lazy(() => import("./SafetyQr.tsx"));

/** Digits only: what a person pastes or types may have spaces, dashes or line breaks. */
export function digitsOnly(text: string): string {
  return text.replace(/\D/g, "");
}

/**
 * `/code-de-securite/:userId`: the safety code of this user and a colleague, as 12 groups of 5 digits
 * and as a QR code, with how to compare it. Both sides compute the same 60 digits from the keys of
 * every device the server announces for each of them; a device slipped in by the server changes it.
 */
export function SafetyCodeScreen({ userId }: { userId: string }) {
  const { t } = useI18n();
  const { client, nameOf } = useMessaging();
  const [code, setCode] = useState<{ digits: string; groups: string[] } | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [theirs, setTheirs] = useState("");
  const [verdict, setVerdict] = useState<"match" | "mismatch" | null>(null);
  // Opened from the Annuaire or the profile, before any conversation: the name is the server's
  // record for this id (never one carried by the link, which anyone could write).
  const [accountName, setAccountName] = useState<string | null>(null);
  const knownName = nameOf(userId);
  useEffect(() => {
    if (knownName) return;
    let cancelled = false;
    client.api
      .publicUser(userId)
      .then((user) => {
        if (!cancelled) setAccountName(user.displayName);
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [client, userId, knownName]);
  const name = knownName ?? accountName ?? t("messages.unknownPerson");

  useEffect(() => {
    let cancelled = false;
    client
      .safetyCode(userId)
      .then((computed) => {
        if (!cancelled) setCode(computed);
      })
      .catch((caught: unknown) => {
        if (!cancelled) setFailure(caught ?? new Error("safetyCode"));
      });
    return () => {
      cancelled = true;
    };
  }, [client, userId]);
  // Not a server refusal: the crypto layer found no device key to compute with.
  const error = failure
    ? failure instanceof ConfrereError
      ? describeError(failure, t)
      : t("safety.noDevice", { name })
    : null;

  function compare(event: FormEvent) {
    event.preventDefault();
    if (!code) return;
    setVerdict(digitsOnly(theirs) === code.digits ? "match" : "mismatch");
  }

  return (
    <Page title={t("safety.title", { name })}>
      <p>{t("safety.intro", { name })}</p>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {!code && !error ? <Spinner label={t("safety.computing")} /> : null}
      {code ? (
        <div className="safety-code">
          <section aria-labelledby="safety-digits-title" className="card">
            <h2 id="safety-digits-title">{t("safety.digitsTitle")}</h2>
            <p className="safety-digits" data-testid="safety-code" data-digits={code.digits}>
              {code.groups.map((group, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the 12 groups are fixed positions.
                <code key={index}>{group}</code>
              ))}
            </p>
          </section>
          <section aria-labelledby="safety-qr-title" className="card">
            <h2 id="safety-qr-title">{t("safety.qrTitle")}</h2>
            <Suspense fallback={<Spinner label={t("safety.qrLoading")} />}>
              <SafetyQr digits={code.digits} label={t("safety.qrAlt", { name })} />
            </Suspense>
            <p className="hint">{t("safety.qrHint")}</p>
          </section>
        </div>
      ) : null}
      <section aria-labelledby="safety-how-title">
        <h2 id="safety-how-title">{t("safety.howTitle")}</h2>
        <ol>
          <li>{t("safety.how1", { name })}</li>
          <li>{t("safety.how2")}</li>
          <li>{t("safety.how3")}</li>
        </ol>
        <p className="hint">{t("safety.changes")}</p>
      </section>
      {code ? (
        <form onSubmit={compare} className="subcard stack" aria-label={t("safety.compareButton")}>
          <Field
            label={t("safety.compare", { name })}
            hint={t("safety.compareHint")}
            value={theirs}
            inputMode="numeric"
            autoComplete="off"
            maxLength={200}
            onChange={(event) => {
              setTheirs(event.target.value);
              setVerdict(null);
            }}
          />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={!digitsOnly(theirs)}>
              {t("safety.compareButton")}
            </button>
          </div>
          {verdict === "match" ? <Alert kind="success">{t("safety.match", { name })}</Alert> : null}
          {verdict === "mismatch" ? <Alert kind="error">{t("safety.mismatch")}</Alert> : null}
        </form>
      ) : null}
      <p>
        <Link to="/">{t("messages.back")}</Link>
      </p>
    </Page>
  );
}
