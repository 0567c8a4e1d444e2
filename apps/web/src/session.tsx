import { type Account, ConfrereError, ErrorCode, type IssuedSession } from "@confrere/protocol";
import {
  ApiClient,
  EncryptedStore,
  getJson,
  IndexedDbStore,
  type LocalStore,
  MemoryStore,
  openBrowserStore,
  putJson,
} from "@confrere/sdk";
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import type { MessageKey } from "./i18n/fr.ts";

/**
 * Where the session lives (the decision is recorded in README.md, "Web app"): in memory and in
 * the device's encrypted IndexedDB store, beside the MLS keys it belongs with — never in
 * localStorage or sessionStorage. The record has the shape ConfrereClient keeps under "session"
 * (`useSession` / `restore`), so the messaging part picks up the login of the account screens.
 */
export const DEVICE_STORE = "confrere-device";
const SESSION_KEY = "session";
/** The last account seen, so that an offline start still knows who is signed in. */
const ACCOUNT_KEY = "web/account";

interface StoredSession {
  token: string;
  userId: string;
  deviceId: string;
}

export type SessionStatus = "loading" | "anonymous" | "signed-in";
/** `deleted`: the account is gone (RGPD deletion); the server has already closed every session. */
export type SignOutMode = "here" | "everywhere" | "expired" | "deleted";

interface SessionValue {
  status: SessionStatus;
  account: Account | null;
  api: ApiClient;
  /** The fetch to give other clients of the same session (it notices the session ending). */
  fetch: typeof fetch;
  /** The device's encrypted store (null while it opens). */
  store: LocalStore | null;
  deviceId: string | null;
  /** A message for the next screen (after a logout, an expired session). */
  notice: MessageKey | null;
  setNotice(notice: MessageKey | null): void;
  /** Takes a session issued by a login step or an enrolment: saves it and loads the account. */
  adopt(session: IssuedSession): Promise<Account>;
  refresh(): Promise<Account | null>;
  signOut(mode: SignOutMode): Promise<void>;
  /** The messaging part registers how to stop its client (WebSocket) before the store is wiped. */
  setMessagingTeardown(teardown: (() => void) | null): void;
}

const SessionContext = createContext<SessionValue | null>(null);

async function openStore(): Promise<LocalStore> {
  try {
    return await openBrowserStore(DEVICE_STORE);
  } catch {
    // No IndexedDB (a locked-down private window): the device forgets everything when the tab closes.
    return new EncryptedStore(new MemoryStore(), await EncryptedStore.newKey());
  }
}

