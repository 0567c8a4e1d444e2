import { useI18n } from "../i18n/i18n.tsx";
import { useLocation } from "../lib/router.tsx";
import { MessagingGate } from "../messaging/MessagingGate.tsx";
import { ExpertiseDetail } from "./ExpertiseDetail.tsx";
import { ExpertiseList } from "./ExpertiseList.tsx";
import { NewExpertise } from "./NewExpertise.tsx";
import "./expertise.css";

/**
 * Télé-expertise, in its own chunk: `/tele-expertise` lists my requests (asked, received, or
 * received by a service I staff), `/tele-expertise/nouvelle` writes one (`?dossier=` preselects a
 * patient case), `/tele-expertise/:id` shows one with its actions and billing advice. The request's
 * content travels encrypted in a conversation: these screens run the device's messaging client.
 */
export default function ExpertiseApp() {
  const { t } = useI18n();
  const { path } = useLocation();
  const opened = /^\/tele-expertise\/([A-Za-z0-9_-]+)$/.exec(path)?.[1] ?? null;
  return (
    <MessagingGate title={t("expertise.title")}>
      {opened === "nouvelle" ? (
        <NewExpertise />
      ) : opened ? (
        <ExpertiseDetail key={opened} expertiseId={opened} />
      ) : (
        <ExpertiseList />
      )}
    </MessagingGate>
  );
}
