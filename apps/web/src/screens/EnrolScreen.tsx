import { useState } from "react";
import { RecoveryCodes } from "../components/RecoveryCodes.tsx";
import { type Enrolled, PasskeySetup, TotpSetup } from "../components/SecondFactorSetup.tsx";
import { Page } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { navigate } from "../lib/router.tsx";
import { useSession } from "../session.tsx";

/**
 * The mandatory second factor, right after the first login: an authenticator app or a passkey,
 * then the recovery codes, which must be saved before going on.
 */
export function EnrolScreen() {
  const { t } = useI18n();
  const { account, refresh } = useSession();
  const [method, setMethod] = useState<"totp" | "passkey" | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);

  async function enrolled(result: Enrolled) {
    if (result.recoveryCodes?.length) setCodes(result.recoveryCodes);
    else await finish();
  }
  async function finish() {
    await refresh();
    navigate("/", { replace: true });
  }

  if (codes) {
    return (
      <Page title={t("enrol.doneTitle")} narrow>
        <RecoveryCodes codes={codes} email={account?.email ?? ""} onDone={() => void finish()} />
      </Page>
    );
  }
  return (
    <Page title={t("enrol.title")} narrow>
      <p>{t("enrol.intro")}</p>
      {method === null ? (
        <div className="choice-cards">
          <button type="button" className="choice-card" onClick={() => setMethod("totp")}>
            <strong>{t("enrol.chooseTotp")}</strong>
            <span>{t("enrol.chooseTotpHint")}</span>
          </button>
          <button type="button" className="choice-card" onClick={() => setMethod("passkey")}>
            <strong>{t("enrol.choosePasskey")}</strong>
            <span>{t("enrol.choosePasskeyHint")}</span>
          </button>
        </div>
      ) : (
        <>
          {method === "totp" ? <TotpSetup onEnrolled={enrolled} /> : <PasskeySetup onEnrolled={enrolled} />}
          <p>
            <button type="button" className="btn-link" onClick={() => setMethod(null)}>
              {t("enrol.back")}
            </button>
          </p>
        </>
      )}
    </Page>
  );
}
