/** Photos and PDFs: what a doctor sends most (a wound, an ECG, a report). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Image types shown inline. SVG is left out: it is a document that can carry scripts. */
const INLINE_IMAGES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

export function isInlineImage(mimeType: string): boolean {
  return INLINE_IMAGES.has(mimeType);
}

export function isSendable(file: { type: string }): boolean {
  return isInlineImage(file.type) || file.type === "application/pdf" || file.type === "image/heic";
}

/**
 * A small JPEG preview as a data URL. It travels inside the encryption with the attachment's key,
 * so the conversation shows the photo before anyone downloads the full file.
 */
export async function makeThumbnail(file: Blob, maxSide = 320): Promise<string | undefined> {
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    if (!context) return undefined;
    // JPEG has no transparency: a transparent PNG would get black corners on the default fill.
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    for (const quality of [0.7, 0.5, 0.3]) {
      const url = canvas.toDataURL("image/jpeg", quality);
      // The protocol bounds a thumbnail to 64,000 characters.
      if (url.length <= 60_000) return url;
    }
  } catch {
    // An image the browser can't decode is sent without a preview.
  }
  return undefined;
}

export function formatSize(bytes: number, locale: string): string {
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${units[unit]}`;
}
