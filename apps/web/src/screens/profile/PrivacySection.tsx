import { type FormEvent, useState } from "react";
import { Alert, Field, PasswordField, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { navigate } from "../../lib/router.tsx";
import { saveBytes } from "../../lib/save-file.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/**
 * RGPD rights: download what the server holds about me (a JSON archive: account, devices,
 * memberships, care metadata, audit events; never a message, the server cannot read them), and
 * delete my account, confirmed by the password and a second-factor or recovery code.
 */
export function PrivacySection() {
  const { t } = useI18n();
  const { api, signOut } = useSession();
  const exporting = useAction();
  const deleting = useAction();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");

  async function download() {
    await exporting.run(async () => {
      const archive = await api.exportPersonalData();
      const day = new Date(archive.exportedAt).toISOString().slice(0, 10);
      saveBytes(
        new TextEncoder().encode(JSON.stringify(archive, null, 2)),
        `confrere-mes-donnees-${day}.json`,
      );
    });
  }

  async function remove(event: FormEvent) {
    event.preventDefault();
    if (!window.confirm(t("privacy.confirmDelete"))) return;
    const deleted = await deleting.run(() =>
      api.deleteAccount({ password, ...(code.trim() ? { code: code.trim() } : {}) }),
    );
    if (!deleted) return;
    await signOut("deleted");
    navigate("/connexion", { replace: true });
  }

  return (
    <section className="card" aria-labelledby="privacy-title">
      <h2 id="privacy-title">{t("privacy.title")}</h2>
      <p className="hint">{t("privacy.exportHint")}</p>
      {exporting.error ? <Alert kind="error">{exporting.error}</Alert> : null}
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void download()}
          disabled={exporting.busy}
        >
          {t("privacy.export")}
        </button>
      </div>
      <h3>{t("privacy.deleteTitle")}</h3>
      <p className="hint">{t("privacy.deleteHint")}</p>
      <form onSubmit={remove} className="stack">
        <PasswordField label={t("form.currentPassword")} value={password} onChange={setPassword} />
        <Field
          label={t("privacy.code")}
          hint={t("privacy.codeHint")}
          value={code}
          onChange={(event) => setCode(event.target.value)}
          autoComplete="one-time-code"
          maxLength={64}
        />
        {deleting.error ? <Alert kind="error">{deleting.error}</Alert> : null}
        <SubmitButton busy={deleting.busy} danger>
          {t("privacy.delete")}
        </SubmitButton>
      </form>
    </section>
  );
}
