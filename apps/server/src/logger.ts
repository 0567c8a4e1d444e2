import pino, { type Logger } from "pino";

/**
 * Every field that may hold a secret or health data, redacted in one place. Handlers log ids and
 * codes only; this list is the safety net.
 */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "token",
  "*.token",
  "*.challengeToken",
  "*.code",
  "*.totpCode",
  "*.recoveryCode",
  "*.secret",
  "*.totpSecret",
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "req.body",
  "body",
  "*.body",
  "*.ciphertext",
  "*.plaintext",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      base: { service: "confrere-server" },
      serializers: {
        // The path only: query strings may carry one-time tokens from e-mail links.
        req: (req: { method?: string; url?: string; id?: string; ip?: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url?.split("?")[0],
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}

export type { Logger };
