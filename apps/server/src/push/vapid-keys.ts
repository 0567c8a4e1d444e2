import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";

export interface VapidKeys {
  /** Uncompressed P-256 point, base64url: the browser's `applicationServerKey`. */
  publicKey: string;
  privateKey: string;
}

const FILE_NAME = "vapid-keys.json";

/**
 * The server's VAPID key pair (RFC 8292): from VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY, or generated
 * once into DATA_DIR (mode 0600), as `server-secret.key` is. It must not change: browsers bind each
 * subscription to the public key, and a new pair silently orphans every subscription. Several
 * nodes must therefore share it through the variables.
 */
export function loadVapidKeys(config: Config): VapidKeys {
  if (config.vapidKeys) return config.vapidKeys;
  const file = path.join(config.dataDir, FILE_NAME);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const keys = newVapidKeys();
    try {
      // `wx`: of two processes starting at once on the same DATA_DIR, the second reads the first's.
      fs.writeFileSync(file, JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey }), {
        mode: 0o600,
        flag: "wx",
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  const stored = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<VapidKeys>;
  if (
    typeof stored.publicKey !== "string" ||
    !/^[A-Za-z0-9_-]{87}$/.test(stored.publicKey) ||
    typeof stored.privateKey !== "string" ||
    !/^[A-Za-z0-9_-]{43}$/.test(stored.privateKey)
  ) {
    throw new Error(`config: ${file} does not hold a VAPID key pair (publicKey, privateKey in base64url)`);
  }
  return { publicKey: stored.publicKey, privateKey: stored.privateKey };
}

/** A P-256 key pair in VAPID's encoding: the uncompressed public point and the private scalar. */
function newVapidKeys(): VapidKeys {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const jwk = privateKey.export({ format: "jwk" });
  const x = Buffer.from(jwk.x!, "base64url");
  const y = Buffer.from(jwk.y!, "base64url");
  return {
    publicKey: Buffer.concat([Buffer.from([4]), x, y]).toString("base64url"),
    privateKey: jwk.d!,
  };
}
