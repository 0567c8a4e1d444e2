import { Tabs } from "../../components/Tabs.tsx";
import { Page } from "../../components/ui.tsx";
import { VerifiedOnly } from "../../components/VerifiedOnly.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { navigate, useLocation } from "../../lib/router.tsx";
import { ProfessionalSearch } from "./ProfessionalSearch.tsx";
import { ServiceSearch } from "./ServiceSearch.tsx";

type DirectoryTab = "professionals" | "services";

/**
 * "Annuaire" (`/annuaire`, `/annuaire?onglet=services`): find a colleague in the Annuaire Santé
 * and write to them, or invite them; or find an establishment's service and write to it.
 * Its own chunk: only verified professionals use it.
 */
export default function DirectoryScreen() {
  const { t } = useI18n();
  const { query } = useLocation();
  const tab: DirectoryTab = query.get("onglet") === "services" ? "services" : "professionals";
  return (
    <VerifiedOnly title={t("directory.title")}>
      <Page title={t("directory.title")}>
        <Tabs
          label={t("directory.tabs")}
          tabs={[
            { key: "professionals", label: t("directory.tab.professionals") },
            { key: "services", label: t("directory.tab.services") },
          ]}
          selected={tab}
          onSelect={(key) =>
            navigate(key === "services" ? "/annuaire?onglet=services" : "/annuaire", { replace: true })
          }
        >
          {tab === "services" ? <ServiceSearch /> : <ProfessionalSearch />}
        </Tabs>
      </Page>
    </VerifiedOnly>
  );
}
