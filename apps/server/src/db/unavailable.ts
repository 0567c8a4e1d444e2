/** Node's socket errors met when the database server is down, restarting or cut off. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

/**
 * Is this error "the database cannot be reached right now" (try again shortly) rather than a bug or
 * a refused statement? PostgreSQL's connection exceptions (SQLSTATE class 08), its shutdown and
 * start-up states (57P01–57P03), a connection the driver saw drop, or the socket's own error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === "string" &&
    (NETWORK_CODES.has(code) || code.startsWith("08") || /^57P0[1-3]$/.test(code))
  ) {
    return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    error.message,
  );
}
