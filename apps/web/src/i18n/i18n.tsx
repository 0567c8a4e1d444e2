import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { en } from "./en.ts";
import { fr, type MessageKey } from "./fr.ts";

export type Locale = "fr" | "en";
export const LOCALES: readonly Locale[] = ["fr", "en"];
const catalogues: Record<Locale, Record<MessageKey, string>> = { fr, en };
/** The language is a preference, not a secret: localStorage is fine for it. */
const LOCALE_KEY = "confrere.locale";

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** Replaces `{name}` by `params.name`; numbers are formatted for the locale. */
export function interpolate(template: string, params: Params | undefined, locale: Locale): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(locale).format(value) : value;
  });
}

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return (key, params) => interpolate(catalogue[key] ?? fr[key] ?? key, params, locale);
}

interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t: Translate;
  /** Picks `key.one` or `key.other` by the locale's plural rules, with `{count}` filled in. */
  tn(key: PluralKey, count: number, params?: Params): string;
  formatDate(at: number, style?: "date" | "time" | "dateTime" | "day"): string;
}

/** The keys that have `.one` and `.other` forms, without the suffix. */
type PluralKey = { [K in MessageKey]: K extends `${infer Base}.one` ? Base : never }[MessageKey];

const I18nContext = createContext<I18n | null>(null);

function initialLocale(): Locale {
  try {
    const saved = window.localStorage.getItem(LOCALE_KEY);
    if (saved === "fr" || saved === "en") return saved;
  } catch {
    // Storage can be disabled; French is the default.
  }
  return "fr";
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      window.localStorage.setItem(LOCALE_KEY, next);
    } catch {
      // Not remembered, still applied.
    }
  }, []);
  const value = useMemo<I18n>(() => {
    const t = translator(locale);
    const plural = new Intl.PluralRules(locale);
    const formats = {
      date: new Intl.DateTimeFormat(locale, { dateStyle: "medium" }),
      time: new Intl.DateTimeFormat(locale, { timeStyle: "short" }),
      dateTime: new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }),
      day: new Intl.DateTimeFormat(locale, {
        weekday: "long",
        day: "numeric",
        month: "long",
        year: "numeric",
      }),
    };
    return {
      locale,
      setLocale,
      t,
      tn: (key, count, params) => {
        const form = plural.select(count) === "one" ? "one" : "other";
        return t(`${key}.${form}` as MessageKey, { count, ...params });
      },
      formatDate: (at, style = "dateTime") => formats[style].format(at),
    };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n: wrap the app in <I18nProvider>");
  return value;
}
