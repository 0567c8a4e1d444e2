import type { LocalStore } from "@confrere/sdk";
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
import { useSession } from "../session.tsx";
import {
  type LockSettings,
  type LockState,
  loadLockSettings,
  loadLockState,
  saveLockSettings,
  saveLockState,
} from "./lock-settings.ts";
import "./lock.css";

/**
 * The idle lock (issue 5, "for shared workstations"): after the chosen delay without a pointer,
 * key or touch in any tab of the app, or when the app comes back after being hidden longer than
 * that, a full-screen lock hides everything until the PIN or the passkey is given.
 *
 * - Idle is measured with `Date.now()` and checked every few seconds, so a browser test moves it
 *   with Playwright's `page.clock` instead of waiting a minute.
 * - Tabs share activity, locking and unlocking through a BroadcastChannel carrying only times
 *   and the words "activity", "lock", "unlock" and "settings".
 * - Locked is saved in the encrypted store: a reload comes back locked, and a tab opened after the
 *   delay has passed since the last activity starts locked.
 * - The app stays mounted behind the lock: realtime keeps receiving and notifications are unchanged.
 */
const CHANNEL = "confrere-lock";
const CHECK_EVERY_MS = 5_000;
/** Tell other tabs (and the store) about activity at most this often. */
const SHARE_EVERY_MS = 5_000;
const SAVE_EVERY_MS = 30_000;
const ACTIVITY_EVENTS = ["pointerdown", "pointermove", "keydown", "touchstart", "wheel"] as const;

type LockMessage =
  | { type: "activity"; at: number }
  | { type: "lock" }
  | { type: "unlock"; at: number }
  | { type: "settings" };

interface LockValue {
  /** The device's lock settings; null when the lock is off. */
  settings: LockSettings | null;
  isLocked: boolean;
  /** Signed in but the settings not read yet: the app stays hidden meanwhile (a reload while locked). */
  isPending: boolean;
  /** Wrong PINs since the last unlock (kept across reloads). */
  failures: number;
  save(settings: LockSettings | null): Promise<void>;
  lockNow(): void;
  unlock(): void;
  /** Counts a wrong PIN and returns the new count. */
  recordFailure(): Promise<number>;
}

const LockContext = createContext<LockValue | null>(null);

