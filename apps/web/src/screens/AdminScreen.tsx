import type { Account, SecurityEvent } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { EventTable } from "../components/EventTable.tsx";
import { Alert, Field, Page, Spinner, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";
import { BillingOperatorSection } from "./operator/BillingOperatorSection.tsx";
import { ClaimReviewSection } from "./operator/ClaimReviewSection.tsx";
import { LegalHoldSection } from "./operator/LegalHoldSection.tsx";

/**
 * The operator's screens, kept minimal: review identity claims, find accounts, verify an identity,
 * change a role, record bank transfers and credit notes, place legal holds, audit. Its own chunk: only operators open it.
 */
export default function AdminScreen() {
  const { t } = useI18n();
  // Each change an operator makes is an audit event: the trail below reloads after it.
  const [changes, setChanges] = useState(0);
  return (
    <Page title={t("admin.title")}>
      <div className="sections">
        <ClaimReviewSection onChange={() => setChanges((n) => n + 1)} />
        <UsersSection onChange={() => setChanges((n) => n + 1)} />
        <BillingOperatorSection onChange={() => setChanges((n) => n + 1)} />
        <LegalHoldSection onChange={() => setChanges((n) => n + 1)} />
        <AuditSection changes={changes} />
      </div>
    </Page>
  );
}

function UsersSection({ onChange }: { onChange(): void }) {
  const { t } = useI18n();
  const { api, account: me } = useSession();
  const [query, setQuery] = useState("");
  const [users, setUsers] = useState<Account[] | null>(null);
  const [verifying, setVerifying] = useState<Account | null>(null);
  const [note, setNote] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  const search = useCallback(
    async (q: string) => setUsers((await api.adminUsers(q.trim() || undefined)).users),
    [api],
  );
  useEffect(() => {
    void action.run(() => search(""));
  }, [action.run, search]);

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    void action.run(() => search(query));
  }

  async function verify(event: FormEvent) {
    event.preventDefault();
    if (!verifying) return;
    const result = await action.run(() => api.verifyIdentity(verifying.id, note.trim() || undefined));
    if (result) {
      setDone(t("admin.verified", { name: result.account.displayName }));
      setVerifying(null);
      setNote("");
      onChange();
      await action.run(() => search(query));
    }
  }

  async function toggleRole(user: Account) {
    const role = user.role === "operator" ? "user" : "operator";
    const result = await action.run(() => api.setRole(user.id, role));
    if (result) {
      setDone(t("admin.roleChanged", { name: result.account.displayName, role: t(`role.${role}`) }));
      onChange();
      await action.run(() => search(query));
    }
  }

  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">{t("admin.users")}</h2>
      <search>
        <form onSubmit={submitSearch} className="inline-form">
          <Field
            label={t("admin.search")}
            type="search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            name="q"
          />
          <SubmitButton busy={action.busy}>{t("admin.searchSubmit")}</SubmitButton>
        </form>
      </search>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {verifying ? (
        <form
          onSubmit={verify}
          className="subcard stack"
          aria-label={t("admin.verifyIdentityLabel", { name: verifying.displayName })}
        >
          <p>
            <strong>{t("admin.verifyIdentityLabel", { name: verifying.displayName })}</strong> (
            {verifying.email})
          </p>
          <Field
            label={t("admin.verifyNote")}
            value={note}
            onChange={(event) => setNote(event.target.value)}
            maxLength={500}
            name="note"
          />
          <div className="actions">
            <SubmitButton busy={action.busy}>{t("admin.verifyConfirm")}</SubmitButton>
            <button type="button" className="btn btn-secondary" onClick={() => setVerifying(null)}>
              {t("admin.cancel")}
            </button>
          </div>
        </form>
      ) : null}
      {users === null ? <Spinner label={t("app.loading")} /> : null}
      {users?.length === 0 ? <p>{t("admin.none")}</p> : null}
      {users?.length ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t("admin.users")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.colName")}</th>
                <th scope="col">{t("admin.colEmail")}</th>
                <th scope="col">{t("admin.colState")}</th>
                <th scope="col">{t("admin.colRole")}</th>
                <th scope="col">{t("admin.colActions")}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id} data-testid="admin-user">
                  <td>{user.displayName}</td>
                  <td>{user.email}</td>
                  <td>{t(`state.${user.state}`)}</td>
                  <td>{t(`role.${user.role}`)}</td>
                  <td className="row-actions">
                    {user.state === "active" ? (
                      <button
                        type="button"
                        className="btn btn-primary btn-small"
                        aria-label={t("admin.verifyIdentityLabel", { name: user.displayName })}
                        onClick={() => {
                          setDone(null);
                          setVerifying(user);
                        }}
                      >
                        {t("admin.verifyIdentity")}
                      </button>
                    ) : null}
                    {user.id !== me?.id ? (
                      <button
                        type="button"
                        className="btn btn-secondary btn-small"
                        aria-label={t("admin.roleLabel", { name: user.displayName })}
                        onClick={() => void toggleRole(user)}
                        disabled={action.busy}
                      >
                        {user.role === "operator" ? t("admin.makeUser") : t("admin.makeOperator")}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function AuditSection({ changes }: { changes: number }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const action = useAction();
  const PAGE = 50;

  const load = useCallback(
    async (before?: number) => {
      const page = (await api.auditEvents({ limit: PAGE, ...(before ? { before } : {}) })).events;
      setEvents((previous) => (before && previous ? [...previous, ...page] : page));
      setHasMore(page.length === PAGE);
    },
    [api],
  );
  useEffect(() => {
    if (changes >= 0) void action.run(() => load());
  }, [action.run, load, changes]);

  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">{t("admin.audit")}</h2>
      <p className="hint">{t("admin.auditIntro")}</p>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {events ? (
        <EventTable events={events} caption={t("admin.audit")} withActor />
      ) : (
        <Spinner label={t("app.loading")} />
      )}
      {hasMore && events ? (
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void action.run(() => load(events[events.length - 1]?.id))}
          disabled={action.busy}
        >
          {t("admin.loadMore")}
        </button>
      ) : null}
    </section>
  );
}
