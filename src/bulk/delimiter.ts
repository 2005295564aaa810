/**
 * Which character separates the fields of a CSV file. Spreadsheets in
 * locales that write a decimal comma (German, French, …) save "CSV" with
 * semicolons, and "Unicode Text" exports use tabs; the header line tells
 * which, since bonus files' column names contain none of the three.
 */
import type { Delimiter } from "./csv.js";

/** Names a user may give for a delimiter (`--delimiter`), besides the character itself. */
const NAMES: Readonly<Record<string, Delimiter>> = {
  ",": ",",
  comma: ",",
  ";": ";",
  semicolon: ";",
  "\t": "\t",
  "\\t": "\t",
  tab: "\t",
};

/** The delimiter a user named, or `undefined` if it is not one of `,` `;` tab (also `comma`, `semicolon`, `tab`, `\t`). */
export function delimiterOf(name: string): Delimiter | undefined {
  return NAMES[name.toLowerCase()];
}

/** A printable name of a delimiter for messages. */
export function describeDelimiter(delimiter: Delimiter): string {
  return delimiter === "\t" ? "tab" : `"${delimiter}"`;
}

/**
 * Guesses the delimiter from the first non-blank line (outside quotes): the
 * one of `,` `;` tab it contains most often; a comma when it has none or on a
 * tie with a comma.
 */
export function detectDelimiter(text: string): Delimiter {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length && (text[i] === "\r" || text[i] === "\n")) i++;
  let quoted = false;
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\r" || c === "\n")) break;
    else if (!quoted && (c === "," || c === ";" || c === "\t")) counts[c]++;
  }
  let best: Delimiter = ",";
  for (const candidate of [";", "\t"] as const) if (counts[candidate] > counts[best]) best = candidate;
  return best;
}
