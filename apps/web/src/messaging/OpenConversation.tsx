import { useEffect, useRef, useState } from "react";
import { Alert, Page, Spinner } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { Link, navigate } from "../lib/router.tsx";
import { useMessaging } from "./messaging-context.tsx";

export type ConversationTarget = { kind: "user" | "service"; id: string };

/**
 * `/ecrire/:userId` (the directory's "Écrire"): opens the direct conversation with a colleague,
 * creating it (and its MLS group) the first time. `/ecrire/service/:serviceId` ("Écrire au
 * service"): a new group with the service's roster, named after it. Then shows the conversation,
 * replacing this step in the history so "back" returns to the directory.
 */
export function OpenConversation({ target }: { target: ConversationTarget }) {
  const { t } = useI18n();
  const { client, reload } = useMessaging();
  const { kind, id: targetId } = target;
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    // Once, even if React runs the effect twice: the second call would only find the first one.
    if (started.current) return;
    started.current = true;
    (kind === "service" ? client.openServiceConversation(targetId) : client.openDirect(targetId))
      .then(async (id) => {
        await reload();
        navigate(`/conversations/${id}`, { replace: true });
      })
      .catch((caught: unknown) => setError(describeError(caught, t)));
  }, [client, reload, kind, targetId, t]);
  if (!error) return <Spinner label={t("messages.opening")} />;
  return (
    <Page title={t("messages.title")}>
      <Alert kind="error">{error}</Alert>
      <p>
        <Link to={kind === "service" ? "/annuaire?onglet=services" : "/annuaire"}>{t("nav.directory")}</Link>
      </p>
    </Page>
  );
}
