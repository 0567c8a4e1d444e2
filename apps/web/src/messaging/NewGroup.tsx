import { type FormEvent, useState } from "react";
import { Alert, Field, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { navigate } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { MemberPicker, type PickedColleague } from "./MemberPicker.tsx";
import { useMessaging } from "./messaging-context.tsx";

/** "Nouveau groupe": a name (kept inside the encryption) and colleagues picked from the directory. */
export function NewGroup() {
  const { t } = useI18n();
  const { client, reload } = useMessaging();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<PickedColleague[]>([]);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return action.setError(t("chat.nameRequired"));
    if (picked.length === 0) return action.setError(t("chat.pickAtLeastOne"));
    const id = await action.run(() =>
      client.createGroup(
        name.trim(),
        picked.map((p) => p.userId),
      ),
    );
    if (!id) return;
    setOpen(false);
    setName("");
    setPicked([]);
    await reload();
    navigate(`/conversations/${id}`);
  }

  if (!open) {
    return (
      <button type="button" className="btn btn-secondary" onClick={() => setOpen(true)}>
        {t("chat.newGroup")}
      </button>
    );
  }
  return (
    <form onSubmit={submit} className="stack subcard" aria-label={t("chat.newGroup")}>
      <Field
        label={t("chat.groupName")}
        value={name}
        onChange={(event) => setName(event.target.value)}
        required
        maxLength={120}
        autoFocus
        name="group-name"
      />
      <MemberPicker picked={picked} onChange={setPicked} />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("chat.createGroup")}</SubmitButton>
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>
          {t("chat.cancel")}
        </button>
      </div>
    </form>
  );
}
