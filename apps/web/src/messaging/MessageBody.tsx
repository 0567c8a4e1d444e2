import type { AttachmentRef } from "@confrere/protocol";
import type { StoredMessage } from "@confrere/sdk";
import { useEffect, useState } from "react";
import { FileIcon } from "../components/icons.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { saveBytes } from "../lib/save-file.ts";
import { formatSize, isInlineImage } from "./attachments.ts";
import { patientName } from "./case-format.ts";
import { segments } from "./chat-text.ts";
import { useMessaging } from "./messaging-context.tsx";

export function MessageBody({ message, me }: { message: StoredMessage; me: string }) {
  const { t } = useI18n();
  const content = message.content;
  if (message.recalled) return <p className="message-text muted">{t("messages.recalled")}</p>;
  if (content.type === "text") {
    return (
      <p className="message-text">
        {segments(content.text, content.mentions).map((part, index) =>
          "mention" in part ? (
            <strong
              // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never move.
              key={index}
              className={part.mention === me ? "mention mention-me" : "mention"}
              data-testid="mention"
            >
              {part.text}
            </strong>
          ) : (
            part.text
          ),
        )}
      </p>
    );
  }
  if (content.type === "attachment") {
    return (
      <>
        <Attachment message={message} attachment={content.attachment} />
        {content.text ? <p className="message-text">{content.text}</p> : null}
      </>
    );
  }
  if (content.type === "case-open") {
    return (
      <p className="message-text case-event" data-testid="case-opened">
        {t("cases.openedLine", {
          name: patientName(content.patient),
          consent: t(`cases.consent.${content.consent.status}`),
        })}
        {content.title ? ` · ${content.title}` : ""}
      </p>
    );
  }
  if (content.type === "case-consent") {
    return (
      <p className="message-text case-event">
        {t("cases.consentLine", { consent: t(`cases.consent.${content.consent.status}`) })}
      </p>
    );
  }
  return <p className="message-text muted">{t("messages.unsupported")}</p>;
}

/**
 * A photo shows its encrypted-in thumbnail, and the full picture once asked for; a PDF shows its
 * name and size. Either downloads decrypted, as a file.
 */
function Attachment({ message, attachment }: { message: StoredMessage; attachment: AttachmentRef }) {
  const { t, locale } = useI18n();
  const { client } = useMessaging();
  const [full, setFull] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const image = isInlineImage(attachment.mimeType);

  useEffect(
    () => () => {
      if (full) URL.revokeObjectURL(full);
    },
    [full],
  );

  async function decrypt() {
    setBusy(true);
    setError(null);
    try {
      return await client.downloadAttachment(message.conversationId, message.id);
    } catch (caught) {
      setError(describeError(caught, t));
      return null;
    } finally {
      setBusy(false);
    }
  }

  async function show() {
    const file = await decrypt();
    // Only the allow-listed image types get a typed blob (for <img>); never HTML or SVG.
    if (file)
      setFull(
        URL.createObjectURL(new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: attachment.mimeType })),
      );
  }

  async function download() {
    const file = await decrypt();
    if (file) saveBytes(file.bytes, attachment.fileName);
  }

  return (
    <div className="attachment" data-testid="attachment">
      {image && (full || attachment.thumbnail) ? (
        <button
          type="button"
          className="attachment-image"
          onClick={() => void show()}
          disabled={busy || full !== null}
          aria-label={t("messages.open", { name: attachment.fileName })}
        >
          <img src={full ?? attachment.thumbnail} alt={attachment.fileName} />
        </button>
      ) : (
        <p className="attachment-file">
          <FileIcon /> {attachment.fileName}{" "}
          <span className="muted">({formatSize(attachment.size, locale)})</span>
        </p>
      )}
      {image && !full && !attachment.thumbnail ? (
        <button
          type="button"
          className="btn btn-secondary btn-small"
          onClick={() => void show()}
          disabled={busy}
        >
          {t("messages.open", { name: attachment.fileName })}
        </button>
      ) : null}
      <button
        type="button"
        className="btn btn-secondary btn-small"
        onClick={() => void download()}
        disabled={busy}
        aria-label={t("messages.download", { name: attachment.fileName })}
      >
        {t("messages.download", { name: "" }).trim()}
      </button>
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  );
}
