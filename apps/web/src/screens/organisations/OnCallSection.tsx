import {
  ESCALATION_BOUNDS,
  type OnCallSchedule,
  type OnCallShift,
  type RosterEntry,
  type Service,
  type SetOnCallScheduleRequest,
} from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Field, SelectField, Spinner, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/** `<input type="datetime-local">` reads local time; the API takes epoch milliseconds. */
function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/**
 * A service's on-call schedule, for the establishment's administrators: the shifts (a roster
 * member, start, end), how long an urgent message waits for an acknowledgement before it goes to
 * the whole roster (the escalation delay), and the backup service alerted after that. Adding or
 * removing a shift saves the schedule at once; the delay and the backup have their own button.
 */
export function OnCallSection({
  service,
  roster,
  services,
}: {
  service: Service;
  roster: RosterEntry[];
  services: readonly Service[];
}) {
  const { t, formatDate } = useI18n();
  const { api } = useSession();
  const [schedule, setSchedule] = useState<OnCallSchedule | null>(null);
  const [member, setMember] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [escalation, setEscalation] = useState("");
  const [backup, setBackup] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  const show = useCallback((next: OnCallSchedule) => {
    setSchedule(next);
    setEscalation(String(next.escalationMinutes));
    setBackup(next.backupServiceId ?? "");
  }, []);

  useEffect(() => {
    void action.run(async () => show(await api.onCallSchedule(service.id)));
  }, [api, service.id, action.run, show]);

  const nameOf = (userId: string) =>
    roster.find((r) => r.userId === userId)?.displayName ?? t("messages.unknownPerson");

  async function save(next: Partial<SetOnCallScheduleRequest>, message: string): Promise<boolean> {
    if (!schedule) return false;
    setDone(null);
    const saved = await action.run(() =>
      api.setOnCallSchedule(service.id, {
        escalationMinutes: schedule.escalationMinutes,
        backupServiceId: schedule.backupServiceId,
        shifts: schedule.shifts,
        ...next,
      }),
    );
    if (!saved) return false;
    show(saved);
    setDone(message);
    return true;
  }

  async function addShift(event: FormEvent) {
    event.preventDefault();
    if (!schedule) return;
    const from = fromLocalInput(start);
    const to = fromLocalInput(end);
    if (!member || from === null || to === null) {
      action.setError(t("onCall.shiftIncomplete"));
      return;
    }
    if (to <= from) {
      action.setError(t("onCall.shiftEndsBeforeStart"));
      return;
    }
    const shift: OnCallShift = { userId: member, start: from, end: to };
    const shifts = [...schedule.shifts, shift].sort((a, b) => a.start - b.start);
    if (await save({ shifts }, t("onCall.shiftAdded", { name: nameOf(member) }))) {
      setStart("");
      setEnd("");
    }
  }

  async function removeShift(index: number) {
    if (!schedule) return;
    const removed = schedule.shifts[index];
    if (!removed) return;
    await save(
      { shifts: schedule.shifts.filter((_, i) => i !== index) },
      t("onCall.shiftRemoved", { name: nameOf(removed.userId) }),
    );
  }

  async function saveSettings(event: FormEvent) {
    event.preventDefault();
    const minutes = Number(escalation);
    await save({ escalationMinutes: minutes, backupServiceId: backup || null }, t("onCall.settingsSaved"));
  }

  const others = services.filter((s) => s.id !== service.id);
  const backupOptions = [
    ...others.map((s) => ({ value: s.id, label: s.name })),
    ...(schedule?.backupServiceId && !others.some((s) => s.id === schedule.backupServiceId)
      ? [{ value: schedule.backupServiceId, label: t("onCall.otherService") }]
      : []),
  ];

  return (
    <section className="stack" aria-labelledby={`on-call-${service.id}`} data-testid="on-call">
      <h3 id={`on-call-${service.id}`}>{t("onCall.title", { name: service.name })}</h3>
      <p className="hint">{t("onCall.intro")}</p>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {schedule === null && !action.error ? <Spinner label={t("app.loading")} /> : null}
      {schedule ? (
        <>
          <p>
            {schedule.onCallNow.length
              ? t("onCall.now", { names: schedule.onCallNow.map(nameOf).join(", ") })
              : t("onCall.nobodyNow")}
          </p>
          {schedule.shifts.length === 0 ? <p className="hint">{t("onCall.noShift")}</p> : null}
          {schedule.shifts.length ? (
            <ul className="plain-list people" aria-label={t("onCall.shifts", { name: service.name })}>
              {schedule.shifts.map((shift, index) => (
                <li key={`${shift.userId}-${shift.start}`} className="pick" data-testid="on-call-shift">
                  <span>
                    <strong>{nameOf(shift.userId)}</strong>{" "}
                    {t("onCall.range", { start: formatDate(shift.start), end: formatDate(shift.end) })}
                  </span>
                  <button
                    type="button"
                    className="btn btn-danger btn-small"
                    disabled={action.busy}
                    onClick={() => void removeShift(index)}
                    aria-label={t("onCall.removeShiftLabel", {
                      name: nameOf(shift.userId),
                      start: formatDate(shift.start),
                    })}
                  >
                    {t("organisations.remove")}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          {roster.length === 0 ? (
            <p className="hint">{t("onCall.rosterFirst")}</p>
          ) : (
            <form className="inline-form" onSubmit={addShift} aria-label={t("onCall.addShift")}>
              <SelectField
                label={t("onCall.member")}
                value={member}
                onChange={(event) => setMember(event.target.value)}
                anyLabel={t("onCall.chooseMember")}
                options={roster.map((r) => ({ value: r.userId, label: r.displayName }))}
                name="on-call-member"
              />
              <Field
                label={t("onCall.start")}
                type="datetime-local"
                value={start}
                onChange={(event) => setStart(event.target.value)}
                required
                name="on-call-start"
              />
              <Field
                label={t("onCall.end")}
                type="datetime-local"
                value={end}
                onChange={(event) => setEnd(event.target.value)}
                required
                name="on-call-end"
              />
              <SubmitButton busy={action.busy}>{t("onCall.addShift")}</SubmitButton>
            </form>
          )}
          <form className="inline-form" onSubmit={saveSettings} aria-label={t("onCall.settings")}>
            <Field
              label={t("onCall.escalation")}
              hint={t("onCall.escalationHint", {
                min: ESCALATION_BOUNDS.minMinutes,
                max: ESCALATION_BOUNDS.maxMinutes,
              })}
              type="number"
              min={ESCALATION_BOUNDS.minMinutes}
              max={ESCALATION_BOUNDS.maxMinutes}
              step={1}
              value={escalation}
              onChange={(event) => setEscalation(event.target.value)}
              required
              name="on-call-escalation"
            />
            <SelectField
              label={t("onCall.backup")}
              value={backup}
              onChange={(event) => setBackup(event.target.value)}
              anyLabel={t("onCall.noBackup")}
              options={backupOptions}
              name="on-call-backup"
            />
            <SubmitButton busy={action.busy}>{t("onCall.saveSettings")}</SubmitButton>
          </form>
        </>
      ) : null}
    </section>
  );
}
