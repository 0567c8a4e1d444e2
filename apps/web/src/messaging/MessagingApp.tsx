import { useState } from "react";
import { Alert, Page, Spinner } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { Link, useLocation } from "../lib/router.tsx";
import { useSession } from "../session.tsx";
import { ChatScreen } from "./ChatScreen.tsx";
import { ConversationDetails } from "./ConversationDetails.tsx";
import { ConversationList } from "./ConversationList.tsx";
import { MessagingProvider, type MessagingStage } from "./messaging-context.tsx";
import { type ConversationTarget, OpenConversation } from "./OpenConversation.tsx";
import { SafetyCodeScreen } from "./SafetyCodeScreen.tsx";

/**
 * The messaging part of the app, in its own chunk with the MLS code: `/` lists conversations,
 * `/conversations/:id` opens one (side by side on wide screens, one at a time on phones),
 * `/conversations/:id/infos` shows its people (and a group's settings), `/ecrire/:userId` and
 * `/ecrire/service/:serviceId` start a conversation from the directory, and
 * `/code-de-securite/:userId` shows the safety code with a colleague.
 */
export default function MessagingApp() {
  const { t } = useI18n();
  const { account } = useSession();
  const { path } = useLocation();
  const [stage, setStage] = useState<{ stage: MessagingStage; error?: unknown }>({ stage: "opening" });
  const opened = /^\/conversations\/([A-Za-z0-9_-]+)(\/infos)?$/.exec(path);
  const openId = opened?.[1] ?? null;
  const showDetails = opened?.[2] !== undefined;
  const writeTo = writeTarget(path);
  const safetyWith = /^\/code-de-securite\/([A-Za-z0-9_-]+)$/.exec(path)?.[1] ?? null;

  if (account?.state !== "verified") {
    return (
      <Page title={t("messages.title")}>
        <Alert kind="info">{t("messages.identityRequired")}</Alert>
        <p>
          <Link className="btn btn-primary" to="/identite">
            {t("identity.cta")}
          </Link>
        </p>
      </Page>
    );
  }
  return (
    <>
      {stage.stage === "opening" ? <Spinner label={t("messages.loadingCrypto")} /> : null}
      {stage.stage === "other-tab" ? (
        <Page title={t("messages.title")}>
          <Alert kind="info">{t("messages.otherTab")}</Alert>
          <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
            {t("messages.reload")}
          </button>
        </Page>
      ) : null}
      {stage.stage === "failed" ? (
        <Page title={t("messages.title")}>
          <Alert kind="error">{describeError(stage.error, t)}</Alert>
          <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
            {t("messages.reload")}
          </button>
        </Page>
      ) : null}
      <MessagingProvider onStage={(next, error) => setStage({ stage: next, error })}>
        {safetyWith ? (
          <SafetyCodeScreen key={safetyWith} userId={safetyWith} />
        ) : writeTo ? (
          <OpenConversation key={path} target={writeTo} />
        ) : (
          <div className={openId ? "messenger has-open" : "messenger"}>
            <ConversationList openId={openId} />
            {openId && showDetails ? (
              <ConversationDetails key={`${openId}-infos`} conversationId={openId} />
            ) : openId ? (
              <ChatScreen key={openId} conversationId={openId} />
            ) : (
              <div className="chat-placeholder" />
            )}
          </div>
        )}
      </MessagingProvider>
    </>
  );
}

function writeTarget(path: string): ConversationTarget | null {
  const match = /^\/ecrire\/(?:(service)\/)?([A-Za-z0-9_-]+)$/.exec(path);
  if (!match?.[2]) return null;
  return { kind: match[1] ? "service" : "user", id: match[2] };
}
