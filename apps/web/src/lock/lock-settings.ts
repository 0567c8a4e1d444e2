import { getJson, type LocalStore, putJson } from "@confrere/sdk";

/**
 * The idle lock's settings, per device (a shared workstation locks, a personal phone may not): they
 * live in the device's encrypted store beside the keys, so logging out (or 5 wrong PINs) wipes them
 * with everything else. Off unless a person turns it on in "Profil et sécurité".
 */
export const LOCK_SETTINGS_KEY = "web/lock/settings";
/** Survives a reload: reloading the tab must not be a way round the lock. */
export const LOCK_STATE_KEY = "web/lock/state";

export const LOCK_DELAYS_MINUTES = [1, 5, 15, 30] as const;
export type LockDelay = (typeof LOCK_DELAYS_MINUTES)[number];
/** After this many wrong PINs in a row, the device logs out and wipes its data. */
export const MAX_PIN_FAILURES = 5;
export const PIN_PATTERN = /^\d{4,8}$/;
/**
 * OWASP's 2023 figure for PBKDF2-HMAC-SHA256. A 4-digit PIN stays guessable offline whatever the
 * count; what protects it is that the verifier sits in the encrypted store and that 5 wrong tries
 * wipe the device.
 */
export const PIN_ITERATIONS = 600_000;

export interface PinVerifier {
  salt: string;
  hash: string;
  iterations: number;
}

export type LockSettings =
  | { method: "pin"; delayMinutes: LockDelay; pin: PinVerifier }
  | { method: "passkey"; delayMinutes: LockDelay; credentialId: string };

export interface LockState {
  locked: boolean;
  /** Wrong PINs since the last unlock. */
  failures: number;
  /** The last activity seen (ms), so that a tab opened long after the last one closed starts locked. */
  lastActiveAt: number;
}

export function isLockDelay(value: number): value is LockDelay {
  return (LOCK_DELAYS_MINUTES as readonly number[]).includes(value);
}

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

async function derive(pin: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    256,
  );
  return new Uint8Array(bits);
}

/** The verifier of a new PIN: PBKDF2 with a random 16-byte salt; the PIN itself is never kept. */
export async function makePinVerifier(pin: string, iterations = PIN_ITERATIONS): Promise<PinVerifier> {
  if (!PIN_PATTERN.test(pin)) throw new Error("makePinVerifier: a PIN is 4 to 8 digits");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt: toBase64(salt), hash: toBase64(await derive(pin, salt, iterations)), iterations };
}

/** Whether `pin` matches the verifier, compared without an early exit. */
export async function checkPin(pin: string, verifier: PinVerifier): Promise<boolean> {
  if (!PIN_PATTERN.test(pin)) return false;
  const expected = fromBase64(verifier.hash);
  const actual = await derive(pin, fromBase64(verifier.salt), verifier.iterations);
  if (actual.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < actual.length; i++) difference |= actual[i]! ^ expected[i]!;
  return difference === 0;
}

export async function loadLockSettings(store: LocalStore): Promise<LockSettings | null> {
  return (await getJson<LockSettings>(store, LOCK_SETTINGS_KEY).catch(() => null)) ?? null;
}

export async function saveLockSettings(store: LocalStore, settings: LockSettings | null): Promise<void> {
  if (settings) await putJson(store, LOCK_SETTINGS_KEY, settings);
  else {
    await store.delete(LOCK_SETTINGS_KEY);
    await store.delete(LOCK_STATE_KEY);
  }
}

export async function loadLockState(store: LocalStore): Promise<LockState | null> {
  return (await getJson<LockState>(store, LOCK_STATE_KEY).catch(() => null)) ?? null;
}

export async function saveLockState(store: LocalStore, state: LockState): Promise<void> {
  await putJson(store, LOCK_STATE_KEY, state);
}
