import type { SecurityEvent } from "@confrere/protocol";
import { useEffect, useState } from "react";
import { EventTable } from "../../components/EventTable.tsx";
import { Alert, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

export function EventsSection() {
  const { t } = useI18n();
  const { api } = useSession();
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  const action = useAction();
  useEffect(() => {
    void action.run(async () => setEvents((await api.securityEvents({ limit: 30 })).events));
  }, [api, action.run]);
  return (
    <section className="card" aria-labelledby="events-title">
      <h2 id="events-title">{t("events.title")}</h2>
      <p className="hint">{t("events.intro")}</p>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {events ? (
        <EventTable events={events} caption={t("events.title")} />
      ) : (
        <Spinner label={t("app.loading")} />
      )}
    </section>
  );
}
