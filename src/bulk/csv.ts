/**
 * An RFC 4180 CSV reader: quoted fields with embedded commas, quotes (`""`)
 * and line breaks; CRLF, LF or CR line ends; a leading UTF-8 BOM. Pure: a
 * string in, records with the line each one starts on out. Spaces around a
 * quoted field are tolerated, as spreadsheets and hand-written files have them.
 */

/** One record, with the 1-based physical line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/** A syntax error at a line. */
export interface CsvProblem {
  readonly line: number;
  readonly message: string;
}

/** What {@link parseCsv} found. Records after a syntax error are still read where possible. */
export interface CsvResult {
  readonly records: CsvRecord[];
  readonly problems: CsvProblem[];
}

const BOM = "\uFEFF";

/**
 * Splits CSV text into records. Blank lines (outside quotes) are not
 * records. A stray `"` inside an unquoted field, text after a closing quote
 * and a quote left open at the end of the text are reported by line.
 */
export function parseCsv(text: string): CsvResult {
  const input = text.startsWith(BOM) ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  /** True once the current record has any content (so a blank line is not a record). */
  let started = false;
  let badRecord = false;
  let i = 0;
  const n = input.length;

  const endField = (): void => {
    fields.push(field);
    field = "";
  };
  const endRecord = (): void => {
    if (started) {
      endField();
      if (!badRecord) records.push({ line: recordLine, fields });
    }
    fields = [];
    field = "";
    started = false;
    badRecord = false;
  };
  /** Consumes a line end at `i` if there is one; returns its length. */
  const lineEnd = (at: number): number => {
    const c = input[at];
    if (c === "\r") return input[at + 1] === "\n" ? 2 : 1;
    if (c === "\n") return 1;
    return 0;
  };

  while (i < n) {
    if (!started) recordLine = line;
    const c = input[i] as string;
    const eol = lineEnd(i);
    if (eol > 0) {
      endRecord();
      i += eol;
      line++;
      continue;
    }
    if (c === ",") {
      started = true;
      endField();
      i++;
      continue;
    }
    started = true;
    if (c === '"' && field.trim() === "") {
      // A quoted field (spaces before the quote are tolerated): runs to the next lone quote.
      const quoteLine = line;
      field = "";
      i++;
      let closed = false;
      while (i < n) {
        const q = input[i] as string;
        if (q === '"') {
          if (input[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        const inner = lineEnd(i);
        if (inner > 0) {
          field += input.slice(i, i + inner);
          i += inner;
          line++;
          continue;
        }
        field += q;
        i++;
      }
      if (!closed) {
        problems.push({ line: quoteLine, message: "a quoted field is never closed (missing \")" });
        badRecord = true;
        break;
      }
      // After the closing quote only spaces, then a comma, a line end or the end of the text may follow.
      while (input[i] === " " || input[i] === "\t") i++;
      if (i < n && input[i] !== "," && lineEnd(i) === 0) {
        problems.push({ line, message: 'text after a closing quote (inside a quoted field, write a quote as "")' });
        badRecord = true;
        while (i < n && lineEnd(i) === 0) i++;
      }
      continue;
    }
    if (c === '"') {
      problems.push({ line, message: 'a quote inside an unquoted field (quote the whole field and write the quote as "")' });
      badRecord = true;
      while (i < n && lineEnd(i) === 0) i++;
      continue;
    }
    field += c;
    i++;
  }
  endRecord();
  return { records, problems };
}

/** Quotes a field for CSV output when it needs it (comma, quote, line break, or edge spaces). */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line (CRLF-terminated, as RFC 4180 says). */
export function csvLine(values: readonly string[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