function isSessionLost(error: unknown): boolean {
  return (
    error instanceof ConfrereError &&
    (error.code === ErrorCode.AUTH_REQUIRED || error.code === ErrorCode.AUTH_SESSION_EXPIRED)
  );
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionStatus>("loading");
  const [account, setAccount] = useState<Account | null>(null);
  const [store, setStore] = useState<LocalStore | null>(null);
  const [deviceId, setDeviceId] = useState<string | null>(null);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const storeRef = useRef<LocalStore | null>(null);
  const teardown = useRef<(() => void) | null>(null);
  const signingOut = useRef(false);
  const onSessionLost = useRef<() => void>(() => {});

  // The fetch of every API call of the app, the messaging client's included: it notices a session
  // that ended elsewhere (revoked from another device, expired) and signs this device out.
  const sessionFetch = useMemo<typeof fetch>(
    () => async (input, init) => {
      const response = await window.fetch(input, init);
      const sentToken = new Headers(init?.headers).has("authorization");
      if (response.status === 401 && sentToken) {
        const body = (await response
          .clone()
          .json()
          .catch(() => null)) as { error?: { code?: string } } | null;
        const code = body?.error?.code;
        if (code === ErrorCode.AUTH_REQUIRED || code === ErrorCode.AUTH_SESSION_EXPIRED)
          onSessionLost.current();
      }
      return response;
    },
    [],
  );
  const api = useMemo(
    () => new ApiClient({ baseUrl: window.location.origin, fetch: sessionFetch }),
    [sessionFetch],
  );

  const wipe = useCallback(async () => {
    teardown.current?.();
    teardown.current = null;
    api.token = null;
    setAccount(null);
    setDeviceId(null);
    setStatus("anonymous");
    await storeRef.current?.clear().catch(() => {});
    // Deleting the database drops the store key too; the next login starts a new, empty device.
    await IndexedDbStore.destroy(DEVICE_STORE).catch(() => {});
    const fresh = await openStore();
    storeRef.current = fresh;
    setStore(fresh);
  }, [api]);

  const signOut = useCallback(
    async (mode: SignOutMode) => {
      if (signingOut.current) return;
      signingOut.current = true;
      try {
        if (mode === "everywhere") await api.logoutEverywhere();
        else if (mode === "here") await api.logout().catch(() => {});
        await wipe();
        setNotice(
          mode === "expired" ? "app.sessionExpired" : mode === "deleted" ? "privacy.deleted" : "logout.done",
        );
      } finally {
        signingOut.current = false;
      }
    },
    [api, wipe],
  );
  onSessionLost.current = () => void signOut("expired");

  const refresh = useCallback(async () => {
    const current = storeRef.current;
    try {
      const { account: fresh } = await api.me();
      setAccount(fresh);
      if (current) await putJson(current, ACCOUNT_KEY, fresh);
      return fresh;
    } catch (error) {
      if (isSessionLost(error)) return null;
      throw error;
    }
  }, [api]);

  const adopt = useCallback(
    async (session: IssuedSession) => {
      api.token = session.token;
      const { account: fresh } = await api.me();
      const current = storeRef.current ?? (await openStore());
      const previous = await getJson<StoredSession>(current, SESSION_KEY);
      // Another device's keys must never be mixed with this one's (as ConfrereClient.useSession).
      if (previous && previous.deviceId !== session.deviceId) await current.clear();
      await putJson(current, SESSION_KEY, {
        token: session.token,
        userId: fresh.id,
        deviceId: session.deviceId,
      } satisfies StoredSession);
      await putJson(current, ACCOUNT_KEY, fresh);
      storeRef.current = current;
      setStore(current);
      setDeviceId(session.deviceId);
      setAccount(fresh);
      setStatus("signed-in");
      setNotice(null);
      return fresh;
    },
    [api],
  );

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const opened = await openStore();
      if (cancelled) return;
      storeRef.current = opened;
      setStore(opened);
      const saved = await getJson<StoredSession>(opened, SESSION_KEY).catch(() => null);
      if (!saved) {
        setStatus("anonymous");
        return;
      }
      api.token = saved.token;
      setDeviceId(saved.deviceId);
      try {
        const { account: fresh } = await api.me();
        await putJson(opened, ACCOUNT_KEY, fresh);
        if (cancelled) return;
        setAccount(fresh);
        setStatus("signed-in");
      } catch (error) {
        if (isSessionLost(error)) {
          await wipe();
          setNotice("app.sessionExpired");
          return;
        }
        // Offline or server down: start with the account last seen; calls retry when back.
        const cached = await getJson<Account>(opened, ACCOUNT_KEY).catch(() => null);
        setAccount(cached);
        setStatus(cached ? "signed-in" : "anonymous");
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, wipe]);

  const value = useMemo<SessionValue>(
    () => ({
      status,
      account,
      api,
      fetch: sessionFetch,
      store,
      deviceId,
      notice,
      setNotice,
      adopt,
      refresh,
      signOut,
      setMessagingTeardown: (fn) => {
        teardown.current = fn;
      },
    }),
    [status, account, api, sessionFetch, store, deviceId, notice, adopt, refresh, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession: wrap the app in <SessionProvider>");
  return value;
}
