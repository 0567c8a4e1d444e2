import { Alert } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { navigate } from "../../lib/router.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

export function LogoutSection() {
  const { t } = useI18n();
  const { signOut } = useSession();
  const action = useAction();

  async function out(mode: "here" | "everywhere") {
    if (mode === "everywhere" && !window.confirm(t("logout.confirmEverywhere"))) return;
    await action.run(async () => {
      await signOut(mode);
      navigate("/connexion", { replace: true });
    });
  }

  return (
    <section className="card" aria-labelledby="logout-title">
      <h2 id="logout-title">{t("logout.title")}</h2>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void out("here")}
          disabled={action.busy}
        >
          {t("logout.here")}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => void out("everywhere")}
          disabled={action.busy}
          aria-describedby="logout-everywhere-hint"
        >
          {t("logout.everywhere")}
        </button>
      </div>
      <p className="hint" id="logout-everywhere-hint">
        {t("logout.everywhereHint")}
      </p>
    </section>
  );
}
