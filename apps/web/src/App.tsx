import { lazy, type ReactNode, Suspense, useEffect } from "react";
import { Layout } from "./components/Layout.tsx";
import { Page, Spinner } from "./components/ui.tsx";
import { I18nProvider, useI18n } from "./i18n/i18n.tsx";
import { Link, navigate, useLocation } from "./lib/router.tsx";
import { LockGate } from "./lock/LockScreen.tsx";
import { LockProvider } from "./lock/lock-context.tsx";
import { EnrolScreen } from "./screens/EnrolScreen.tsx";
import { ForgotPasswordScreen } from "./screens/ForgotPasswordScreen.tsx";
import { LoginScreen } from "./screens/LoginScreen.tsx";
import { ProfileScreen } from "./screens/ProfileScreen.tsx";
import { RegisterScreen } from "./screens/RegisterScreen.tsx";
import { ResetPasswordScreen } from "./screens/ResetPasswordScreen.tsx";
import { SetupScreen } from "./screens/SetupScreen.tsx";
import { VerifyEmailScreen } from "./screens/VerifyEmailScreen.tsx";
import { SessionProvider, useSession } from "./session.tsx";

// The messaging screens carry the MLS code: a chunk of their own, loaded after login.
const MessagingApp = lazy(() => import("./messaging/MessagingApp.tsx"));
// Screens that only some people open, each in its own chunk to keep the first load small.
const DirectoryScreen = lazy(() => import("./screens/directory/DirectoryScreen.tsx"));
const IdentityScreen = lazy(() => import("./screens/identity/IdentityScreen.tsx"));
const OrganisationsScreen = lazy(() => import("./screens/organisations/OrganisationsScreen.tsx"));
const InvitationScreen = lazy(() => import("./screens/InvitationScreen.tsx"));
const PscCompleteScreen = lazy(() => import("./screens/PscCompleteScreen.tsx"));
const AdminScreen = lazy(() => import("./screens/AdminScreen.tsx"));
const BillingScreen = lazy(() => import("./screens/billing/BillingScreen.tsx"));
// Télé-expertise runs the messaging client too: a chunk of its own, loaded when opened.
const ExpertiseApp = lazy(() => import("./expertise/ExpertiseApp.tsx"));

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        {/* The idle lock (shared workstations) covers everything a signed-in person sees. */}
        <LockProvider>
          <LockGate>
            <Layout>
              <Routes />
            </Layout>
          </LockGate>
        </LockProvider>
      </SessionProvider>
    </I18nProvider>
  );
}

function Loading({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return <Suspense fallback={<Spinner label={t("app.loading")} />}>{children}</Suspense>;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/** Paths in French, as in the server's e-mails (`/verifier-email`, `/nouveau-mot-de-passe`…). */
function Routes() {
  const { t } = useI18n();
  const { path } = useLocation();
  const { status, account } = useSession();
  if (status === "loading") return <Spinner label={t("app.loading")} />;

  // Reachable signed in or not: links from e-mails and the console.
  if (path === "/installation") return <SetupScreen />;
  if (path === "/verifier-email") return <VerifyEmailScreen />;
  if (path === "/nouveau-mot-de-passe") return <ResetPasswordScreen />;
  if (path === "/mot-de-passe-oublie") return <ForgotPasswordScreen />;
  if (path === "/invitation") {
    return (
      <Loading>
        <InvitationScreen />
      </Loading>
    );
  }
  // The return from Pro Santé Connect: logs in, or links the signed-in account.
  if (path === "/psc/complete") {
    return (
      <Loading>
        <PscCompleteScreen />
      </Loading>
    );
  }
  if (path === "/connexion" || path === "/inscription") {
    if (status === "signed-in") return <Redirect to="/" />;
    return path === "/connexion" ? <LoginScreen /> : <RegisterScreen />;
  }

  if (status !== "signed-in" || !account) return <Redirect to="/connexion" />;
  // The second factor comes before anything else (the server refuses everything else anyway).
  if (account.state === "second_factor_required") {
    return path === "/activation" ? <EnrolScreen /> : <Redirect to="/activation" />;
  }
  if (path === "/activation") return <Redirect to="/" />;
  if (path === "/profil") return <ProfileScreen />;
  // `/facturation` is where the payment provider sends people back (`?paiement=ok|annule`).
  if (path === "/abonnement" || path === "/facturation") {
    return (
      <Loading>
        <BillingScreen />
      </Loading>
    );
  }
  if (path === "/operateur" && account.role === "operator") {
    return (
      <Loading>
        <AdminScreen />
      </Loading>
    );
  }
  // Until the identity is proven, home is the screen that proves it: messaging would refuse.
  if (path === "/identite" || (path === "/" && account.state !== "verified")) {
    return (
      <Loading>
        <IdentityScreen />
      </Loading>
    );
  }
  if (path === "/annuaire") {
    return (
      <Loading>
        <DirectoryScreen />
      </Loading>
    );
  }
  if (path === "/organisations" || path.startsWith("/organisations/")) {
    return (
      <Loading>
        <OrganisationsScreen />
      </Loading>
    );
  }
  if (path === "/tele-expertise" || path.startsWith("/tele-expertise/")) {
    return (
      <Suspense fallback={<Spinner label={t("messages.loadingCrypto")} />}>
        <ExpertiseApp />
      </Suspense>
    );
  }
  if (
    path === "/" ||
    path.startsWith("/conversations/") ||
    path.startsWith("/ecrire/") ||
    path.startsWith("/code-de-securite/") ||
    path === "/dossiers" ||
    path.startsWith("/dossiers/")
  ) {
    return (
      <Suspense fallback={<Spinner label={t("messages.loadingCrypto")} />}>
        <MessagingApp />
      </Suspense>
    );
  }
  return (
    <Page title={t("app.notFound.title")}>
      <p>{t("app.notFound.body")}</p>
      <Link to="/">{t("app.backHome")}</Link>
    </Page>
  );
}
