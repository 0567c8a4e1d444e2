import type { TeleExpertise } from "@confrere/protocol";
import { useCallback } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { useMessaging } from "../messaging/messaging-context.tsx";
import { useSession } from "../session.tsx";

/**
 * Who is on the other side of a request, as this device can name them: the requérant for the
 * requis; for the requérant, the requis, else (a service no one has taken on yet) the title of the
 * conversation with the service.
 */
export function useCounterpart(): (expertise: TeleExpertise) => string {
  const { t } = useI18n();
  const { account } = useSession();
  const { conversations, nameOf } = useMessaging();
  const me = account?.id ?? "";
  return useCallback(
    (expertise: TeleExpertise) => {
      const other = expertise.requerantId === me ? expertise.requisUserId : expertise.requerantId;
      const named = other ? nameOf(other) : null;
      if (named) return named;
      const conversation = conversations?.find((c) => c.conversation.id === expertise.conversationId);
      return conversation?.title ?? t("messages.unknownPerson");
    },
    [conversations, nameOf, me, t],
  );
}
