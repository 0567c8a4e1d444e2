import { LEGAL_HOLD_REASONS, type LegalHold, type LegalHoldReason } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Field, SelectField, SubmitButton } from "../../components/ui.tsx";
import type { MessageKey } from "../../i18n/fr.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/**
 * Legal holds: a conversation under hold keeps its (encrypted) messages and attachments past the
 * retention period, on the server and on devices, until the hold is lifted. Operators only; each
 * placement and lifting is audited.
 */
export function LegalHoldSection({ onChange }: { onChange(): void }) {
  const { t, formatDate } = useI18n();
  const { api } = useSession();
  const [holds, setHolds] = useState<LegalHold[] | null>(null);
  const [conversationId, setConversationId] = useState("");
  const [reason, setReason] = useState<LegalHoldReason>("litigation");
  const loading = useAction();
  const acting = useAction();

  const load = useCallback(async () => {
    await loading.run(async () => setHolds((await api.legalHolds()).holds));
  }, [api, loading.run]);
  useEffect(() => {
    void load();
  }, [load]);

  async function place(event: FormEvent) {
    event.preventDefault();
    if (await acting.run(() => api.placeLegalHold(conversationId.trim(), reason))) {
      setConversationId("");
      onChange();
      await load();
    }
  }

  async function lift(id: string) {
    if (await acting.run(() => api.liftLegalHold(id))) {
      onChange();
      await load();
    }
  }

  const reasonLabel = (r: LegalHoldReason) => t(`legalHold.reason.${r}` as MessageKey);
  return (
    <section className="card" aria-labelledby="legal-hold-title">
      <h2 id="legal-hold-title">{t("legalHold.title")}</h2>
      <p className="hint">{t("legalHold.intro")}</p>
      {loading.error ? <Alert kind="error">{loading.error}</Alert> : null}
      <form className="stack" onSubmit={place}>
        <Field
          label={t("legalHold.conversation")}
          hint={t("legalHold.conversationHint")}
          value={conversationId}
          onChange={(event) => setConversationId(event.target.value)}
          required
          maxLength={64}
          className="mono"
        />
        <SelectField
          label={t("legalHold.reason")}
          value={reason}
          options={LEGAL_HOLD_REASONS.map((r) => ({ value: r, label: reasonLabel(r) }))}
          onChange={(event) => setReason(event.target.value as LegalHoldReason)}
        />
        {acting.error ? <Alert kind="error">{acting.error}</Alert> : null}
        <SubmitButton busy={acting.busy}>{t("legalHold.place")}</SubmitButton>
      </form>
      {holds !== null && holds.length === 0 ? <p>{t("legalHold.none")}</p> : null}
      {holds?.length ? (
        <ul className="plain-list" aria-label={t("legalHold.list")}>
          {holds.map((hold) => (
            <li key={hold.conversationId} data-testid="legal-hold">
              <span className="mono">{hold.conversationId}</span> · {reasonLabel(hold.reason)} ·{" "}
              {formatDate(hold.placedAt)}{" "}
              <button
                type="button"
                className="btn btn-link"
                disabled={acting.busy}
                aria-label={t("legalHold.liftOne", { id: hold.conversationId })}
                onClick={() => void lift(hold.conversationId)}
              >
                {t("legalHold.lift")}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
