import type { Conversation, ConversationMember } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { Alert, Field, Spinner, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { Link, navigate } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";
import "./chat.css";
import { MemberPicker, type PickedColleague } from "./MemberPicker.tsx";
import { useMessaging } from "./messaging-context.tsx";

/**
 * `/conversations/:id/infos`: the people of a conversation, each with a way to compare safety
 * codes. In a group, admins also rename it, add and remove people and name other admins (the
 * server refuses anyone else anyway); anyone may leave.
 */
export function ConversationDetails({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const { account } = useSession();
  const { client, reload } = useMessaging();
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [name, setName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const me = account?.id ?? "";

  const load = useCallback(async () => {
    try {
      setConversation((await client.api.conversation(conversationId)).conversation);
      setName(await client.groupName(conversationId));
    } catch (caught) {
      setError(describeError(caught, t));
    }
  }, [client, conversationId, t]);

  useEffect(() => {
    void load();
    const offs = [
      client.events.on("conversation", (e) => {
        if (e.conversationId === conversationId) void load();
      }),
      client.events.on("message", (m) => {
        if (m.conversationId === conversationId && m.content.type === "group-info") void load();
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client, conversationId, load]);

  const isGroup = conversation?.kind === "group";
  const title = isGroup ? t("chat.details.group") : t("chat.details.direct");
  useEffect(() => {
    document.title = `${title} · ${t("app.name")}`;
    heading.current?.focus();
  }, [title, t]);

  const mine = conversation?.members.find((m) => m.userId === me);
  const isAdmin = isGroup && mine?.role === "admin";

  async function changed(message: string) {
    setNotice(message);
    setError(null);
    await load();
    await reload();
  }

  return (
    <section className="chat conversation-details" aria-labelledby="details-title">
      <header className="chat-header">
        <Link to={`/conversations/${conversationId}`} className="details-back">
          <span aria-hidden="true">←</span> {t("chat.backToChat")}
        </Link>
        <h1 id="details-title" tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {isGroup && name ? <p className="details-name">{name}</p> : null}
      </header>
      <div className="details-body stack">
        {error ? <Alert kind="error">{error}</Alert> : null}
        {notice ? <Alert kind="success">{notice}</Alert> : null}
        {conversation === null && !error ? <Spinner label={t("app.loading")} /> : null}
        {isAdmin ? <RenameGroup conversationId={conversationId} current={name} onDone={changed} /> : null}
        {conversation ? (
          <MemberList
            conversation={conversation}
            me={me}
            isAdmin={isAdmin}
            onChanged={changed}
            onError={setError}
          />
        ) : null}
        {isGroup && !isAdmin ? <p className="hint">{t("chat.adminsOnly")}</p> : null}
        {isAdmin && conversation ? (
          <AddMembers conversation={conversation} groupName={name} onDone={changed} />
        ) : null}
        {isGroup ? <LeaveGroup conversationId={conversationId} /> : null}
      </div>
    </section>
  );
}

function RenameGroup({
  conversationId,
  current,
  onDone,
}: {
  conversationId: string;
  current: string | null;
  onDone(message: string): Promise<void>;
}) {
  const { t } = useI18n();
  const { client } = useMessaging();
  const [value, setValue] = useState(current ?? "");
  const action = useAction();
  useEffect(() => setValue(current ?? ""), [current]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const next = value.trim();
    if (!next || next === current) return;
    if (await action.run(() => client.renameGroup(conversationId, next)))
      await onDone(t("chat.renamed", { name: next }));
  }
  return (
    <form onSubmit={submit} className="subcard stack" aria-label={t("chat.rename")}>
      <Field
        label={t("chat.groupName")}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        required
        maxLength={120}
        name="group-name"
      />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("chat.rename")}</SubmitButton>
      </div>
    </form>
  );
}

function MemberList({
  conversation,
  me,
  isAdmin,
  onChanged,
  onError,
}: {
  conversation: Conversation;
  me: string;
  isAdmin: boolean;
  onChanged(message: string): Promise<void>;
  onError(message: string): void;
}) {
  const { tn } = useI18n();
  const isGroup = conversation.kind === "group";
  const members = [...conversation.members].sort((a, b) =>
    a.userId === me ? -1 : b.userId === me ? 1 : a.displayName.localeCompare(b.displayName),
  );
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">{tn("chat.members", members.length)}</h2>
      <ul className="plain-list member-list">
        {members.map((member) => (
          <MemberCard
            key={member.userId}
            conversationId={conversation.id}
            member={member}
            isMe={member.userId === me}
            showRole={isGroup}
            canManage={isAdmin && member.userId !== me}
            onChanged={onChanged}
            onError={onError}
          />
        ))}
      </ul>
    </section>
  );
}

/** A colleague's card: their name and role, their safety code, and what an admin may do. */
function MemberCard({
  conversationId,
  member,
  isMe,
  showRole,
  canManage,
  onChanged,
  onError,
}: {
  conversationId: string;
  member: ConversationMember;
  isMe: boolean;
  showRole: boolean;
  canManage: boolean;
  onChanged(message: string): Promise<void>;
  onError(message: string): void;
}) {
  const { t } = useI18n();
  const { client } = useMessaging();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const name = member.displayName;
  /** The role a manager can switch this member to: make an admin, or a plain member again. */
  const otherRole = member.role === "admin" ? "member" : "admin";
  // The confirmation replaces the button that was pressed: the focus goes to it.
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  async function run(action: () => Promise<unknown>, done: string) {
    setBusy(true);
    try {
      await action();
      await onChanged(done);
    } catch (caught) {
      onError(describeError(caught, t));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <li className="member-card" data-testid="member">
      <p className="member-name">
        <strong>{name}</strong>
        {isMe ? <span className="muted"> ({t("chat.itsYou")})</span> : null}
        {showRole && member.role === "admin" ? <span className="badge">{t("chat.admin")}</span> : null}
      </p>
      {isMe && !canManage ? null : (
        <div className="actions">
          {isMe ? null : (
            <Link
              to={`/code-de-securite/${encodeURIComponent(member.userId)}`}
              className="btn btn-secondary btn-small"
              aria-label={t("chat.colleagueSafety", { name })}
            >
              {t("chat.safetyCode")}
            </Link>
          )}
          {canManage && !confirming ? (
            <>
              <button
                type="button"
                className="btn btn-secondary btn-small"
                disabled={busy}
                onClick={() =>
                  void run(
                    () => client.setMemberRole(conversationId, member.userId, otherRole),
                    t(otherRole === "admin" ? "chat.promoted" : "chat.demoted", { name }),
                  )
                }
              >
                {t(otherRole === "admin" ? "chat.promote" : "chat.demote", { name })}
              </button>
              <button
                type="button"
                className="btn btn-danger btn-small"
                disabled={busy}
                onClick={() => setConfirming(true)}
              >
                {t("chat.remove", { name })}
              </button>
            </>
          ) : null}
        </div>
      )}
      {confirming ? (
        <fieldset className="confirm">
          <legend>{t("chat.removeConfirm", { name })}</legend>
          <div className="actions">
            <button
              type="button"
              className="btn btn-danger btn-small"
              disabled={busy}
              aria-busy={busy}
              ref={confirmButton}
              onClick={() =>
                void run(
                  () => client.removeMember(conversationId, member.userId),
                  t("chat.removed", { name }),
                )
              }
            >
              {t("chat.removeYes")}
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => setConfirming(false)}
            >
              {t("chat.cancel")}
            </button>
          </div>
        </fieldset>
      ) : null}
    </li>
  );
}

function AddMembers({
  conversation,
  groupName,
  onDone,
}: {
  conversation: Conversation;
  groupName: string | null;
  onDone(message: string): Promise<void>;
}) {
  const { t, tn } = useI18n();
  const { client } = useMessaging();
  const [picked, setPicked] = useState<PickedColleague[]>([]);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (picked.length === 0) return action.setError(t("chat.pickAtLeastOne"));
    const done = await action.run(async () => {
      await client.addMembers(
        conversation.id,
        picked.map((p) => p.userId),
      );
      // The name travels in the history, which newcomers don't get: share it again for them.
      if (groupName) await client.renameGroup(conversation.id, groupName);
      return true;
    });
    if (!done) return;
    const count = picked.length;
    setPicked([]);
    await onDone(tn("chat.added", count));
  }

  return (
    <form onSubmit={submit} className="subcard stack" aria-labelledby="add-members-title">
      <h2 id="add-members-title">{t("chat.addMembers")}</h2>
      <p className="hint" data-testid="history-notice">
        {t("chat.historyNotShared")}
      </p>
      <MemberPicker
        picked={picked}
        onChange={setPicked}
        excluded={conversation.members.map((m) => m.userId)}
      />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("chat.add")}</SubmitButton>
      </div>
    </form>
  );
}

function LeaveGroup({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const { client, reload } = useMessaging();
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const action = useAction();
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  async function leave() {
    const done = await action.run(async () => {
      await client.leaveGroup(conversationId);
      return true;
    });
    if (!done) return;
    await reload();
    navigate("/", { replace: true });
  }

  return (
    <section className="subcard stack" aria-labelledby="leave-title">
      <h2 id="leave-title">{t("chat.leave")}</h2>
      {confirming ? (
        <>
          <p>{t("chat.leaveConfirm")}</p>
          {action.error ? <Alert kind="error">{action.error}</Alert> : null}
          <div className="actions">
            <button
              type="button"
              className="btn btn-danger"
              disabled={action.busy}
              aria-busy={action.busy}
              ref={confirmButton}
              onClick={() => void leave()}
            >
              {t("chat.leaveYes")}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => setConfirming(false)}>
              {t("chat.cancel")}
            </button>
          </div>
        </>
      ) : (
        <div className="actions">
          <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
            {t("chat.leave")}
          </button>
        </div>
      )}
    </section>
  );
}
