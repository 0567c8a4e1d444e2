import { Page } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { AccountSection } from "./profile/AccountSection.tsx";
import { AvailabilitySection } from "./profile/AvailabilitySection.tsx";
import { BillingSection } from "./profile/BillingSection.tsx";
import { DevicesSection } from "./profile/DevicesSection.tsx";
import { EventsSection } from "./profile/EventsSection.tsx";
import { FactorsSection } from "./profile/FactorsSection.tsx";
import { LanguageSection } from "./profile/LanguageSection.tsx";
import { LockSection } from "./profile/LockSection.tsx";
import { LogoutSection } from "./profile/LogoutSection.tsx";
import { NotificationSettings } from "./profile/NotificationSettings.tsx";
import { PasswordSection } from "./profile/PasswordSection.tsx";
import { PrivacySection } from "./profile/PrivacySection.tsx";
import { SafetyContactsSection } from "./profile/SafetyContactsSection.tsx";

/** "Profil et sécurité": account, availability and working hours, subscription, devices and sessions, second factors, the idle lock, safety codes, events, password, language, personal data. */
export function ProfileScreen() {
  const { t } = useI18n();
  return (
    <Page title={t("profile.title")}>
      <div className="sections">
        <AccountSection />
        <AvailabilitySection />
        <BillingSection />
        <DevicesSection />
        <FactorsSection />
        <LockSection />
        <SafetyContactsSection />
        <EventsSection />
        <PasswordSection />
        <NotificationSettings />
        <LanguageSection />
        <PrivacySection />
        <LogoutSection />
      </div>
    </Page>
  );
}
