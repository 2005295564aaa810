/**
 * An RFC 4180 CSV reader: quoted fields with embedded delimiters, quotes
 * (`""`) and line breaks; CRLF, LF or CR line ends; a leading UTF-8 BOM; a
 * comma, semicolon or tab between fields. Pure: a string in, records with the
 * line each one starts on out. Spaces around a quoted field are tolerated, as
 * spreadsheets and hand-written files have them.
 *
 * Linear and allocation-light, because a study can have a million rows: a
 * field is one `slice` of the text (a quoted field one slice per `""`), never
 * built a character at a time.
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
  /** Empty lines (outside quotes) skipped; a final line break is not one. */
  readonly blankLines: number;
}

/** What may separate fields: a comma, or a semicolon or tab as spreadsheets in many locales write. */
export type Delimiter = "," | ";" | "\t";

/** Options of {@link parseCsv}. */
export interface CsvOptions {
  /**
   * The field separator.
   * @default ","
   */
  delimiter?: Delimiter;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Splits CSV text into records. Blank lines (outside quotes) are not
 * records; they are counted. A stray `"` inside an unquoted field, text after
 * a closing quote and a quote left open at the end of the text are reported
 * by line, and their records left out.
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvResult {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const { blankLines } = scanCsv(
    text,
    options.delimiter ?? ",",
    (fields, line) => records.push({ line, fields }),
    (problem) => problems.push(problem),
  );
  return { records, problems, blankLines };
}

/**
 * The streaming form of {@link parseCsv}: calls `onRecord` for each good
 * record in order, without keeping them, and `onProblem` for each syntax
 * error. Returns the number of blank lines skipped.
 */
export function scanCsv(
  text: string,
  delimiter: Delimiter,
  onRecord: (fields: string[], line: number) => void,
  onProblem: (problem: CsvProblem) => void,
): { blankLines: number } {
  const scanner = new Scanner(text, delimiter.charCodeAt(0), onProblem);
  let blankLines = 0;
  while (scanner.i < scanner.n) {
    if (scanner.lineEnd() > 0) {
      blankLines++;
      scanner.skipLineEnd();
      continue;
    }
    const line = scanner.line;
    const fields = scanner.record();
    if (fields !== undefined) onRecord(fields, line);
  }
  return { blankLines };
}

/** The cursor over the text; one record at a time. */
class Scanner {
  i: number;
  line = 1;
  readonly n: number;

  constructor(
    private readonly text: string,
    private readonly delimiter: number,
    private readonly onProblem: (problem: CsvProblem) => void,
  ) {
    this.i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.n = text.length;
  }

  /** The length of the line end at the cursor (0 if none). */
  lineEnd(at = this.i): number {
    const c = this.text.charCodeAt(at);
    if (c === CR) return this.text.charCodeAt(at + 1) === LF ? 2 : 1;
    return c === LF ? 1 : 0;
  }

  skipLineEnd(): void {
    const length = this.lineEnd();
    if (length > 0) {
      this.i += length;
      this.line++;
    }
  }

  /** Reads one record and its line end; `undefined` when it had a syntax error (already reported). */
  record(): string[] | undefined {
    const fields: string[] = [];
    let bad = false;
    for (;;) {
      const field = this.field();
      if (field === undefined) bad = true;
      else fields.push(field);
      if (bad || this.i >= this.n || this.text.charCodeAt(this.i) !== this.delimiter) break;
      this.i++;
    }
    if (bad) this.skipRestOfLine();
    this.skipLineEnd();
    return bad ? undefined : fields;
  }

  /** One field, the cursor left on the delimiter, line end or end of text after it. */
  private field(): string | undefined {
    const { text, n } = this;
    let j = this.i;
    while (j < n && this.isPadding(text.charCodeAt(j))) j++;
    if (j < n && text.charCodeAt(j) === QUOTE) return this.quoted(j);
    const start = this.i;
    let k = start;
    for (; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c === this.delimiter || c === CR || c === LF) break;
      if (c === QUOTE) {
        this.i = k;
        this.onProblem({
          line: this.line,
          message: 'a quote inside an unquoted field (quote the whole field and write the quote as "")',
        });
        return undefined;
      }
    }
    this.i = k;
    return text.slice(start, k);
  }

  /** A quoted field opening at `open`: runs to the next lone quote, counting the line breaks inside. */
  private quoted(open: number): string | undefined {
    const { text, n } = this;
    const quoteLine = this.line;
    let value = "";
    let k = open + 1;
    for (;;) {
      const close = text.indexOf('"', k);
      if (close === -1) {
        this.i = n;
        this.onProblem({ line: quoteLine, message: 'a quoted field is never closed (missing ")' });
        return undefined;
      }
      this.countLines(k, close);
      value += text.slice(k, close);
      if (text.charCodeAt(close + 1) === QUOTE) {
        value += '"';
        k = close + 2;
        continue;
      }
      k = close + 1;
      break;
    }
    while (k < n && this.isPadding(text.charCodeAt(k))) k++;
    this.i = k;
    if (k < n && text.charCodeAt(k) !== this.delimiter && this.lineEnd(k) === 0) {
      this.onProblem({
        line: this.line,
        message: 'text after a closing quote (inside a quoted field, write a quote as "")',
      });
      return undefined;
    }
    return value;
  }

  private isPadding(c: number): boolean {
    return c === SPACE || (c === TAB && this.delimiter !== TAB);
  }

  private countLines(from: number, to: number): void {
    const { text } = this;
    for (let k = from; k < to; k++) {
      const c = text.charCodeAt(k);
      if (c === LF || (c === CR && text.charCodeAt(k + 1) !== LF)) this.line++;
    }
  }

  private skipRestOfLine(): void {
    while (this.i < this.n && this.lineEnd() === 0) this.i++;
  }
}

/** Quotes a field for CSV output when it needs it (comma, quote, line break, or edge spaces). */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line (CRLF-terminated, as RFC 4180 says). */
export function csvLine(values: readonly string[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
