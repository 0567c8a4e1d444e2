import type { Account, Organisation, OrganisationMember } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Field, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { ColleaguePicker } from "./ColleaguePicker.tsx";

const PAGE = 200;

/**
 * The organisation's people: administrators and members. Administrators add verified colleagues
 * (a territory's must practise in its perimeter) and remove them; operators also name and remove
 * administrators.
 */
export function MembersSection({
  organisation,
  isOperator,
  changes,
  onChange,
}: {
  organisation: Organisation;
  isOperator: boolean;
  /** Bumped by other sections' changes: a roster addition makes a member too. */
  changes: number;
  onChange(): void;
}) {
  const { t } = useI18n();
  const { api, account } = useSession();
  const [members, setMembers] = useState<OrganisationMember[] | null>(null);
  const [nextAfter, setNextAfter] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  const load = useCallback(async () => {
    const page = await api.organisationMembers(organisation.id, { limit: PAGE });
    setMembers(page.members);
    setNextAfter(page.nextAfter);
  }, [api, organisation.id]);
  useEffect(() => {
    if (changes >= 0) void action.run(load);
  }, [action.run, load, changes]);

  async function more() {
    if (!nextAfter) return;
    const page = await action.run(() =>
      api.organisationMembers(organisation.id, { after: nextAfter, limit: PAGE }),
    );
    if (!page) return;
    setMembers((previous) => [...(previous ?? []), ...page.members]);
    setNextAfter(page.nextAfter);
  }

  function changed(message: string) {
    setDone(message);
    // The organisation reloads its sections, this list included.
    onChange();
  }

  async function remove(member: OrganisationMember) {
    if (!window.confirm(t("organisations.confirmRemove", { name: member.displayName }))) return;
    const result = await action.run(() => api.removeOrganisationMember(organisation.id, member.userId));
    if (result) changed(t("organisations.removed", { name: member.displayName }));
  }
  async function toggleAdmin(member: OrganisationMember) {
    const result = await action.run(async () => {
      if (member.role === "admin") await api.removeOrganisationAdmin(organisation.id, member.userId);
      else await api.addOrganisationAdmin(organisation.id, member.userId);
      return true;
    });
    if (result) changed(t("organisations.roleChanged", { name: member.displayName }));
  }

  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">{t("organisations.people")}</h2>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {members?.length === 0 ? <p className="hint">{t("organisations.nobody")}</p> : null}
      {members?.length ? (
        <ul className="plain-list people">
          {members.map((member) => (
            <li key={member.userId} className="pick" data-testid="member">
              <span>
                <strong>{member.displayName}</strong>{" "}
                <span className="badge">{t(`organisations.role.${member.role}`)}</span>
                {member.isVerified ? null : (
                  <span className="badge badge-warning">{t("organisations.unverified")}</span>
                )}
              </span>
              <span className="row-actions">
                {isOperator ? (
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    onClick={() => void toggleAdmin(member)}
                    disabled={action.busy}
                    aria-label={
                      member.role === "admin"
                        ? t("organisations.unmakeAdminLabel", { name: member.displayName })
                        : t("organisations.makeAdminLabel", { name: member.displayName })
                    }
                  >
                    {member.role === "admin" ? t("organisations.unmakeAdmin") : t("organisations.makeAdmin")}
                  </button>
                ) : null}
                {member.userId !== account?.id ? (
                  <button
                    type="button"
                    className="btn btn-danger btn-small"
                    onClick={() => void remove(member)}
                    disabled={action.busy}
                    aria-label={t("organisations.removeLabel", { name: member.displayName })}
                  >
                    {t("organisations.remove")}
                  </button>
                ) : null}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {nextAfter ? (
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void more()}
          disabled={action.busy}
        >
          {t("organisations.more")}
        </button>
      ) : null}
      <h3>{t("organisations.addMember")}</h3>
      <ColleaguePicker
        label={t("organisations.findColleague")}
        exclude={members?.map((m) => m.userId) ?? []}
        onPick={async (userId, name) => {
          await api.addOrganisationMember(organisation.id, userId);
          changed(t("organisations.added", { name }));
        }}
      />
      {isOperator ? <NameAdministrator organisation={organisation} onNamed={changed} /> : null}
    </section>
  );
}

/** Operators: any account may be named administrator (a hospital's secretary is not in the directory). */
function NameAdministrator({
  organisation,
  onNamed,
}: {
  organisation: Organisation;
  onNamed(message: string): void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [q, setQ] = useState("");
  const [users, setUsers] = useState<Account[] | null>(null);
  const action = useAction();

  async function search(event: FormEvent) {
    event.preventDefault();
    const found = await action.run(() => api.adminUsers(q.trim() || undefined));
    if (found) setUsers(found.users);
  }
  async function name(user: Account) {
    const result = await action.run(() => api.addOrganisationAdmin(organisation.id, user.id));
    if (result) {
      setUsers(null);
      setQ("");
      onNamed(t("organisations.adminNamed", { name: user.displayName }));
    }
  }

  return (
    <>
      <h3>{t("organisations.nameAdmin")}</h3>
      <search>
        <form className="inline-form" onSubmit={search} aria-label={t("organisations.nameAdmin")}>
          <Field
            label={t("admin.search")}
            type="search"
            value={q}
            onChange={(event) => setQ(event.target.value)}
            maxLength={200}
            name="admin-q"
          />
          <SubmitButton busy={action.busy}>{t("admin.searchSubmit")}</SubmitButton>
        </form>
      </search>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {users?.length === 0 ? <p className="hint">{t("admin.none")}</p> : null}
      {users?.length ? (
        <ul className="plain-list picks">
          {users.map((user) => (
            <li key={user.id} className="pick">
              <span>
                <strong>{user.displayName}</strong> <span className="muted">({user.email})</span>
              </span>
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => void name(user)}
                disabled={action.busy}
                aria-label={t("organisations.makeAdminLabel", { name: user.displayName })}
              >
                {t("organisations.makeAdmin")}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
