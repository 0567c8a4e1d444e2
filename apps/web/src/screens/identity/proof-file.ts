import { PROOF_CONTENT_TYPES, PROOF_MAX_BYTES, type ProofContentType } from "@confrere/protocol";

export type PreparedProof =
  | { ok: true; bytes: Uint8Array; contentType: ProofContentType; name: string }
  | { ok: false; reason: "type" | "size" };

/** The longest side of a re-encoded photo: a card stays readable, the file stays small. */
const MAX_PHOTO_SIDE = 2400;

function isProofType(type: string): type is ProofContentType {
  return (PROOF_CONTENT_TYPES as readonly string[]).includes(type);
}

/**
 * Makes a chosen file acceptable as a proof: JPEG, PNG and PDF up to the server's limit go as they
 * are; any other photo (HEIC or WebP from a phone's camera) or one too large is redrawn as a JPEG,
 * its longest side at most 2,400 px. A PDF too large or another kind of file is refused here, with
 * the reason, rather than after the upload.
 */
export async function prepareProof(file: File): Promise<PreparedProof> {
  if (isProofType(file.type) && file.size <= PROOF_MAX_BYTES) {
    return {
      ok: true,
      bytes: new Uint8Array(await file.arrayBuffer()),
      contentType: file.type,
      name: file.name,
    };
  }
  if (!file.type.startsWith("image/")) {
    return { ok: false, reason: file.type === "application/pdf" ? "size" : "type" };
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // The browser cannot read this image (HEIC on some systems): a PDF or a JPEG is needed.
    return { ok: false, reason: "type" };
  }
  const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d")?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  if (!blob || blob.size > PROOF_MAX_BYTES) return { ok: false, reason: "size" };
  return {
    ok: true,
    bytes: new Uint8Array(await blob.arrayBuffer()),
    contentType: "image/jpeg",
    name: `${file.name.replace(/\.[^.]*$/, "")}.jpg`,
  };
}
