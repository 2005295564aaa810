/**
 * Bytes to text for bonus files. A Reason is read by a worker, so a file is
 * never decoded by guessing: UTF-8 (the default) must be valid UTF-8, a
 * UTF-16 file must say so with its byte-order mark or be named with
 * `encoding`, and bytes that are not text at all (a workbook, an image) are
 * refused with one message, not one per byte. Decoding uses `TextDecoder`
 * with `fatal: true`, so no U+FFFD replacement character is ever produced.
 */

/** Encodings a bonus file can be read in. `latin1` and `iso-8859-1` are the same as `windows-1252` (as in browsers). */
export const TEXT_ENCODINGS = ["utf-8", "utf-16le", "utf-16be", "windows-1252"] as const;
export type TextEncodingName = (typeof TEXT_ENCODINGS)[number];

const ALIASES: Readonly<Record<string, TextEncodingName>> = {
  "utf-8": "utf-8",
  utf8: "utf-8",
  "utf-16le": "utf-16le",
  utf16le: "utf-16le",
  "utf-16be": "utf-16be",
  utf16be: "utf-16be",
  "windows-1252": "windows-1252",
  cp1252: "windows-1252",
  latin1: "windows-1252",
  "iso-8859-1": "windows-1252",
};

/** The canonical name of an encoding label (any case), or `undefined` if it is not one of {@link TEXT_ENCODINGS}. */
export function encodingOf(label: string): TextEncodingName | undefined {
  return ALIASES[label.trim().toLowerCase()];
}

/** Why bytes could not be read as text; `line` is 1-based. */
export interface DecodeProblem {
  readonly line: number;
  readonly message: string;
}

/** What {@link decodeBonusBytes} returns: the text, or the one reason it could not be read. */
export type DecodeResult =
  | { readonly text: string; readonly encoding: TextEncodingName }
  | { readonly problem: DecodeProblem };

const SAVE_AS_UTF8 = 'save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")';

/**
 * Decodes a bonus file. Without `encoding`, a byte-order mark decides
 * (UTF-8, UTF-16LE, UTF-16BE) and otherwise the bytes must be valid UTF-8.
 * With `encoding`, the bytes are read in it (a BOM of another encoding is
 * refused, as the file then says otherwise).
 */
export function decodeBonusBytes(bytes: Uint8Array, encoding?: TextEncodingName): DecodeResult {
  const workbook = workbookKind(bytes);
  if (workbook !== undefined) {
    return {
      problem: { line: 1, message: `the file is not text but ${workbook}: ${SAVE_AS_UTF8} and give that file` },
    };
  }
  const bom = bomOf(bytes);
  if (encoding !== undefined && bom !== undefined && bom !== encoding) {
    return {
      problem: {
        line: 1,
        message: `the file starts with a ${bom.toUpperCase()} byte-order mark, but the encoding given is ${encoding}: leave the encoding out, or give ${bom}`,
      },
    };
  }
  const chosen = encoding ?? bom ?? "utf-8";
  if (chosen === "utf-8" || chosen === "windows-1252") {
    // A NUL byte does not occur in UTF-8 or Windows-1252 text; UTF-16 without a BOM is the usual text cause.
    const nul = bytes.indexOf(0);
    if (nul !== -1) return { problem: { line: lineAt(bytes, nul), message: notText(bytes, nul) } };
  }
  let text: string;
  try {
    text = new TextDecoder(chosen, { fatal: true }).decode(bytes);
  } catch {
    return { problem: invalidText(bytes, chosen) };
  }
  if (chosen.startsWith("utf-16")) {
    const nul = text.indexOf("\u0000");
    if (nul !== -1)
      return {
        problem: {
          line: lineOfText(text, nul),
          message: `the file is not text: it has a NUL character. Is it really ${chosen}?`,
        },
      };
  }
  return { text, encoding: chosen };
}

/** A workbook saved under a .csv name is a common slip; say what it is. */
function workbookKind(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
    return "a ZIP archive (an Excel .xlsx workbook or an .ods spreadsheet?)";
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0)
    return "an old-style Excel .xls workbook";
  return undefined;
}

function bomOf(bytes: Uint8Array): TextEncodingName | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return undefined;
}

function notText(bytes: Uint8Array, nul: number): string {
  // UTF-16 text without a BOM has a NUL next to every ASCII character.
  const odd = bytes[1] === 0 && bytes[3] === 0;
  const even = bytes[0] === 0 && bytes[2] === 0;
  if (odd || even) {
    const guess = odd ? "utf-16le" : "utf-16be";
    return `the file is not UTF-8 text: it looks like ${guess.toUpperCase()} without a byte-order mark. Pass --encoding ${guess} (encoding: "${guess}" in code), or ${SAVE_AS_UTF8}`;
  }
  return `the file is not text (a NUL byte at offset ${nul}): give a CSV or JSON Lines file`;
}

function invalidText(bytes: Uint8Array, encoding: TextEncodingName): DecodeProblem {
  if (encoding !== "utf-8")
    return { line: 1, message: `the file is not valid ${encoding.toUpperCase()}: ${SAVE_AS_UTF8}` };
  const at = firstInvalidUtf8(bytes);
  const line = lineAt(bytes, at);
  // (lastIndexOf with a negative start would count from the end.)
  const lineStart = at === 0 ? 0 : Math.max(bytes.lastIndexOf(0x0a, at - 1), bytes.lastIndexOf(0x0d, at - 1)) + 1;
  const hex = `0x${(bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, "0")}`;
  return {
    line,
    message:
      `the file is not valid UTF-8 (byte ${hex} at byte ${at - lineStart + 1} of the line). ` +
      `A file saved by Excel on Windows is usually Windows-1252: ${SAVE_AS_UTF8}, or pass --encoding windows-1252 (encoding: "windows-1252" in code)`,
  };
}

/** 1-based line of byte `offset`: LF, CRLF and lone CR each end a line. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) line++;
  }
  return line;
}

function lineOfText(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) line++;
  }
  return line;
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8
 * sequence (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF),
 * or `bytes.length` if there is none. Only run once decoding has failed.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b === 0xe0) [need, min] = [2, 0xa0];
    else if (b === 0xed) [need, min, max] = [2, 0x80, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) [need, min] = [2, 0x80];
    else if (b === 0xf0) [need, min] = [3, 0x90];
    else if (b === 0xf4) [need, min, max] = [3, 0x80, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) [need, min] = [3, 0x80];
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return n;
}
