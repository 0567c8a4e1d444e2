import { PscButton, usePscEnabled } from "../../components/PscButton.tsx";
import { useI18n } from "../../i18n/i18n.tsx";

/**
 * The first road: Pro Santé Connect proves the identity at once (e-CPS or CPS card). Shown only
 * when the server offers it.
 */
export function PscSection() {
  const { t } = useI18n();
  const enabled = usePscEnabled();
  if (!enabled) return null;
  return (
    <section className="card" aria-labelledby="psc-title">
      <h2 id="psc-title">{t("identity.psc.title")}</h2>
      <p>{t("identity.psc.intro")}</p>
      <PscButton purpose="link" />
    </section>
  );
}
