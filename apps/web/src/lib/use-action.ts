import { useCallback, useRef, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "./errors.ts";

/**
 * Runs one user action at a time (a form submit, a button): `busy` while it runs, and the error
 * as a sentence for the person. Returns the action's result, or undefined when it failed.
 */
export function useAction() {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const running = useRef(false);
  const run = useCallback(
    async <T>(action: () => Promise<T>, onError?: (error: unknown) => boolean): Promise<T | undefined> => {
      if (running.current) return undefined;
      running.current = true;
      setBusy(true);
      setError(null);
      try {
        return await action();
      } catch (caught) {
        if (!onError?.(caught)) setError(describeError(caught, t));
        return undefined;
      } finally {
        running.current = false;
        setBusy(false);
      }
    },
    [t],
  );
  return { busy, error, setError, run };
}
