import type { ReactNode } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../lib/router.tsx";
import { useSession } from "../session.tsx";
import { Alert, Page } from "./ui.tsx";

/**
 * Screens reserved to verified professionals (the server refuses the others anyway): an account
 * whose identity is not proven yet is told why, and led to the screen that proves it.
 */
export function VerifiedOnly({
  title,
  notice,
  children,
}: {
  title: string;
  /** What this screen would offer, said to someone not verified yet; a general notice by default. */
  notice?: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const { account } = useSession();
  if (account?.state === "verified") return children;
  return (
    <Page title={title}>
      <Alert kind="info">{notice ?? t("identity.requiredHere")}</Alert>
      <p>
        <Link className="btn btn-primary" to="/identite">
          {t("identity.cta")}
        </Link>
      </p>
    </Page>
  );
}
