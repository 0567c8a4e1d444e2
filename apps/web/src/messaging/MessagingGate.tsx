import { type ReactNode, useState } from "react";
import { Alert, Page, Spinner } from "../components/ui.tsx";
import { VerifiedOnly } from "../components/VerifiedOnly.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { MessagingProvider, type MessagingStage } from "./messaging-context.tsx";

/**
 * What every screen that runs the device's messaging client (messages, patient cases,
 * télé-expertise) shows before it can: the identity check, the MLS code loading, another tab
 * holding the device, or why the client could not start. `title` names the screen in those cases.
 */
export function MessagingGate({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <VerifiedOnly title={title} notice={t("messages.identityRequired")}>
      <MessagingStages title={title}>{children}</MessagingStages>
    </VerifiedOnly>
  );
}

function MessagingStages({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useI18n();
  const [stage, setStage] = useState<{ stage: MessagingStage; error?: unknown }>({ stage: "opening" });
  return (
    <>
      {stage.stage === "opening" ? <Spinner label={t("messages.loadingCrypto")} /> : null}
      {stage.stage === "other-tab" || stage.stage === "failed" ? (
        <Page title={title}>
          <Alert kind={stage.stage === "failed" ? "error" : "info"}>
            {stage.stage === "failed" ? describeError(stage.error, t) : t("messages.otherTab")}
          </Alert>
          <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
            {t("messages.reload")}
          </button>
        </Page>
      ) : null}
      <MessagingProvider onStage={(next, error) => setStage({ stage: next, error })}>
        {children}
      </MessagingProvider>
    </>
  );
}
