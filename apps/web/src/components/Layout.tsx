import { type ReactNode, useEffect, useState } from "react";
import { LOCALES, type Locale, useI18n } from "../i18n/i18n.tsx";
import { Link, navigate, useLocation } from "../lib/router.tsx";
import { useSession } from "../session.tsx";
import { BillingBanner } from "./BillingBanner.tsx";

function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}

/** Whether the signed-in person administers an organisation (the "Organisations" entry is theirs). */
function useIsOrganisationAdmin(): boolean {
  const { api, account, status } = useSession();
  const [isAdmin, setIsAdmin] = useState(false);
  // An administrator need not be a professional (a hospital's secretary): any enrolled account asks.
  const enrolled = account?.state === "verified" || account?.state === "active";
  const userId = status === "signed-in" && enrolled && account.role !== "operator" ? account.id : null;
  useEffect(() => {
    setIsAdmin(false);
    if (!userId) return;
    let live = true;
    api
      .myOrganisations()
      .then(({ organisations }) => {
        if (live) setIsAdmin(organisations.some((entry) => entry.role === "admin"));
      })
      // Offline or refused: the entry stays hidden; /organisations still works from a link.
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [api, userId]);
  return isAdmin;
}

export function Layout({ children }: { children: ReactNode }) {
  const { t, locale, setLocale } = useI18n();
  const { status, account, signOut } = useSession();
  const { path } = useLocation();
  const online = useOnline();
  const enrolled = status === "signed-in" && account && account.state !== "second_factor_required";
  const isOrganisationAdmin = useIsOrganisationAdmin();
  const current = (to: string) =>
    (to === "/" ? path === "/" || path.startsWith("/conversations") : path.startsWith(to))
      ? "page"
      : undefined;

  async function logout() {
    await signOut("here");
    navigate("/connexion", { replace: true });
  }

  return (
    <>
      <a className="skip-link" href="#content">
        {t("app.skipToContent")}
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          {t("app.name")}
        </Link>
        {enrolled ? (
          <nav aria-label={t("nav.main")}>
            <ul>
              <li>
                <Link to="/" aria-current={current("/")}>
                  {t("nav.messages")}
                </Link>
              </li>
              {account.state === "verified" ? (
                <li>
                  <Link to="/dossiers" aria-current={current("/dossiers")}>
                    {t("nav.cases")}
                  </Link>
                </li>
              ) : null}
              {account.state === "verified" ? (
                <li>
                  <Link to="/tele-expertise" aria-current={current("/tele-expertise")}>
                    {t("expertise.nav")}
                  </Link>
                </li>
              ) : null}
              <li>
                <Link to="/annuaire" aria-current={current("/annuaire")}>
                  {t("nav.directory")}
                </Link>
              </li>
              {account.state !== "verified" ? (
                <li>
                  <Link to="/identite" aria-current={current("/identite")}>
                    {t("nav.identity")}
                  </Link>
                </li>
              ) : null}
              {account.role === "operator" || isOrganisationAdmin ? (
                <li>
                  <Link to="/organisations" aria-current={current("/organisations")}>
                    {t("nav.organisations")}
                  </Link>
                </li>
              ) : null}
              <li>
                <Link to="/profil" aria-current={current("/profil")}>
                  {t("nav.profile")}
                </Link>
              </li>
              {account.role === "operator" ? (
                <li>
                  <Link to="/operateur" aria-current={current("/operateur")}>
                    {t("nav.operator")}
                  </Link>
                </li>
              ) : null}
            </ul>
          </nav>
        ) : null}
        <div className="header-tools">
          <label className="visually-hidden" htmlFor="language-select">
            {t("nav.language")}
          </label>
          <select
            id="language-select"
            value={locale}
            onChange={(event) => setLocale(event.target.value as Locale)}
          >
            {LOCALES.map((option) => (
              <option key={option} value={option} lang={option}>
                {t(`language.${option}`)}
              </option>
            ))}
          </select>
          {status === "signed-in" ? (
            <button type="button" className="btn btn-secondary btn-small" onClick={() => void logout()}>
              {t("nav.logout")}
            </button>
          ) : null}
        </div>
      </header>
      {online ? null : (
        <p className="offline-banner" role="status">
          {t("app.offline")}
        </p>
      )}
      {enrolled ? <BillingBanner /> : null}
      <main id="content">{children}</main>
    </>
  );
}
