import { type FormEvent, useState } from "react";
import { Alert, PasswordField, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

export function PasswordSection() {
  const { t } = useI18n();
  const { api } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    if (await action.run(() => api.changePassword(current, next))) {
      setCurrent("");
      setNext("");
      setDone(true);
    }
  }

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">{t("password.title")}</h2>
      <form onSubmit={submit} className="stack">
        <PasswordField label={t("form.currentPassword")} value={current} onChange={setCurrent} />
        <PasswordField label={t("form.newPassword")} value={next} onChange={setNext} isNew />
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        {done ? <Alert kind="success">{t("password.done")}</Alert> : null}
        <SubmitButton busy={action.busy}>{t("password.submit")}</SubmitButton>
      </form>
    </section>
  );
}
