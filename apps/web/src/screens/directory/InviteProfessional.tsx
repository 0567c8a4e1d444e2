import type { DirectoryProfessional } from "@confrere/protocol";
import { type FormEvent, useState } from "react";
import { Alert, Field, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/** "Inviter": a colleague listed in the directory but not on Confrère gets an e-mail with a link. */
export function InviteProfessional({
  professional,
  name,
  onClose,
}: {
  professional: DirectoryProfessional;
  name: string;
  onClose(): void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const address = email.trim();
    const done = await action.run(() => api.invite({ email: address, nationalId: professional.nationalId }));
    if (done !== undefined) setSentTo(address);
  }

  if (sentTo) {
    return (
      <div className="subcard">
        <Alert kind="success">{t("invite.sent", { name, email: sentTo })}</Alert>
        <button type="button" className="btn btn-secondary btn-small" onClick={onClose}>
          {t("invite.close")}
        </button>
      </div>
    );
  }
  return (
    <form className="subcard stack" onSubmit={submit} aria-label={t("directory.inviteLabel", { name })}>
      <p className="hint">{t("invite.intro", { name })}</p>
      <Field
        label={t("invite.email")}
        type="email"
        autoComplete="off"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        required
        autoFocus
        name="invite-email"
      />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("invite.submit")}</SubmitButton>
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t("admin.cancel")}
        </button>
      </div>
    </form>
  );
}
