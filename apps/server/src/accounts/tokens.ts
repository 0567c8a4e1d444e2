import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 256 bits of randomness, url-safe: session tokens, e-mail links, login challenges. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Short url-safe ids for rows (not secrets). Never one that begins with `-`: people paste ids
 * into command lines (`--organisation ID`), where such an id would read as a flag.
 */
export function newId(): string {
  for (;;) {
    const id = randomBytes(12).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/**
 * Tokens are stored only as their SHA-256: a leaked database opens no session. Tokens have 256
 * bits of entropy, so a fast hash is enough (no password-style stretching needed).
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time comparison of two hex digests or other equal-length secrets. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
