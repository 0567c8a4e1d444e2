import type { SecurityEvent } from "@confrere/protocol";
import type { MessageKey } from "../i18n/fr.ts";
import { fr } from "../i18n/fr.ts";
import { useI18n } from "../i18n/i18n.tsx";

export function useActionName() {
  const { t } = useI18n();
  return (action: string) => {
    const key = `action.${action}`;
    return key in fr ? t(key as MessageKey) : t("action.unknown", { action });
  };
}

/** Security or audit events as a table: date, translated action, address (and, for operators, who). */
export function EventTable({
  events,
  caption,
  withActor = false,
}: {
  events: SecurityEvent[];
  caption: string;
  withActor?: boolean;
}) {
  const { t, formatDate } = useI18n();
  const actionName = useActionName();
  if (events.length === 0) return <p>{t("events.none")}</p>;
  return (
    <div className="table-wrap">
      <table className="events">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("events.when")}</th>
            <th scope="col">{t("events.what")}</th>
            {withActor ? <th scope="col">{t("events.who")}</th> : null}
            {withActor ? <th scope="col">{t("events.target")}</th> : null}
            <th scope="col">{t("events.where")}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id} data-testid="event">
              <td>
                <time dateTime={new Date(event.at).toISOString()}>{formatDate(event.at)}</time>
              </td>
              <td>{actionName(event.action)}</td>
              {withActor ? <td className="mono">{event.actorId ?? "—"}</td> : null}
              {withActor ? (
                <td className="mono">
                  {event.targetId ? `${event.targetType ?? ""} ${event.targetId}` : "—"}
                </td>
              ) : null}
              <td className="mono">{event.ip ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
