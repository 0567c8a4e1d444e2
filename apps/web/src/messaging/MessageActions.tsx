import type { StoredMessage } from "@confrere/sdk";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { REACTION_EMOJIS, reactionGroups } from "./chat-text.ts";

/**
 * A message's reactions: one button per emoji with its count; the names of who reacted are its
 * accessible name and tooltip. Pressing one's own reaction takes it back; another adds it.
 */
export function Reactions({
  message,
  me,
  nameOf,
  onReact,
}: {
  message: StoredMessage;
  me: string;
  nameOf(userId: string): string;
  onReact(message: StoredMessage, emoji: string): void;
}) {
  const { t } = useI18n();
  const groups = reactionGroups(message);
  if (groups.length === 0) return null;
  return (
    <ul className="reactions" aria-label={t("chat.reactions")}>
      {groups.map(({ emoji, userIds }) => {
        const label = t("chat.reactionChip", {
          emoji,
          count: userIds.length,
          names: userIds.map(nameOf).join(", "),
        });
        return (
          <li key={emoji}>
            <button
              type="button"
              className="reaction"
              aria-pressed={userIds.includes(me)}
              aria-label={label}
              title={label}
              data-testid="reaction"
              onClick={() => onReact(message, emoji)}
            >
              <span aria-hidden="true">{emoji}</span> {userIds.length}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * What one can do with a message, behind one button so a long conversation stays readable on a
 * phone: react, reply, and for one's own texts edit or delete for everyone (after a confirmation).
 * Escape closes the bar and gives the focus back to its button.
 */
export function MessageActions({
  message,
  sender,
  mine,
  onReact,
  onReply,
  onEdit,
  onRecall,
}: {
  message: StoredMessage;
  sender: string;
  mine: boolean;
  onReact(message: StoredMessage, emoji: string): void;
  onReply(message: StoredMessage): void;
  onEdit(message: StoredMessage): void;
  onRecall(message: StoredMessage): void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const bar = useRef<HTMLFieldSetElement>(null);
  const canEdit = mine && message.content.type === "text";
  const canReply = message.content.type === "text" || message.content.type === "attachment";
  const barId = `actions-${message.id}`;

  // Opening the bar (or its confirmation) moves the focus into it, so the keyboard lands there.
  useEffect(() => {
    if (!open) return;
    bar.current?.querySelector<HTMLButtonElement>(confirming ? ".btn-danger" : "button")?.focus();
  }, [open, confirming]);

  function close() {
    setOpen(false);
    setConfirming(false);
    toggle.current?.focus();
  }
  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  }
  function then(action: () => void) {
    setOpen(false);
    setConfirming(false);
    action();
  }

  return (
    <div className="message-actions">
      <button
        ref={toggle}
        type="button"
        className="btn-more"
        aria-expanded={open}
        aria-controls={open ? barId : undefined}
        aria-label={t("chat.actions", { name: sender })}
        title={t("chat.actionsShort")}
        onClick={() => (open ? close() : setOpen(true))}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open ? (
        <fieldset id={barId} ref={bar} className="action-bar" onKeyDown={onKeyDown}>
          <legend className="visually-hidden">{t("chat.actions", { name: sender })}</legend>
          {confirming ? (
            <>
              <p className="action-confirm">{t("chat.recallConfirm")}</p>
              <button
                type="button"
                className="btn btn-danger btn-small"
                onClick={() => then(() => onRecall(message))}
              >
                {t("chat.recallYes")}
              </button>
              <button type="button" className="btn btn-secondary btn-small" onClick={close}>
                {t("chat.cancel")}
              </button>
            </>
          ) : (
            <>
              <span className="emoji-choices">
                {REACTION_EMOJIS.map((emoji) => (
                  <button
                    key={emoji}
                    type="button"
                    className="reaction-choice"
                    aria-label={t("chat.react", { emoji })}
                    title={t("chat.react", { emoji })}
                    onClick={() => then(() => onReact(message, emoji))}
                  >
                    {emoji}
                  </button>
                ))}
              </span>
              {canReply ? (
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  onClick={() => then(() => onReply(message))}
                >
                  {t("chat.reply")}
                </button>
              ) : null}
              {canEdit ? (
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  onClick={() => then(() => onEdit(message))}
                >
                  {t("chat.edit")}
                </button>
              ) : null}
              {mine ? (
                <button
                  type="button"
                  className="btn btn-danger btn-small"
                  onClick={() => setConfirming(true)}
                >
                  {t("chat.recall")}
                </button>
              ) : null}
            </>
          )}
        </fieldset>
      ) : null}
    </div>
  );
}
