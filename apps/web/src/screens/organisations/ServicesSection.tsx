import type { Organisation, RosterEntry, Service } from "@confrere/protocol";
import { OrganisationLimits } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Field, Spinner, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { ColleaguePicker } from "./ColleaguePicker.tsx";
import { OnCallSection } from "./OnCallSection.tsx";

/**
 * An establishment's services ("Cardiologie", "Urgences") and who receives the messages written to
 * each: its roster of verified staff.
 */
export function ServicesSection({
  organisation,
  onChange,
}: {
  organisation: Organisation;
  onChange(): void;
}) {
  const { t, tn } = useI18n();
  const { api } = useSession();
  const [services, setServices] = useState<Service[] | null>(null);
  const [name, setName] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const action = useAction();

  const load = useCallback(
    async () => setServices((await api.organisationServices(organisation.id)).services),
    [api, organisation.id],
  );
  useEffect(() => {
    void action.run(load);
  }, [action.run, load]);
  const changed = useCallback(async () => {
    onChange();
    await load();
  }, [onChange, load]);

  async function create(event: FormEvent) {
    event.preventDefault();
    const created = await action.run(() => api.createService(organisation.id, name.trim()));
    if (created) {
      setName("");
      setOpen(created.service.id);
      await changed();
    }
  }

  return (
    <section className="card" aria-labelledby="services-title">
      <h2 id="services-title">{t("organisations.servicesTitle")}</h2>
      <p className="hint">{t("organisations.servicesIntro")}</p>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {services === null && !action.error ? <Spinner label={t("app.loading")} /> : null}
      {services?.length === 0 ? <p>{t("organisations.noService")}</p> : null}
      {services?.length ? (
        <ul className="plain-list services">
          {services.map((service) => (
            <li key={service.id} className="service" data-testid="service">
              <div className="pick">
                <span>
                  <strong>{service.name}</strong>{" "}
                  <span className="muted">· {tn("organisations.rosterSize", service.rosterSize)}</span>
                </span>
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  aria-expanded={open === service.id}
                  aria-controls={`service-${service.id}`}
                  aria-label={t("organisations.manageLabel", { name: service.name })}
                  onClick={() => setOpen(open === service.id ? null : service.id)}
                >
                  {open === service.id ? t("organisations.close") : t("organisations.manage")}
                </button>
              </div>
              {open === service.id ? (
                <ServiceEditor
                  service={service}
                  services={services}
                  onChange={changed}
                  onDeleted={() => setOpen(null)}
                />
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <form className="inline-form" onSubmit={create} aria-label={t("organisations.newService")}>
        <Field
          label={t("organisations.newService")}
          hint={t("organisations.newServiceHint")}
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={OrganisationLimits.maxServiceNameLength}
          name="service-name"
        />
        <SubmitButton busy={action.busy}>{t("organisations.createService")}</SubmitButton>
      </form>
    </section>
  );
}

/** One service: its roster (add from the directory, remove), its on-call schedule, its name, its deletion. */
function ServiceEditor({
  service,
  services,
  onChange,
  onDeleted,
}: {
  service: Service;
  services: readonly Service[];
  onChange(): Promise<void>;
  onDeleted(): void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [roster, setRoster] = useState<RosterEntry[] | null>(null);
  const [name, setName] = useState(service.name);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  useEffect(() => {
    void action.run(async () => setRoster((await api.serviceRoster(service.id)).roster));
  }, [api, service.id, action.run]);

  async function remove(entry: RosterEntry) {
    const result = await action.run(() => api.removeFromServiceRoster(service.id, entry.userId));
    if (!result) return;
    setRoster(result.roster);
    setDone(t("organisations.rosterRemoved", { name: entry.displayName }));
    await onChange();
  }
  async function rename(event: FormEvent) {
    event.preventDefault();
    const result = await action.run(() => api.renameService(service.id, name.trim()));
    if (!result) return;
    setDone(t("organisations.renamed"));
    await onChange();
  }
  async function deleteService() {
    if (!window.confirm(t("organisations.confirmDeleteService", { name: service.name }))) return;
    const result = await action.run(() => api.deleteService(service.id));
    if (!result) return;
    onDeleted();
    await onChange();
  }

  return (
    <div className="subcard stack" id={`service-${service.id}`}>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <h3>{t("organisations.roster", { name: service.name })}</h3>
      {roster === null && !action.error ? <Spinner label={t("app.loading")} /> : null}
      {roster?.length === 0 ? <p className="hint">{t("organisations.rosterEmpty")}</p> : null}
      {roster?.length ? (
        <ul className="plain-list people" aria-label={t("organisations.roster", { name: service.name })}>
          {roster.map((entry) => (
            <li key={entry.userId} className="pick" data-testid="roster-entry">
              <strong>{entry.displayName}</strong>
              <button
                type="button"
                className="btn btn-danger btn-small"
                onClick={() => void remove(entry)}
                disabled={action.busy}
                aria-label={t("organisations.rosterRemoveLabel", {
                  name: entry.displayName,
                  service: service.name,
                })}
              >
                {t("organisations.remove")}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <ColleaguePicker
        label={t("organisations.findStaff")}
        exclude={roster?.map((r) => r.userId) ?? []}
        onPick={async (userId, picked) => {
          const result = await api.addToServiceRoster(service.id, userId);
          setRoster(result.roster);
          setDone(t("organisations.rosterAdded", { name: picked }));
          await onChange();
        }}
      />
      {roster ? <OnCallSection service={service} roster={roster} services={services} /> : null}
      <form className="inline-form" onSubmit={rename} aria-label={t("organisations.rename")}>
        <Field
          label={t("organisations.serviceName")}
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={OrganisationLimits.maxServiceNameLength}
          name="rename"
        />
        <SubmitButton busy={action.busy}>{t("organisations.rename")}</SubmitButton>
      </form>
      <p>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => void deleteService()}
          disabled={action.busy}
        >
          {t("organisations.deleteService")}
        </button>
      </p>
    </div>
  );
}
