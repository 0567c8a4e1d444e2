import path from "node:path";
import { type BillingConfig, loadBillingConfig } from "./billing/billing-config.ts";

/** The server's whole configuration, read once from the environment at start. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  /** PostgreSQL schema to use (tests give each suite its own). */
  databaseSchema: string | null;
  /** Redis of a cluster (realtime fan-out between nodes); null: one node, in-process bus. */
  redisUrl: string | null;
  publicUrl: string;
  smtpUrl: string | null;
  mailFrom: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  bodyLimitBytes: number;
  /** Largest encrypted attachment accepted, in bytes. */
  attachmentLimitBytes: number;
  sessionTtlDays: number;
  /** Requests per minute and client address on each authentication route. */
  authRateLimitPerMinute: number;
  trustProxy: boolean;
  /** Hex key that encrypts second-factor secrets at rest; generated into DATA_DIR when absent. */
  serverSecret: string | null;
  webauthnRpId: string;
  webauthnRpName: string;
  webauthnOrigins: string[];
  corsOrigins: string[];
  /** What happens to a verified account whose professional leaves the directory. */
  directoryInactivePolicy: "suspend" | "warn";
  /** Billing: the seller printed on invoices, and the Stripe adapter (see billing/billing-config.ts). */
  billing: BillingConfig;
  /** Pro Santé Connect client; null when PSC_ISSUER_URL is unset (PSC disabled). */
  psc: PscConfig | null;
  /** Web Push VAPID key pair (base64url); null: generated once into DATA_DIR (see push/vapid-keys.ts). */
  vapidKeys: { publicKey: string; privateKey: string } | null;
  /** The contact push services may use about our traffic (RFC 8292 §2.1): a mailto: or https: URL. */
  vapidSubject: string;
  // Retention, legal hold and personal data
  /** Days messages and attachments stay on the server when no organisation sets a policy. */
  retentionDefaultDays: number;
  isProduction: boolean;
}

/** A confidential OpenID Connect client of Pro Santé Connect. */
export interface PscConfig {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  /** Where the discovery document is; null: PSC's `wallet-openid-configuration`, then the standard path. */
  discoveryUrl: string | null;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`config: ${variable} ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, "is not a valid URL");
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(" or ")}`);
  }
  return raw;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!values.includes(raw as T))
    throw new ConfigError(name, `must be one of ${values.join(", ")}, got "${raw}"`);
  return raw as T;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** PSC is on when its issuer is set; the client's id and secret are then required. */
function pscConfig(env: Env, isProduction: boolean): PscConfig | null {
  const issuerUrl = url(env, "PSC_ISSUER_URL", isProduction ? ["https:"] : ["http:", "https:"]);
  const discoveryUrl = url(env, "PSC_DISCOVERY_URL", isProduction ? ["https:"] : ["http:", "https:"]);
  if (issuerUrl === null) return null;
  const clientId = env.PSC_CLIENT_ID || "";
  if (clientId === "") throw new ConfigError("PSC_CLIENT_ID", "is required when PSC_ISSUER_URL is set");
  const clientSecret = env.PSC_CLIENT_SECRET || "";
  if (clientSecret === "") {
    throw new ConfigError("PSC_CLIENT_SECRET", "is required when PSC_ISSUER_URL is set");
  }
  return { issuerUrl, clientId, clientSecret, discoveryUrl };
}

/** Both halves of the VAPID key pair, or neither (then a pair is generated into DATA_DIR). */
function vapidKeys(env: Env): { publicKey: string; privateKey: string } | null {
  const publicKey = env.VAPID_PUBLIC_KEY || "";
  const privateKey = env.VAPID_PRIVATE_KEY || "";
  if (publicKey === "" && privateKey === "") return null;
  if (!/^[A-Za-z0-9_-]{87}$/.test(publicKey)) {
    throw new ConfigError(
      "VAPID_PUBLIC_KEY",
      "must be a P-256 public key: 65 bytes, base64url (87 characters)",
    );
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(privateKey)) {
    throw new ConfigError(
      "VAPID_PRIVATE_KEY",
      "must be a P-256 private key: 32 bytes, base64url (43 characters)",
    );
  }
  return { publicKey, privateKey };
}

