/**
 * Lists of codes typed or pasted by a person ("89024, 89025" or one per line), and the lines of a
 * bulk invitation ("RPPS;email"). Only the shape is read here: the server checks each code and
 * answers with the code's own error.
 */
export function splitCodes(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((code) => code.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
}

export interface BulkLine {
  /** The national id to send: `8` + RPPS, `0` + ADELI, or what was typed when it is neither. */
  nationalId: string;
  email: string;
  /** The line as pasted, to show beside its result. */
  source: string;
}

/**
 * One invitation per non-empty line: an identifier then an e-mail address, separated by `;`, a
 * comma or a tab (a spreadsheet's column copy). An RPPS (11 digits) or ADELI (9 digits) becomes
 * the national id the directory uses; spaces inside the number are ignored.
 *
 * @example
 * parseBulkLines("10785900399;dr.leroy@example.fr") // [{ nationalId: "810785900399", email: "dr.leroy@example.fr", … }]
 */
export function parseBulkLines(text: string): BulkLine[] {
  const lines: BulkLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const source = raw.trim();
    if (!source) continue;
    const [identifier = "", email = ""] = source.split(/[;,\t]/).map((part) => part.trim());
    const digits = identifier.replace(/\s+/g, "");
    const nationalId = /^[0-9]{11}$/.test(digits)
      ? `8${digits}`
      : /^[0-9]{9}$/.test(digits)
        ? `0${digits}`
        : digits;
    lines.push({ nationalId: nationalId.slice(0, 32), email: email.slice(0, 254), source });
  }
  return lines;
}