export function LockProvider({ children }: { children: ReactNode }) {
  const { status, store } = useSession();
  const [settings, setSettings] = useState<LockSettings | null>(null);
  const [isLocked, setLocked] = useState(false);
  const [failures, setFailures] = useState(0);
  const [loadedFrom, setLoadedFrom] = useState<LocalStore | null>(null);
  const lastActive = useRef(Date.now());
  const lastShared = useRef(0);
  const lastSaved = useRef(0);
  const channel = useRef<BroadcastChannel | null>(null);
  const stateRef = useRef({ settings, isLocked, failures });
  stateRef.current = { settings, isLocked, failures };
  const signedIn = status === "signed-in" && store !== null;

  const persist = useCallback(
    (patch: Partial<LockState>) => {
      if (!store || !stateRef.current.settings) return;
      const state: LockState = {
        locked: stateRef.current.isLocked,
        failures: stateRef.current.failures,
        lastActiveAt: lastActive.current,
        ...patch,
      };
      lastSaved.current = Date.now();
      void saveLockState(store, state).catch(() => {});
    },
    [store],
  );

  const load = useCallback(async () => {
    if (!store) return;
    const loaded = await loadLockSettings(store);
    const state = loaded ? await loadLockState(store) : null;
    setSettings(loaded);
    setFailures(state?.failures ?? 0);
    const idleTooLong =
      loaded !== null && state !== null && Date.now() - state.lastActiveAt >= loaded.delayMinutes * 60_000;
    setLocked(loaded !== null && (state?.locked === true || idleTooLong));
    if (!state?.locked && !idleTooLong) lastActive.current = Date.now();
    setLoadedFrom(store);
  }, [store]);

  // Read as soon as the store opens (before the session is confirmed), so the lock is known by then;
  // again at sign-in, since a login on a store left by another device starts it afresh.
  useEffect(() => {
    if (signedIn) setLoadedFrom(null);
    void load();
  }, [load, signedIn]);

  const lockNow = useCallback(() => {
    if (!stateRef.current.settings) return;
    setLocked(true);
    stateRef.current.isLocked = true;
    persist({ locked: true });
    channel.current?.postMessage({ type: "lock" } satisfies LockMessage);
  }, [persist]);

  const unlock = useCallback(() => {
    lastActive.current = Date.now();
    setLocked(false);
    setFailures(0);
    stateRef.current = { ...stateRef.current, isLocked: false, failures: 0 };
    persist({ locked: false, failures: 0 });
    channel.current?.postMessage({ type: "unlock", at: lastActive.current } satisfies LockMessage);
  }, [persist]);

  const recordFailure = useCallback(async () => {
    // Another tab may have counted wrong PINs too: the stored count is the one that matters.
    const stored = store ? await loadLockState(store) : null;
    const count = Math.max(stored?.failures ?? 0, stateRef.current.failures) + 1;
    setFailures(count);
    stateRef.current.failures = count;
    if (store)
      await saveLockState(store, { locked: true, failures: count, lastActiveAt: lastActive.current });
    return count;
  }, [store]);

  const save = useCallback(
    async (next: LockSettings | null) => {
      if (!store) return;
      await saveLockSettings(store, next);
      lastActive.current = Date.now();
      setSettings(next);
      stateRef.current.settings = next;
      if (next) await saveLockState(store, { locked: false, failures: 0, lastActiveAt: lastActive.current });
      setFailures(0);
      channel.current?.postMessage({ type: "settings" } satisfies LockMessage);
    },
    [store],
  );

  // Other tabs: their activity counts as ours; a lock or an unlock there applies here.
  useEffect(() => {
    if (!signedIn || typeof BroadcastChannel !== "function") return;
    const opened = new BroadcastChannel(CHANNEL);
    channel.current = opened;
    opened.onmessage = (event: MessageEvent<LockMessage>) => {
      const message = event.data;
      if (message.type === "activity" && !stateRef.current.isLocked)
        lastActive.current = Math.max(lastActive.current, message.at);
      else if (message.type === "lock" && stateRef.current.settings) setLocked(true);
      else if (message.type === "unlock") {
        lastActive.current = Math.max(lastActive.current, message.at);
        setLocked(false);
        setFailures(0);
      } else if (message.type === "settings") void load();
    };
    return () => {
      opened.close();
      channel.current = null;
    };
  }, [signedIn, load]);

  // Activity in this tab, and the idle check (also when the tab comes back into view).
  useEffect(() => {
    if (!signedIn || !settings) return;
    const delay = settings.delayMinutes * 60_000;
    const check = () => {
      if (!stateRef.current.isLocked && Date.now() - lastActive.current >= delay) lockNow();
    };
    const onActivity = () => {
      if (stateRef.current.isLocked) return;
      const now = Date.now();
      // The time since the last activity is checked first: coming back after the delay locks even
      // if the first thing the person does is move the mouse, before the interval notices.
      if (now - lastActive.current >= delay) {
        lockNow();
        return;
      }
      lastActive.current = now;
      if (now - lastShared.current >= SHARE_EVERY_MS) {
        lastShared.current = now;
        channel.current?.postMessage({ type: "activity", at: now } satisfies LockMessage);
      }
      if (now - lastSaved.current >= SAVE_EVERY_MS) persist({});
    };
    const onVisibility = () => {
      if (document.visibilityState === "visible") check();
      else persist({});
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true });
    document.addEventListener("visibilitychange", onVisibility);
    const timer = window.setInterval(check, CHECK_EVERY_MS);
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity);
      document.removeEventListener("visibilitychange", onVisibility);
      window.clearInterval(timer);
    };
  }, [signedIn, settings, lockNow, persist]);

  const value = useMemo<LockValue>(
    () => ({
      settings,
      isLocked: signedIn && settings !== null && isLocked,
      isPending: signedIn && loadedFrom !== store,
      failures,
      save,
      lockNow,
      unlock,
      recordFailure,
    }),
    [settings, signedIn, isLocked, loadedFrom, store, failures, save, lockNow, unlock, recordFailure],
  );
  return <LockContext.Provider value={value}>{children}</LockContext.Provider>;
}

export function useLock(): LockValue {
  const value = useContext(LockContext);
  if (!value) throw new Error("useLock: wrap the app in <LockProvider>");
  return value;
}
