import type { StoredMessage } from "@confrere/sdk";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Alert, Field, Spinner, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link, navigate } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";
import { useMessaging } from "./messaging-context.tsx";
import { NewGroup } from "./NewGroup.tsx";

export function ConversationList({ openId }: { openId: string | null }) {
  const { t, formatDate } = useI18n();
  const { conversations } = useMessaging();
  const { account } = useSession();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!openId) {
      document.title = `${t("messages.title")} · ${t("app.name")}`;
      heading.current?.focus();
    }
  }, [openId, t]);

  return (
    <section className="conversations" aria-labelledby="conversations-title">
      <h1 id="conversations-title" tabIndex={-1} ref={heading}>
        {t("messages.title")}
      </h1>
      <div className="new-conversation">
        <NewConversation />
        <NewGroup />
      </div>
      {conversations === null ? <Spinner label={t("app.loading")} /> : null}
      {conversations?.length === 0 ? <p className="hint">{t("messages.empty")}</p> : null}
      <ul className="conversation-list" aria-label={t("messages.listLabel")}>
        {conversations?.map(({ conversation, title, last, unread }) => (
          <li key={conversation.id}>
            <Link
              to={`/conversations/${conversation.id}`}
              className="conversation-item"
              aria-current={conversation.id === openId ? "page" : undefined}
            >
              <span className="conversation-title">
                <strong>{title}</strong>
                {last ? (
                  <time dateTime={new Date(last.sentAt).toISOString()}>
                    {formatDate(last.sentAt, "time")}
                  </time>
                ) : null}
              </span>
              <span className="conversation-preview">
                {last ? preview(last, last.senderUserId === account?.id, t) : t("messages.noMessage")}
                {unread > 0 ? (
                  <span className="badge badge-unread" data-testid="unread">
                    {unread}
                  </span>
                ) : null}
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

function preview(message: StoredMessage, mine: boolean, t: ReturnType<typeof useI18n>["t"]): string {
  const content = message.content;
  const text = message.recalled
    ? t("messages.recalled")
    : content.type === "text"
      ? content.text.slice(0, 80)
      : content.type === "attachment"
        ? t("messages.attachment", { name: content.attachment.fileName })
        : content.type === "case-open"
          ? t("cases.previewOpened")
          : t("messages.unsupported");
  return mine ? t("messages.mine", { text }) : text;
}

function NewConversation() {
  const { t } = useI18n();
  const { api } = useSession();
  const { client, reload } = useMessaging();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const id = await action.run(async () => {
      const colleague = await api.lookupUser(email.trim());
      return client.openDirect(colleague.userId);
    });
    if (id) {
      setEmail("");
      setOpen(false);
      await reload();
      navigate(`/conversations/${id}`);
    }
  }

  if (!open) {
    return (
      <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
        {t("messages.new")}
      </button>
    );
  }
  return (
    <form onSubmit={submit} className="stack subcard" aria-label={t("messages.new")}>
      <Field
        label={t("messages.newEmail")}
        type="email"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        required
        autoFocus
        name="colleague-email"
      />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("messages.newSubmit")}</SubmitButton>
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>
          {t("factors.cancel")}
        </button>
      </div>
    </form>
  );
}
