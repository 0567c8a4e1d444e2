import type { Conversation, MessageContent } from "@confrere/protocol";
import { type DeliveryState, type StoredMessage, urgentEnvelope } from "@confrere/sdk";
import {
  type FormEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { PaperclipIcon } from "../components/icons.tsx";
import { Alert } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { Link, useLocation } from "../lib/router.tsx";
import { useSession } from "../session.tsx";
import { formatSize, isSendable, MAX_ATTACHMENT_BYTES, makeThumbnail } from "./attachments.ts";
import "./chat.css";
import "./care.css";
import { CaseTag, ColleagueAvailabilityLine } from "./CareBits.tsx";
import { caseIdOf, casesFromMessages, isUrgent as isUrgentMessage, patientName } from "./case-format.ts";
import {
  excerpt,
  insertMention,
  mentionCandidates,
  mentionQuery,
  mentionsIn,
  type Person,
} from "./chat-text.ts";
import { MessageActions, Reactions } from "./MessageActions.tsx";
import { MessageBody } from "./MessageBody.tsx";
import { groupNameOf, useMessaging } from "./messaging-context.tsx";
import { NewDeviceNotice } from "./NewDeviceNotice.tsx";
import { OpenCaseForm } from "./OpenCaseForm.tsx";
import { QueuedMessages, useQueuedMessages } from "./QueuedMessages.tsx";
import { useMessageWindow } from "./use-message-window.ts";

interface Pending {
  localId: string;
  label: string;
  sentAt: number;
}

/** How long "X écrit…" stays without a new typing frame (clients send one every few seconds). */
const TYPING_SHOWN_MS = 5_000;
const TYPING_SENT_EVERY_MS = 3_000;
/** A User Timing measure of reading the conversation from the device store. */
const READ_MEASURE = "confrere:chat-messages";

type Row =
  | { day: string; label: string }
  | { message: StoredMessage }
  | { pending: Pending }
  | { system: string; key: string };

function rowKey(row: Row): string {
  if ("day" in row) return `day-${row.day}`;
  if ("system" in row) return row.key;
  if ("pending" in row) return row.pending.localId;
  return row.message.id;
}

function dayKey(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function ChatScreen({ conversationId }: { conversationId: string }) {
  const { t, tn, formatDate } = useI18n();
  const { account } = useSession();
  const { query } = useLocation();
  const { client, conversations, markSeen, seenUpTo } = useMessaging();
  const summary = conversations?.find((c) => c.conversation.id === conversationId) ?? null;
  const [conversation, setConversation] = useState<Conversation | null>(summary?.conversation ?? null);
  const [messages, setMessages] = useState<StoredMessage[] | null>(null);
  const [pending, setPending] = useState<Pending[]>([]);
  const queued = useQueuedMessages(client, conversationId);
  const [typing, setTyping] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [groupName, setGroupName] = useState<string | null>(summary?.name ?? null);
  /** The message being answered, or being edited (its text is then in the composer). */
  const [replyTo, setReplyTo] = useState<StoredMessage | null>(null);
  const [editing, setEditing] = useState<StoredMessage | null>(null);
  /** People picked from the "@" suggestions while typing; their names become mentions on send. */
  const [picked, setPicked] = useState<Person[]>([]);
  const [cursor, setCursor] = useState(0);
  /** Patient cases: the "open a case" form, and the case the composer writes in ("" for none). */
  const [isOpeningCase, setIsOpeningCase] = useState(false);
  // `?dossier=<caseId>` (from a case's screen) starts the composer in that case.
  const [composeCase, setComposeCase] = useState(() => query.get("dossier") ?? "");
  /** The next message goes out urgent (a one-shot switch, off again once sent). */
  const [isUrgent, setIsUrgent] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);
  /** Where the caret goes once the composer shows the text a picked mention made. */
  const caretAfterMention = useRef<number | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const lastTypingSent = useRef(0);
  const me = account?.id ?? "";
  const others = conversation?.members.filter((m) => m.userId !== me) ?? [];
  const isGroup = conversation?.kind === "group";
  const title =
    (isGroup ? groupName : null) || others.map((m) => m.displayName).join(", ") || summary?.title || "";
  const nameOf = (userId: string) =>
    userId === me
      ? t("chat.you")
      : (conversation?.members.find((m) => m.userId === userId)?.displayName ?? t("messages.unknownPerson"));

  /** A burst of incoming messages reads the device store once more, not once per message. */
  const loading = useRef<{ running: Promise<void> | null; again: boolean }>({ running: null, again: false });
  const loadMessages = useCallback((): Promise<void> => {
    const state = loading.current;
    if (state.running) {
      state.again = true;
      return state.running;
    }
    const run = async () => {
      try {
        do {
          state.again = false;
          const reading = performance.now();
          const all = await client.messages(conversationId);
          // The last read's duration, for bench/web-scroll.ts (the store is read whole each time).
          performance.clearMeasures(READ_MEASURE);
          performance.measure(READ_MEASURE, { start: reading });
          setGroupName(groupNameOf(all));
          // Receipts change other messages; group names show as a line of their own.
          setMessages(all.filter((m) => m.content.type !== "receipt"));
        } while (state.again);
      } finally {
        state.running = null;
      }
    };
    state.running = run();
    return state.running;
  }, [client, conversationId]);
  const loadConversation = useCallback(async () => {
    setConversation((await client.api.conversation(conversationId)).conversation);
  }, [client, conversationId]);

  useEffect(() => {
    void loadMessages().catch((e) => setError(describeError(e, t)));
    void loadConversation().catch((e) => setError(describeError(e, t)));
  }, [loadMessages, loadConversation, t]);

  useEffect(() => {
    heading.current?.focus();
  }, []);
  useEffect(() => {
    if (title) document.title = `${title} · ${t("app.name")}`;
  }, [title, t]);

  // Live updates: new messages, edits and receipts, delivery positions, typing.
  useEffect(() => {
    let typingTimer: ReturnType<typeof setTimeout> | null = null;
    const offs = [
      client.events.on("message", (m) => {
        if (m.conversationId !== conversationId) return;
        setTyping(null);
        void loadMessages();
      }),
      client.events.on("update", (m) => {
        if (m.conversationId === conversationId) void loadMessages();
      }),
      client.events.on("conversation", (e) => {
        if (e.conversationId === conversationId) void loadConversation();
      }),
      client.events.on("delivery", (e) => {
        if (e.conversationId !== conversationId) return;
        setConversation((c) =>
          c
            ? {
                ...c,
                members: c.members.map((m) =>
                  m.userId === e.userId ? { ...m, deliveredSeq: Math.max(m.deliveredSeq, e.seq) } : m,
                ),
              }
            : c,
        );
      }),
      client.events.on("typing", (e) => {
        if (e.conversationId !== conversationId || e.userId === me) return;
        const name = conversation?.members.find((m) => m.userId === e.userId)?.displayName;
        setTyping(name ?? t("messages.unknownPerson"));
        if (typingTimer) clearTimeout(typingTimer);
        typingTimer = setTimeout(() => setTyping(null), TYPING_SHOWN_MS);
      }),
    ];
    return () => {
      if (typingTimer) clearTimeout(typingTimer);
      for (const off of offs) off();
    };
  }, [client, conversationId, conversation, me, loadMessages, loadConversation, t]);

  // What is on screen counts as read: an (encrypted) read receipt, and the unread badge clears.
  useEffect(() => {
    if (!messages?.length) return;
    let cancelled = false;
    const acknowledge = async () => {
      if (document.visibilityState !== "visible") return;
      const seen = await seenUpTo(conversationId);
      const fresh = messages.filter(
        (m) => m.senderUserId !== me && m.seq > seen && m.content.type !== "group-info",
      );
      const top = messages[messages.length - 1]!.seq;
      if (cancelled) return;
      await markSeen(conversationId, top);
      if (fresh.length)
        await client
          .markRead(
            conversationId,
            fresh.map((m) => m.id),
          )
          .catch(() => {});
    };
    void acknowledge();
    document.addEventListener("visibilitychange", acknowledge);
    return () => {
      cancelled = true;
      document.removeEventListener("visibilitychange", acknowledge);
    };
  }, [messages, client, conversationId, me, markSeen, seenUpTo]);

  async function track(label: string, send: () => Promise<unknown>): Promise<boolean> {
    const localId = crypto.randomUUID();
    toBottom();
    setPending((list) => [...list, { localId, label, sentAt: Date.now() }]);
    setError(null);
    try {
      await send();
      await loadMessages();
      return true;
    } catch (caught) {
      setError(describeError(caught, t));
      return false;
    } finally {
      setPending((list) => list.filter((p) => p.localId !== localId));
    }
  }

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    const body = text.trim();
    if (!body) return;
    const target = editing;
    const answering = replyTo;
    setText("");
    setEditing(null);
    setReplyTo(null);
    if (target) {
      if (await apply(() => client.edit(conversationId, target.id, body))) return;
      setEditing(target);
      setText(body);
      return;
    }
    const mentions = mentionsIn(body, picked);
    const urgent = isUrgent;
    const content: MessageContent = {
      v: 1,
      type: "text",
      text: body,
      ...(answering ? { replyTo: answering.id } : {}),
      ...(mentions.length ? { mentions } : {}),
      ...(composeCase && cases.has(composeCase) ? { caseId: composeCase } : {}),
      ...(urgent ? { urgent: true } : {}),
    };
    setIsUrgent(false);
    // Offline, the message waits on the device (QueuedMessages) and leaves when the network returns;
    // an urgent one alerts then.
    const send = () => client.sendOrQueue(conversationId, content, urgentEnvelope({ urgent }));
    if (await track(body, send)) {
      setPicked([]);
      return;
    }
    setText(body);
    setReplyTo(answering);
    setIsUrgent(urgent);
  }

  /** Back from the case form to the conversation, at its latest messages, ready to write. */
  function closeCaseForm() {
    setIsOpeningCase(false);
    requestAnimationFrame(() => {
      toBottom();
      composer.current?.focus();
    });
  }

  function cancelCompose() {
    if (editing) setText("");
    setEditing(null);
    setReplyTo(null);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // While a mention is being typed, Tab or Enter picks the first suggestion.
    const first = typingMention?.query ? suggestions[0] : undefined;
    if (first && (event.key === "Tab" || event.key === "Enter") && !event.shiftKey) {
      event.preventDefault();
      pickMention(first);
      return;
    }
    // Enter sends, Shift+Enter makes a new line (as in every messenger); not while composing (IME).
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
    if (event.key === "Escape" && (editing || replyTo)) {
      event.preventDefault();
      cancelCompose();
    }
  }

  function startReply(message: StoredMessage) {
    setEditing(null);
    setReplyTo(message);
    composer.current?.focus();
  }

  function startEdit(message: StoredMessage) {
    if (message.content.type !== "text") return;
    setReplyTo(null);
    setEditing(message);
    setText(message.content.text);
    composer.current?.focus();
  }

  async function recall(message: StoredMessage) {
    if (editing?.id === message.id) cancelCompose();
    await apply(() => client.recall(conversationId, message.id));
  }

  function react(message: StoredMessage, emoji: string) {
    // Choosing one's current reaction again takes it back.
    void apply(() => client.react(conversationId, message.id, message.reactions[me] === emoji ? "" : emoji));
  }

  /** Edits, recalls and reactions change a message in place: no "sending" bubble of their own. */
  async function apply(change: () => Promise<unknown>): Promise<boolean> {
    setError(null);
    try {
      await change();
      await loadMessages();
      return true;
    } catch (caught) {
      setError(describeError(caught, t));
      return false;
    }
  }

  const people: Person[] = others.map((m) => ({ userId: m.userId, displayName: m.displayName }));
  const typingMention = editing ? null : mentionQuery(text, cursor);
  const suggestions = typingMention ? mentionCandidates(people, typingMention.query) : [];

  function pickMention(person: Person) {
    if (!typingMention) return;
    const next = insertMention(text, cursor, typingMention.start, person);
    caretAfterMention.current = next.cursor;
    setText(next.text);
    setCursor(next.cursor);
    setPicked((list) => (list.some((p) => p.userId === person.userId) ? list : [...list, person]));
  }

  // The caret goes after the mention as soon as the composer shows it (the render of the pick),
  // before the next key is handled: a frame later, a quick typist's next letters had gone in
  // before it and the rest after them ("…dossier ?p").
  useLayoutEffect(() => {
    const caret = caretAfterMention.current;
    if (caret === null) return;
    caretAfterMention.current = null;
    composer.current?.focus();
    composer.current?.setSelectionRange(caret, caret);
  });

  function onType(value: string, position: number) {
    setText(value);
    setCursor(position);
    const now = Date.now();
    if (value && now - lastTypingSent.current > TYPING_SENT_EVERY_MS) {
      lastTypingSent.current = now;
      client.typing(conversationId);
    }
  }

  async function attach(file: File | undefined) {
    if (fileInput.current) fileInput.current.value = "";
    if (!file) return;
    if (!isSendable(file)) return setError(t("messages.fileType"));
    if (file.size > MAX_ATTACHMENT_BYTES)
      return setError(t("messages.fileTooLarge", { size: formatSize(MAX_ATTACHMENT_BYTES, "fr") }));
    await track(t("messages.attachment", { name: file.name }), async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const thumbnail = file.type.startsWith("image/") ? await makeThumbnail(file) : undefined;
      // A photo taken for the case being written in goes into it (and into its export).
      const caseId = composeCase && cases.has(composeCase) ? composeCase : undefined;
      await client.sendFile(
        conversationId,
        { bytes, fileName: file.name, mimeType: file.type, ...(thumbnail ? { thumbnail } : {}) },
        undefined,
        { caseId, urgent: isUrgent },
      );
      setIsUrgent(false);
    });
  }

  const byId = useMemo(() => new Map((messages ?? []).map((m) => [m.id, m])), [messages]);
  const cases = useMemo(() => casesFromMessages(messages ?? []), [messages]);
  const composeCaseLabel = cases.get(composeCase);
  // Built once per change of the messages, not on every render (scrolling, typing): with 10,000
  // messages the rows and their keys take a few milliseconds to build.
  // biome-ignore lint/correctness/useExhaustiveDependencies: nameOf only reads conversation, me and t.
  const { rows, keys } = useMemo(() => {
    const rows: Row[] = [];
    let lastDay = "";
    const today = dayKey(Date.now());
    const yesterday = dayKey(Date.now() - 86_400_000);
    const pushDay = (at: number) => {
      const key = dayKey(at);
      if (key === lastDay) return;
      lastDay = key;
      const label =
        key === today
          ? t("messages.today")
          : key === yesterday
            ? t("messages.yesterday")
            : formatDate(at, "day");
      rows.push({ day: key, label });
    };
    let shownName: string | null = null;
    for (const message of messages ?? []) {
      pushDay(message.sentAt);
      if (message.content.type === "group-info") {
        // The name is shared again when people are added: only a change makes a line.
        const name = message.content.name;
        if (name !== shownName)
          rows.push({
            key: message.id,
            system:
              shownName === null
                ? t("chat.groupNamed", { name })
                : t("chat.groupRenamed", { name: nameOf(message.senderUserId), group: name }),
          });
        shownName = name;
        continue;
      }
      rows.push({ message });
    }
    for (const p of pending) {
      pushDay(p.sentAt);
      rows.push({ pending: p });
    }
    return { rows, keys: rows.map(rowKey) };
  }, [messages, pending, conversation, me, t, formatDate]);
  // Only a window of the rows is in the DOM (a conversation may hold 10,000 messages).
  const { start, end, scroller, list, onScroll, jumpTo, toBottom, atBottom } = useMessageWindow(keys);
  // Away from the latest messages, a button leads back to them and counts what others wrote since.
  const latestSeq = messages?.[messages.length - 1]?.seq ?? 0;
  const [leftAtSeq, setLeftAtSeq] = useState<number | null>(null);
  if (atBottom && leftAtSeq !== null) setLeftAtSeq(null);
  if (!atBottom && leftAtSeq === null) setLeftAtSeq(latestSeq);
  const arrivedBelow =
    leftAtSeq === null
      ? 0
      : (messages ?? []).filter(
          (m) => m.seq > leftAtSeq && m.senderUserId !== me && m.content.type !== "group-info",
        ).length;

  return (
    <section className="chat" aria-labelledby="chat-title">
      <header className="chat-header">
        <Link to="/" className="chat-back">
          <span aria-hidden="true">←</span> {t("messages.back")}
        </Link>
        <div className="chat-title-row">
          <h1 id="chat-title" tabIndex={-1} ref={heading}>
            {title}
          </h1>
          <div className="chat-header-links">
            {conversation?.kind === "direct" && others[0] ? (
              <Link
                to={`/code-de-securite/${encodeURIComponent(others[0].userId)}`}
                className="btn btn-secondary btn-small"
              >
                {t("chat.safetyCode")}
              </Link>
            ) : null}
            <Link to={`/conversations/${conversationId}/infos`} className="btn btn-secondary btn-small">
              {isGroup ? t("chat.details.group") : t("chat.details.direct")}
            </Link>
          </div>
        </div>
        <p className="hint">
          {t("messages.encrypted")}
          {isGroup ? ` · ${tn("chat.memberCount", conversation?.members.length ?? 0)}` : ""}
        </p>
        {conversation?.kind === "direct" && others[0] ? (
          <ColleagueAvailabilityLine userId={others[0].userId} />
        ) : null}
      </header>
      <NewDeviceNotice conversationId={conversationId} />
      {isOpeningCase ? (
        <div className="case-panel">
          <OpenCaseForm
            conversationId={conversationId}
            onCancel={closeCaseForm}
            onOpened={(opened) => {
              setComposeCase(opened.caseId);
              void loadMessages();
              closeCaseForm();
            }}
          />
        </div>
      ) : null}
      {/* The log wraps the list: an <ol> given role="log" would lose its list semantics (axe: listitem). */}
      <div
        className="messages"
        role="log"
        aria-live="polite"
        aria-label={t("messages.historyLabel", { name: title })}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard (arrows, PageUp/PageDown).
        tabIndex={0}
        ref={scroller}
        onScroll={onScroll}
        data-testid="message-log"
        // The case form takes the conversation's place (on a phone there is no room for both).
        hidden={isOpeningCase}
      >
        <ol className="message-rows" ref={list}>
          {rows.slice(start, end).map((row) => {
            const key = rowKey(row);
            if ("day" in row) {
              return (
                <li key={key} data-row-key={key} className="day-separator">
                  <span>{row.label}</span>
                </li>
              );
            }
            if ("system" in row) {
              return (
                <li key={key} data-row-key={key} className="system-line" data-testid="system-line">
                  <span>{row.system}</span>
                </li>
              );
            }
            if ("pending" in row) {
              return (
                <li
                  key={key}
                  data-row-key={key}
                  className="message mine"
                  data-testid="message"
                  data-state="sending"
                >
                  <div className="bubble">
                    <p className="message-text">{row.pending.label}</p>
                    <p className="message-meta">
                      <time>{formatDate(row.pending.sentAt, "time")}</time>
                      <Ticks state="sending" />
                    </p>
                  </div>
                </li>
              );
            }
            const { message } = row;
            const mine = message.senderUserId === me;
            const state = mine && conversation ? client.deliveryState(message, conversation) : null;
            const sender = nameOf(message.senderUserId);
            const content = message.content;
            const replyId =
              !message.recalled && (content.type === "text" || content.type === "attachment")
                ? content.replyTo
                : undefined;
            // undefined: not a reply; null: a reply to a message this device doesn't have.
            const quoted = replyId ? (byId.get(replyId) ?? null) : undefined;
            const messageCase = caseIdOf(message);
            const urgent = isUrgentMessage(message) && !message.recalled;
            return (
              <li
                key={key}
                data-row-key={key}
                data-message-id={message.id}
                className={`${mine ? "message mine" : "message theirs"}${urgent ? " urgent" : ""}`}
                data-testid="message"
                data-state={state ?? undefined}
              >
                <div className="message-column">
                  <div className="bubble">
                    {messageCase ? <CaseTag caseId={messageCase} label={cases.get(messageCase)} /> : null}
                    {urgent ? (
                      <p className="urgent-mark" data-testid="urgent-mark">
                        {t("urgent.mark")}
                      </p>
                    ) : null}
                    {isGroup && !mine ? (
                      <p className="message-sender">{sender}</p>
                    ) : (
                      <span className="visually-hidden">
                        {mine ? t("messages.mine", { text: "" }) : `${sender} : `}
                      </span>
                    )}
                    {quoted !== undefined ? (
                      <blockquote className="reply-quote" data-testid="reply-quote">
                        {quoted ? (
                          // Shows the quoted message, moving the window there if it is not rendered.
                          <button type="button" className="reply-jump" onClick={() => jumpTo(quoted.id)}>
                            {t("chat.quote", {
                              name: nameOf(quoted.senderUserId),
                              text: quoted.recalled ? t("messages.recalled") : excerpt(quoted),
                            })}
                          </button>
                        ) : (
                          t("chat.quoteMissing")
                        )}
                      </blockquote>
                    ) : null}
                    <MessageBody message={message} me={me} />
                    <p className="message-meta">
                      {message.editedAt && !message.recalled ? (
                        <span className="edited" data-testid="edited">
                          {t("chat.edited")}
                        </span>
                      ) : null}
                      <time dateTime={new Date(message.sentAt).toISOString()}>
                        {formatDate(message.sentAt, "time")}
                      </time>
                      {state ? <Ticks state={state} /> : null}
                    </p>
                  </div>
                  {message.recalled ? null : (
                    <>
                      <Reactions message={message} me={me} nameOf={nameOf} onReact={react} />
                      <MessageActions
                        message={message}
                        sender={sender}
                        mine={mine}
                        onReact={react}
                        onReply={startReply}
                        onEdit={startEdit}
                        onRecall={recall}
                      />
                    </>
                  )}
                </div>
              </li>
            );
          })}
          <QueuedMessages client={client} queued={queued} />
        </ol>
        {messages !== null && rows.length === 0 && queued.length === 0 ? (
          <p className="hint" data-testid="empty-log">
            {t("messages.emptyOnDevice")}
          </p>
        ) : null}
      </div>
      {!atBottom && !isOpeningCase ? (
        <div className="to-latest-anchor">
          <button type="button" className="to-latest" onClick={toBottom}>
            <span aria-hidden="true">↓ </span>
            {arrivedBelow > 0 ? tn("chat.newBelow", arrivedBelow) : t("chat.toLatest")}
          </button>
        </div>
      ) : null}
      <p className="typing" aria-live="polite" hidden={isOpeningCase}>
        {typing ? t("messages.typing", { name: typing }) : ""}
      </p>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {replyTo || editing ? (
        <div className="compose-context" data-testid="compose-context">
          <p>
            {editing
              ? t("chat.editing")
              : replyTo
                ? t("chat.replyingTo", { name: nameOf(replyTo.senderUserId), text: excerpt(replyTo) })
                : null}
          </p>
          <button type="button" className="btn btn-secondary btn-small" onClick={cancelCompose}>
            {editing ? t("chat.cancelEdit") : t("chat.cancelReply")}
          </button>
        </div>
      ) : null}
      {suggestions.length ? (
        <fieldset className="mention-suggestions">
          <legend className="visually-hidden">{t("chat.mentionsLabel")}</legend>
          <span className="hint">{t("chat.mentionsHint")}</span>
          {suggestions.map((person) => (
            <button
              key={person.userId}
              type="button"
              className="btn btn-secondary btn-small"
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => pickMention(person)}
            >
              {t("chat.mention", { name: person.displayName })}
            </button>
          ))}
        </fieldset>
      ) : null}
      {/* The options, the case line and the composer stay together at the bottom of the screen. */}
      <div className="compose-dock" hidden={isOpeningCase}>
        <fieldset className="compose-options">
          <legend className="visually-hidden">{t("care.composeOptions")}</legend>
          <button
            type="button"
            className="btn btn-secondary btn-small"
            aria-expanded={isOpeningCase}
            onClick={() => setIsOpeningCase((open) => !open)}
          >
            {t("cases.openButton")}
          </button>
          {cases.size > 0 ? (
            <label className="compose-case">
              <span className="compose-case-text">{t("cases.writeIn")}</span>{" "}
              <select value={composeCase} onChange={(event) => setComposeCase(event.target.value)}>
                <option value="">{t("cases.noCase")}</option>
                {[...cases.values()].map((c) => (
                  <option key={c.caseId} value={c.caseId}>
                    {patientName(c.patient)}
                    {c.title ? ` · ${c.title}` : ""}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className={isUrgent ? "compose-urgent is-on" : "compose-urgent"}>
            <input
              type="checkbox"
              checked={isUrgent}
              onChange={(event) => setIsUrgent(event.target.checked)}
            />
            {t("urgent.toggle")}
          </label>
        </fieldset>
        {composeCaseLabel ? (
          <p className="hint compose-in-case" id="compose-in-case" data-testid="compose-in-case">
            {t("cases.writingIn", { name: patientName(composeCaseLabel.patient) })}
          </p>
        ) : null}
        <form className={isUrgent ? "composer composer-urgent" : "composer"} onSubmit={submit}>
          <input
            ref={fileInput}
            type="file"
            accept="image/*,application/pdf"
            className="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            onChange={(event) => void attach(event.target.files?.[0])}
            data-testid="file-input"
          />
          <button
            type="button"
            className="btn btn-secondary btn-icon"
            onClick={() => fileInput.current?.click()}
            aria-label={t("messages.attach")}
            title={t("messages.attach")}
          >
            <PaperclipIcon />
          </button>
          <label htmlFor="composer-text" className="visually-hidden">
            {t("messages.composer")}
          </label>
          <textarea
            id="composer-text"
            ref={composer}
            value={text}
            onChange={(event) => onType(event.target.value, event.target.selectionStart)}
            onSelect={(event) => setCursor(event.currentTarget.selectionStart)}
            onKeyDown={onKeyDown}
            placeholder={t("messages.composerPlaceholder")}
            aria-describedby={composeCaseLabel ? "compose-in-case" : undefined}
            rows={1}
            maxLength={20_000}
          />
          <button type="submit" className="btn btn-primary" disabled={!text.trim()}>
            {editing ? t("chat.saveEdit") : isUrgent ? t("urgent.send") : t("messages.send")}
          </button>
        </form>
      </div>
    </section>
  );
}

function Ticks({ state }: { state: DeliveryState }) {
  const { t } = useI18n();
  const label = t(`messages.state.${state}`);
  const marks = state === "sending" ? "◷" : state === "sent" ? "✓" : "✓✓";
  return (
    <span className={`ticks ticks-${state}`} role="img" aria-label={label} title={label}>
      {marks}
    </span>
  );
}