function vapidSubject(env: Env, mailFrom: string): string {
  const raw = env.VAPID_SUBJECT || "";
  if (raw === "") return `mailto:${/<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom}`;
  if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(raw)) {
    throw new ConfigError("VAPID_SUBJECT", `must be a mailto: or https:// URL, got "${raw}"`);
  }
  return raw;
}

/** Each variable, its default and meaning, is listed in the README's configuration reference. */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, "PORT", 8080, 0, 65535);
  const host = env.HOST || "0.0.0.0";
  const publicUrl = (url(env, "PUBLIC_URL", ["http:", "https:"]) ?? `http://localhost:${port}`).replace(
    /\/+$/,
    "",
  );
  const serverSecret = env.SERVER_SECRET || null;
  if (serverSecret !== null && !/^[0-9a-f]{64}$/i.test(serverSecret)) {
    throw new ConfigError("SERVER_SECRET", "must be 64 hexadecimal characters (32 bytes)");
  }
  // Nodes of a cluster decrypt each other's second-factor secrets: a key file per node would not do.
  if (serverSecret === null && env.REDIS_URL) {
    throw new ConfigError("SERVER_SECRET", "must be set, and the same on every node, when REDIS_URL is set");
  }
  const schema = env.DATABASE_SCHEMA || null;
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError("DATABASE_SCHEMA", "must be a lowercase SQL identifier");
  }
  const publicHost = new URL(publicUrl).hostname;
  const mailFrom = env.MAIL_FROM || `Confrère <no-reply@${publicHost}>`;
  return {
    port,
    host,
    dataDir: path.resolve(env.DATA_DIR || "./data"),
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    databaseSchema: schema,
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"]),
    publicUrl,
    smtpUrl: url(env, "SMTP_URL", ["smtp:", "smtps:"]),
    mailFrom,
    logLevel: oneOf(env, "LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
    bodyLimitBytes: integer(env, "BODY_LIMIT_BYTES", 1_048_576, 1024, 104_857_600),
    attachmentLimitBytes: integer(
      env,
      "ATTACHMENT_LIMIT_BYTES",
      100 * 1024 * 1024,
      1024,
      2 * 1024 * 1024 * 1024,
    ),
    sessionTtlDays: integer(env, "SESSION_TTL_DAYS", 30, 1, 365),
    authRateLimitPerMinute: integer(env, "AUTH_RATE_LIMIT_PER_MINUTE", 30, 1, 1_000_000),
    trustProxy: bool(env, "TRUST_PROXY", false),
    serverSecret,
    webauthnRpId: env.WEBAUTHN_RP_ID || publicHost,
    webauthnRpName: env.WEBAUTHN_RP_NAME || "Confrère",
    webauthnOrigins: list(env, "WEBAUTHN_ORIGINS").length ? list(env, "WEBAUTHN_ORIGINS") : [publicUrl],
    corsOrigins: list(env, "CORS_ORIGINS"),
    directoryInactivePolicy: oneOf(env, "DIRECTORY_INACTIVE_POLICY", ["suspend", "warn"], "suspend"),
    billing: loadBillingConfig(env, (variable, message) => new ConfigError(variable, message)),
    psc: pscConfig(env, env.NODE_ENV === "production"),
    vapidKeys: vapidKeys(env),
    vapidSubject: vapidSubject(env, mailFrom),
    // Retention, legal hold and personal data (bounds: care/retention.ts RETENTION_BOUNDS)
    retentionDefaultDays: integer(env, "RETENTION_DEFAULT_DAYS", 183, 7, 3650),
    isProduction: env.NODE_ENV === "production",
  };
}
