import { useI18n } from "../i18n/i18n.tsx";
import { useLocation } from "../lib/router.tsx";
import { CaseDetail } from "./CaseDetail.tsx";
import { CasesScreen } from "./CasesScreen.tsx";
import { ChatScreen } from "./ChatScreen.tsx";
import { ConversationDetails } from "./ConversationDetails.tsx";
import { ConversationList } from "./ConversationList.tsx";
import { MessagingGate } from "./MessagingGate.tsx";
import { type ConversationTarget, OpenConversation } from "./OpenConversation.tsx";
import { SafetyCodeScreen } from "./SafetyCodeScreen.tsx";
import { UrgentAlerts } from "./UrgentAlerts.tsx";

/**
 * The messaging part of the app, in its own chunk with the MLS code: `/` lists conversations,
 * `/conversations/:id` opens one (side by side on wide screens, one at a time on phones),
 * `/conversations/:id/infos` shows its people (and a group's settings), `/ecrire/:userId` and
 * `/ecrire/service/:serviceId` start a conversation from the directory, and
 * `/code-de-securite/:userId` shows the safety code with a colleague. `/dossiers` lists and
 * searches the patient cases, `/dossiers/:caseId` opens one. Urgent messages not yet acknowledged
 * show above every one of these screens.
 */
export default function MessagingApp() {
  const { t } = useI18n();
  const { path } = useLocation();
  const opened = /^\/conversations\/([A-Za-z0-9_-]+)(\/infos)?$/.exec(path);
  const openId = opened?.[1] ?? null;
  const showDetails = opened?.[2] !== undefined;
  const writeTo = writeTarget(path);
  const safetyWith = /^\/code-de-securite\/([A-Za-z0-9_-]+)$/.exec(path)?.[1] ?? null;
  const cases = /^\/dossiers(?:\/([A-Za-z0-9_-]+))?$/.exec(path);

  return (
    <MessagingGate title={t("messages.title")}>
      <UrgentAlerts />
      {cases ? (
        cases[1] ? (
          <CaseDetail key={cases[1]} caseId={cases[1]} />
        ) : (
          <CasesScreen />
        )
      ) : safetyWith ? (
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
    </MessagingGate>
  );
}

function writeTarget(path: string): ConversationTarget | null {
  const match = /^\/ecrire\/(?:(service)\/)?([A-Za-z0-9_-]+)$/.exec(path);
  if (!match?.[2]) return null;
  return { kind: match[1] ? "service" : "user", id: match[2] };
}
