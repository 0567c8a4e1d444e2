import { LOCALES, type Locale, useI18n } from "../../i18n/i18n.tsx";

export function LanguageSection() {
  const { t, locale, setLocale } = useI18n();
  return (
    <section className="card" aria-labelledby="language-title">
      <h2 id="language-title">{t("nav.language")}</h2>
      <fieldset className="choices">
        <legend className="visually-hidden">{t("nav.language")}</legend>
        {LOCALES.map((option: Locale) => (
          <label key={option} className="choice" lang={option}>
            <input
              type="radio"
              name="language"
              value={option}
              checked={locale === option}
              onChange={() => setLocale(option)}
            />
            {t(`language.${option}`)}
          </label>
        ))}
      </fieldset>
    </section>
  );
}
