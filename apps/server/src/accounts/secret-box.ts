import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** The first byte of {@link SecretBox.sealBytes}' output: lets a later format coexist. */
const BYTES_VERSION = 1;

/**
 * Encrypts second-factor secrets at rest (AES-256-GCM), so a copy of the database alone does not
 * give away TOTP seeds; the bytes variant does the same for identity proofs (photos of CPS cards). The key comes from SERVER_SECRET, or a file generated in DATA_DIR on first
 * start (mode 0600) for the embedded default.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromHex(hex: string): SecretBox {
    return new SecretBox(Buffer.from(hex, "hex"));
  }

  static fromDataDir(dataDir: string): SecretBox {
    const file = path.join(dataDir, "server-secret.key");
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    }
    const hex = fs.readFileSync(file, "utf8").trim();
    if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`config: ${file} does not hold a 32-byte hex key`);
    return SecretBox.fromHex(hex);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [
      "v1",
      iv.toString("base64url"),
      body.toString("base64url"),
      cipher.getAuthTag().toString("base64url"),
    ].join(".");
  }

  open(sealed: string): string {
    const [version, iv, body, tag] = sealed.split(".");
    if (version !== "v1" || !iv || !body || !tag) throw new Error("secretBox: unknown format");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  }

  /**
   * Encrypts bytes (an uploaded file): one version byte, the 12-byte IV, the 16-byte tag, then the
   * ciphertext. `associatedData` (e.g. the owning row's id) is authenticated, not stored: a sealed
   * value copied to another row does not open there.
   */
  sealBytes(plaintext: Uint8Array, associatedData: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(BYTES_VERSION), iv, cipher.getAuthTag(), body]);
  }

  /** Opens what {@link sealBytes} sealed with the same associated data; throws if it was altered. */
  openBytes(sealed: Uint8Array, associatedData: string): Buffer {
    const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (data.length < 29 || data[0] !== BYTES_VERSION) throw new Error("secretBox: unknown format");
    const decipher = createDecipheriv("aes-256-gcm", this.key, data.subarray(1, 13));
    decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(data.subarray(13, 29));
    return Buffer.concat([decipher.update(data.subarray(29)), decipher.final()]);
  }
}
