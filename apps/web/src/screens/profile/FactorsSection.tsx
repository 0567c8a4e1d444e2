import { useCallback, useEffect, useState } from "react";
import { RecoveryCodes } from "../../components/RecoveryCodes.tsx";
import { PasskeySetup, TotpSetup } from "../../components/SecondFactorSetup.tsx";
import { Alert, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

type Factors = Awaited<ReturnType<ReturnType<typeof useSession>["api"]["secondFactors"]>>;

/** Second factors: authenticator app, passkeys, and the count of recovery codes left. */
export function FactorsSection() {
  const { t, tn, formatDate } = useI18n();
  const { api, account } = useSession();
  const [factors, setFactors] = useState<Factors | null>(null);
  const [adding, setAdding] = useState<"totp" | "passkey" | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  const load = useCallback(async () => setFactors(await api.secondFactors()), [api]);
  useEffect(() => {
    void action.run(load);
  }, [action.run, load]);

  async function added(kind: "totp" | "passkey") {
    setAdding(null);
    setDone(t(kind === "totp" ? "factors.totpDone" : "factors.passkeyDone"));
    await action.run(load);
  }

  async function regenerate() {
    if (!window.confirm(t("factors.confirmRegenerate"))) return;
    const result = await action.run(() => api.regenerateRecoveryCodes());
    if (result) setCodes(result.recoveryCodes);
  }

  return (
    <section className="card" aria-labelledby="factors-title">
      <h2 id="factors-title">{t("factors.title")}</h2>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {factors === null ? <Spinner label={t("app.loading")} /> : null}
      {factors ? (
        <>
          <h3>{t("factors.totp")}</h3>
          <p>{factors.totp ? t("factors.totpOn") : t("factors.totpOff")}</p>
          {!factors.totp && adding !== "totp" ? (
            <button type="button" className="btn btn-secondary" onClick={() => setAdding("totp")}>
              {t("factors.addTotp")}
            </button>
          ) : null}
          {adding === "totp" ? (
            <div className="subcard">
              <TotpSetup onEnrolled={() => void added("totp")} />
              <button type="button" className="btn-link" onClick={() => setAdding(null)}>
                {t("factors.cancel")}
              </button>
            </div>
          ) : null}

          <h3>{t("factors.passkeys")}</h3>
          {factors.passkeys.length === 0 ? <p>{t("factors.noPasskey")}</p> : null}
          <ul className="plain-list" data-testid="passkeys">
            {factors.passkeys.map((passkey) => (
              <li key={passkey.id}>
                <strong>{passkey.name}</strong> —{" "}
                {t("factors.passkeyAdded", { date: formatDate(passkey.createdAt, "date") })}
              </li>
            ))}
          </ul>
          {adding === "passkey" ? (
            <div className="subcard">
              <PasskeySetup onEnrolled={() => void added("passkey")} />
              <button type="button" className="btn-link" onClick={() => setAdding(null)}>
                {t("factors.cancel")}
              </button>
            </div>
          ) : (
            <button type="button" className="btn btn-secondary" onClick={() => setAdding("passkey")}>
              {t("factors.addPasskey")}
            </button>
          )}

          <h3>{t("factors.recoveryCodes")}</h3>
          <p>{tn("factors.recoveryRemaining", factors.recoveryCodesRemaining)}</p>
          {codes ? (
            <RecoveryCodes
              codes={codes}
              email={account?.email ?? ""}
              onDone={() => {
                setCodes(null);
                void action.run(load);
              }}
            />
          ) : (
            <button type="button" className="btn btn-secondary" onClick={() => void regenerate()}>
              {t("factors.regenerate")}
            </button>
          )}
        </>
      ) : null}
    </section>
  );
}
