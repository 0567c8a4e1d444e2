import { type KeyboardEvent, useId, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";

/**
 * A search field with its button, for pickers that live inside another form: Enter searches
 * instead of submitting that form. `onSearch` gets the trimmed text, never an empty one.
 */
export function InlineSearch({
  label,
  hint,
  busy,
  error,
  onSearch,
}: {
  label: string;
  hint: string;
  busy: boolean;
  error: string | null;
  onSearch(query: string): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [query, setQuery] = useState("");

  function run() {
    const q = query.trim();
    if (q) onSearch(q);
  }
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter") {
      event.preventDefault();
      run();
    }
  }

  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-q`}>{label}</label>
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
        <div className="inline-search">
          <input
            id={`${id}-q`}
            type="search"
            value={query}
            maxLength={200}
            aria-describedby={`${id}-hint`}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <button type="button" className="btn btn-secondary" onClick={run} disabled={busy} aria-busy={busy}>
            {t("chat.searchButton")}
          </button>
        </div>
      </div>
      {error ? <p className="field-error">{error}</p> : null}
    </>
  );
}
