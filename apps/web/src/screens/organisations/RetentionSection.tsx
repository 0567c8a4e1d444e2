import type { Organisation, RetentionPolicy } from "@confrere/protocol";
import { type FormEvent, useEffect, useState } from "react";
import { Alert, Field, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/**
 * How long the server keeps the organisation's members' messages and attachments (their
 * ciphertext): a number of days, or the platform's default. Members are reminded to export a
 * case before it goes; devices delete their own copies at the same horizon.
 */
export function RetentionSection({ organisation }: { organisation: Organisation }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [policy, setPolicy] = useState<RetentionPolicy | null>(null);
  const [days, setDays] = useState("");
  const [saved, setSaved] = useState(false);
  const [invalid, setInvalid] = useState(false);
  const loading = useAction();
  const saving = useAction();

  useEffect(() => {
    void loading.run(async () => {
      const current = await api.retentionPolicy(organisation.id);
      setPolicy(current);
      setDays(current.days === null ? "" : String(current.days));
    });
  }, [api, organisation.id, loading.run]);

  async function save(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const text = days.trim();
    if (text !== "" && !/^\d+$/.test(text)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    const next = await saving.run(() =>
      api.setRetentionPolicy(organisation.id, text === "" ? null : Number(text)),
    );
    if (!next) return;
    setPolicy(next);
    setDays(next.days === null ? "" : String(next.days));
    setSaved(true);
  }

  return (
    <section className="card" aria-labelledby="retention-title">
      <h2 id="retention-title">{t("retention.title")}</h2>
      <p className="hint">{t("retention.intro")}</p>
      {loading.error ? <Alert kind="error">{loading.error}</Alert> : null}
      {policy ? (
        <form className="stack" onSubmit={(event) => void save(event)} noValidate>
          <p data-testid="retention-effective">
            {policy.days === null
              ? t("retention.followsDefault", { days: policy.platformDefaultDays })
              : t("retention.own", { days: policy.days })}
          </p>
          <Field
            label={t("retention.days")}
            hint={t("retention.daysHint", {
              min: policy.minDays,
              max: policy.maxDays,
              days: policy.platformDefaultDays,
            })}
            type="number"
            inputMode="numeric"
            min={policy.minDays}
            max={policy.maxDays}
            value={days}
            onChange={(event) => setDays(event.target.value)}
            error={invalid ? t("retention.daysInvalid") : null}
          />
          {saving.error ? <Alert kind="error">{saving.error}</Alert> : null}
          {saved ? <Alert kind="success">{t("retention.saved")}</Alert> : null}
          <SubmitButton busy={saving.busy}>{t("retention.save")}</SubmitButton>
        </form>
      ) : null}
    </section>
  );
}
