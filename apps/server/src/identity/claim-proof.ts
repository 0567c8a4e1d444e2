import { PROOF_CONTENT_TYPES, type ProofContentType } from "@confrere/protocol";

/**
 * The first bytes every file of a type starts with. A declared type is trusted only when the file
 * agrees: an operator's browser must never be handed an HTML page or a script labelled as a photo.
 */
const MAGIC: Readonly<Record<ProofContentType, readonly number[]>> = {
  // JPEG: SOI marker then the first segment's marker (ISO/IEC 10918-1, Annex B).
  "image/jpeg": [0xff, 0xd8, 0xff],
  // PNG signature (ISO/IEC 15948 §5.2).
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  // "%PDF-" (ISO 32000-1 §7.5.2).
  "application/pdf": [0x25, 0x50, 0x44, 0x46, 0x2d],
};

/** The proof type named by a Content-Type header (parameters and case ignored), or null. */
export function proofContentType(header: string | undefined): ProofContentType | null {
  const type = (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return (PROOF_CONTENT_TYPES as readonly string[]).includes(type) ? (type as ProofContentType) : null;
}

/**
 * Whether `bytes` start as a file of `type` must.
 *
 * @example
 * hasProofSignature("application/pdf", Buffer.from("%PDF-1.7\n…")); // true
 */
export function hasProofSignature(type: ProofContentType, bytes: Uint8Array): boolean {
  const magic = MAGIC[type];
  if (bytes.length < magic.length) return false;
  return magic.every((byte, i) => bytes[i] === byte);
}
