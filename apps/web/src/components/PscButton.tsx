import type { PscPurpose } from "@confrere/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { defaultDeviceName } from "../lib/device.ts";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";
import { Alert } from "./ui.tsx";

/**
 * "Se connecter avec Pro Santé Connect": asks the server for PSC's authorization address (it
 * keeps the state, nonce and PKCE verifier) and sends the browser there; PSC sends it back to
 * `/psc/complete`. A login names this device as the password login does.
 */
export function PscButton({ purpose }: { purpose: PscPurpose }) {
  const { t } = useI18n();
  const { api } = useSession();
  const action = useAction();
  async function start() {
    const started = await action.run(() =>
      api.startPsc(purpose === "login" ? { purpose, deviceName: defaultDeviceName() } : { purpose }),
    );
    if (started) window.location.assign(started.authorizationUrl);
  }
  return (
    <div className="stack">
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <button
        type="button"
        className="btn btn-psc"
        onClick={() => void start()}
        disabled={action.busy}
        aria-busy={action.busy}
      >
        {t("psc.button")}
      </button>
    </div>
  );
}

/** Whether the server offers Pro Santé Connect (`GET /api/v1/psc`); false until it says so. */
export function usePscEnabled(): boolean {
  const { api } = useSession();
  const [enabled, setEnabled] = useState(false);
  useEffect(() => {
    let live = true;
    api
      .pscStatus()
      .then(({ enabled: on }) => {
        if (live) setEnabled(on);
      })
      // Unreachable or refused: the password (or the RPPS claim) remains.
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [api]);
  return enabled;
}
