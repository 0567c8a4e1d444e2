import type {
  Availability,
  AvailabilityStatus,
  TimeInterval,
  Weekday,
  WorkingHours,
} from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Field, Spinner, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

const STATUSES: readonly AvailabilityStatus[] = ["available", "in_consultation", "away", "on_call"];
const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** One weekday of the form: worked or not, a morning and an optional afternoon. */
interface DayRow {
  isWorked: boolean;
  first: TimeInterval;
  second: TimeInterval;
}
type Week = Record<Weekday, DayRow>;

const NONE: TimeInterval = { start: "", end: "" };

/** The form's week from the server's hours (the first two intervals of a day; the form edits two). */
export function weekOf(hours: WorkingHours | null): Week {
  const week = {} as Week;
  for (const day of WEEKDAYS) {
    const intervals = hours?.[day] ?? [];
    week[day] = {
      isWorked: intervals.length > 0,
      first: intervals[0] ?? { start: "08:30", end: "12:30" },
      second: intervals[1] ?? NONE,
    };
  }
  return week;
}

/** The server's hours from the form; null when no day is worked (always reachable). */
export function hoursOf(week: Week): WorkingHours | null {
  const hours: WorkingHours = {};
  for (const day of WEEKDAYS) {
    const row = week[day];
    if (!row.isWorked) continue;
    hours[day] = [row.first, ...(row.second.start && row.second.end ? [row.second] : [])];
  }
  return Object.keys(hours).length > 0 ? hours : null;
}

/** `<input type="datetime-local">` reads and writes local time without a zone. */
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * "Disponibilité": the status colleagues see (disponible, en consultation, absent, de garde), until
 * when, and the working hours outside which non-urgent notifications wait (Europe/Paris time).
 * Urgent messages always get through.
 */
export function AvailabilitySection() {
  const { t } = useI18n();
  const { api } = useSession();
  const [current, setCurrent] = useState<Availability | null>(null);
  const [status, setStatus] = useState<AvailabilityStatus>("available");
  const [until, setUntil] = useState("");
  const [week, setWeek] = useState<Week>(() => weekOf(null));
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  const show = useCallback((availability: Availability) => {
    setCurrent(availability);
    setStatus(availability.status);
    setUntil(availability.until ? toLocalInput(availability.until) : "");
    setWeek(weekOf(availability.workingHours));
  }, []);

  useEffect(() => {
    void action.run(async () => show(await api.availability()));
  }, [api, action.run, show]);

  function change(day: Weekday, next: Partial<DayRow>) {
    setWeek((w) => ({ ...w, [day]: { ...w[day], ...next } }));
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const untilMs = until ? new Date(until).getTime() : null;
    if (untilMs !== null && (Number.isNaN(untilMs) || untilMs <= Date.now())) {
      action.setError(t("availability.untilPast"));
      return;
    }
    const saved = await action.run(() =>
      api.setAvailability({
        status,
        until: status === "available" ? null : untilMs,
        workingHours: hoursOf(week),
      }),
    );
    if (!saved) return;
    show(saved);
    setDone(t("availability.saved"));
  }

  return (
    <section className="card" aria-labelledby="availability-title">
      <h2 id="availability-title">{t("availability.title")}</h2>
      <p className="hint">{t("availability.intro")}</p>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {current === null && !action.error ? <Spinner label={t("app.loading")} /> : null}
      {current ? (
        <form className="stack" onSubmit={save} aria-labelledby="availability-title">
          <p data-testid="availability-now">
            {current.reachableNow ? t("availability.reachableNow") : t("availability.heldNow")}
          </p>
          <fieldset className="choices">
            <legend>{t("availability.statusLegend")}</legend>
            {STATUSES.map((option) => (
              <label key={option} className="choice">
                <input
                  type="radio"
                  name="availability-status"
                  value={option}
                  checked={status === option}
                  onChange={() => setStatus(option)}
                />
                {t(`availability.status.${option}`)}
              </label>
            ))}
          </fieldset>
          {status !== "available" ? (
            <Field
              label={t("availability.untilLabel")}
              hint={t("availability.untilHint")}
              type="datetime-local"
              value={until}
              onChange={(event) => setUntil(event.target.value)}
              name="availability-until"
            />
          ) : null}
          <fieldset className="choices working-hours">
            <legend>{t("availability.hoursLegend")}</legend>
            <p className="hint">{t("availability.hoursHint")}</p>
            <table className="hours-table">
              <thead>
                <tr>
                  <th scope="col">{t("availability.day")}</th>
                  <th scope="col">{t("availability.firstPeriod")}</th>
                  <th scope="col">{t("availability.secondPeriod")}</th>
                </tr>
              </thead>
              <tbody>
                {WEEKDAYS.map((day) => {
                  const row = week[day];
                  const dayName = t(`availability.weekday.${day}`);
                  const time = (which: "first" | "second", edge: "start" | "end") => (
                    <input
                      type="time"
                      value={row[which][edge]}
                      disabled={!row.isWorked}
                      required={row.isWorked && which === "first"}
                      aria-label={t(`availability.${which}.${edge}`, { day: dayName })}
                      onChange={(event) =>
                        change(day, { [which]: { ...row[which], [edge]: event.target.value } })
                      }
                    />
                  );
                  return (
                    <tr key={day}>
                      <th scope="row">
                        <label className="choice">
                          <input
                            type="checkbox"
                            checked={row.isWorked}
                            onChange={(event) => change(day, { isWorked: event.target.checked })}
                          />
                          {dayName}
                        </label>
                      </th>
                      <td>
                        {time("first", "start")} – {time("first", "end")}
                      </td>
                      <td>
                        {time("second", "start")} – {time("second", "end")}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </fieldset>
          <div className="actions">
            <SubmitButton busy={action.busy}>{t("availability.save")}</SubmitButton>
          </div>
        </form>
      ) : null}
    </section>
  );
}
