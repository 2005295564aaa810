/**
 * Bonus rows from CSV or JSON Lines, every one checked before anything is
 * paid. A batch with any bad row is refused whole, with every problem listed
 * by line and field, because a half-valid batch is how bonuses go missing.
 */
import { MTurkError, ValidationError } from "../errors.js";
import { AMOUNT_PATTERN, formatCents, toCents } from "../money.js";
import {
  checkAmount,
  checkText,
  describeValue,
  ENTITY_ID_PATTERN,
  REASON_MAX_LENGTH,
  WORKER_ID_PATTERN,
} from "../validate.js";
import { checkColumnMap, ROW_FIELDS, type ColumnMap, type RowDefaults, type RowField } from "./columns.js";
import type { Delimiter } from "./csv.js";
import { detectDelimiter } from "./delimiter.js";
import { decodeBonusBytes, encodingOf, TEXT_ENCODINGS, type TextEncodingName } from "./encoding.js";
import { readCsv, readJsonLines, type RawRow, type ReadSummary, type RowProblem } from "./readers.js";

export { ROW_FIELDS, type ColumnMap, type RowDefaults, type RowField, type RawRow, type RowProblem };

/** One valid row, ready to plan. */
export interface BonusRow {
  /** Where it came from: the 1-based line of the file (the record's first line), or the position in a list. */
  readonly line: number;
  readonly WorkerId: string;
  readonly AssignmentId: string;
  /** Canonical two-decimal amount, e.g. `"1.50"` (from `"1.5"`). */
  readonly BonusAmount: string;
  /** The amount in integer cents; `0` means the row is skipped, not paid. */
  readonly cents: number;
  /** Exactly as given; shown to the worker. */
  readonly Reason: string;
  /** A token given in the input, if any; otherwise one is derived (see `deriveToken`). */
  readonly UniqueRequestToken?: string;
}

/** How many problems an {@link InvalidRowsError}'s message lists; `problems` has them all. */
export const MAX_LISTED_PROBLEMS = 20;

/** The input has problems; nothing was paid. */
export class InvalidRowsError extends MTurkError {
  /** Every problem found, in line order. */
  readonly problems: readonly RowProblem[];

  constructor(problems: readonly RowProblem[], source = "the input") {
    const sorted = [...problems].sort((a, b) => a.line - b.line);
    const lines = new Set(sorted.map((p) => p.line)).size;
    const listed = listProblems(sorted, (p) => `  line ${p.line}: ${p.message}`);
    super({
      name: "InvalidRowsError",
      message: `${source} was refused, nothing was paid: ${sorted.length} problem(s) on ${lines} line(s)\n${listed}`,
      $fault: "client",
    });
    this.problems = sorted;
  }
}

/**
 * The first {@link MAX_LISTED_PROBLEMS} problems, one per line, then how many
 * more there are: a file of a million bad rows must not print a million lines.
 */
export function listProblems(
  problems: readonly RowProblem[],
  format: (problem: RowProblem) => string,
  limit = MAX_LISTED_PROBLEMS,
): string {
  const shown = problems.slice(0, limit).map(format);
  if (problems.length > limit) {
    const more = problems.slice(limit);
    shown.push(`  … and ${more.length} more problem(s) on ${new Set(more.map((p) => p.line)).size} more line(s)`);
  }
  return shown.join("\n");
}

/** Input formats. */
export type RowFormat = "csv" | "jsonl";

/** Options of {@link parseBonusFile} and {@link validateRows}. */
export interface RowOptions {
  /**
   * Accept several rows for the same (WorkerId, AssignmentId) pair. Each is
   * then paid, identical rows included (their tokens differ by occurrence).
   * @default false
   */
  allowDuplicates?: boolean;
  /**
   * Values for a field the input does not have at all: `BonusAmount` (a
   * flat amount in dollars, checked like any amount) and `Reason`. A default
   * is refused when the input has that column (or, in JSON Lines and code,
   * a row has that key): a value from the file and a flag that contradicts
   * it would leave the user guessing which one was paid. (CLI: `--amount`,
   * `--reason`.)
   * @default {} (every row must have every field)
   */
  defaults?: RowDefaults;
}

/** Options of {@link parseBonusFile}. */
export interface ParseOptions extends RowOptions {
  /**
   * The input format.
   * @default by `fileName`'s extension (`.jsonl`/`.ndjson`, `.csv`), then `jsonl` if the text starts with `{`, else `csv`
   */
  format?: RowFormat;
  /**
   * The file's name, for messages and format detection.
   * @default none: messages say "the input", and the format is told from the content
   */
  fileName?: string;
  /**
   * How bytes are decoded: `utf-8`, `utf-16le`, `utf-16be` or `windows-1252`
   * (also `latin1`, `iso-8859-1`, `cp1252`). Ignored when the input is a
   * string. (CLI: `--encoding`.)
   * @default a byte-order mark's encoding if there is one, else `utf-8` (invalid UTF-8 is refused, never replaced)
   */
  encoding?: string;
  /**
   * The CSV field separator. (CLI: `--delimiter`.)
   * @default detected from the header line: the most frequent of `,` `;` tab, `,` on a tie
   */
  delimiter?: Delimiter;
  /**
   * Which column holds which field, for exports with their own names, e.g.
   * `{ WorkerId: "workerid", AssignmentId: "assignmentid", BonusAmount: "bonus" }`
   * (see `parseColumnMap` for the CLI's `--columns` syntax). Applies to JSON
   * Lines keys too.
   * @default {} (columns named like the fields, ignoring case, spaces, `_`, `-` and `.`)
   */
  columns?: ColumnMap;
}

/** What {@link parseBonusFile} read. */
export interface ParsedBonusFile {
  readonly rows: BonusRow[];
  readonly format: RowFormat;
  /** Columns (or JSON keys) that were not read. */
  readonly ignoredFields: string[];
  /** Blank rows skipped: empty lines, and rows whose every cell is empty (spreadsheets' `,,,`). */
  readonly blankRows: number;
  /** The encoding the text was decoded from (`utf-8` for a string input). */
  readonly encoding: TextEncodingName;
  /** The CSV delimiter used (given or detected); absent for JSON Lines. */
  readonly delimiter?: Delimiter;
  /** Field → the column or key it was read from (for the first row, in JSON Lines). */
  readonly columns: ColumnMap;
}

/** Guesses the format from a file name, then from the first character. */
export function detectFormat(fileName: string | undefined, text: string): RowFormat {
  if (fileName !== undefined) {
    if (/\.(jsonl|ndjson)$/i.test(fileName)) return "jsonl";
    if (/\.csv$/i.test(fileName)) return "csv";
  }
  return text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .startsWith("{")
    ? "jsonl"
    : "csv";
}

/**
 * Reads CSV (with a header row) or JSON Lines into checked rows. `input` is
 * the file's bytes (decoded per `encoding`) or its text. Throws an
 * {@link InvalidRowsError} listing every problem when any row is bad, and a
 * `ValidationError` for a bad option. Columns or keys other than the known
 * ones are ignored and listed in `ignoredFields`.
 */
export function parseBonusFile(input: string | Uint8Array, options: ParseOptions = {}): ParsedBonusFile {
  const source = options.fileName ?? "the input";
  const columns = checkColumnMap(options.columns ?? {});
  const defaults = checkDefaults(options.defaults);
  const decoded =
    typeof input === "string" ? checkString(input) : decodeBonusBytes(input, encodingOption(options.encoding));
  if ("problem" in decoded) throw new InvalidRowsError([{ ...decoded.problem, field: "file" }], source);
  const { text, encoding } = decoded;
  const format = options.format ?? detectFormat(options.fileName, text);
  const problems: RowProblem[] = [];
  const checker = new RowChecker({ ...options, defaults }, problems);
  const add = (row: RawRow): void => checker.add(row, row.line ?? 0);
  let summary: ReadSummary;
  let delimiter: Delimiter | undefined;
  if (format === "csv") {
    delimiter = delimiterOption(options.delimiter) ?? detectDelimiter(text);
    summary = readCsv(
      text,
      { delimiter, delimiterGiven: options.delimiter !== undefined, columns, defaults },
      problems,
      add,
    );
  } else {
    summary = readJsonLines(text, { columns, defaults }, problems, add);
  }
  if (checker.count === 0 && problems.length === 0) {
    problems.push({
      line: 1,
      field: "file",
      message: format === "csv" ? "the file has a header but no bonus rows" : "the file has no bonus rows",
    });
  }
  if (problems.length > 0) throw new InvalidRowsError(problems, source);
  return {
    rows: checked(checker, options),
    format,
    ignoredFields: summary.ignoredFields,
    blankRows: summary.blankRows,
    encoding,
    ...(delimiter === undefined ? {} : { delimiter }),
    columns: summary.columns,
  };
}

/**
 * Checks rows given in code (e.g. from a database). Same rules as files;
 * `line` is the 1-based position unless the row carries its own.
 */
export function validateRows(rows: Iterable<RawRow>, options: RowOptions = {}): BonusRow[] {
  if (wasChecked(rows, options)) return rows;
  const problems: RowProblem[] = [];
  // A list says how many rows to expect; anything else (or a list claiming more than anyone pays) grows as it goes.
  const expected = Array.isArray(rows) && rows.length <= MAX_SIZED_ROWS ? rows.length : 0;
  const checker = new RowChecker({ ...options, defaults: checkDefaults(options.defaults) }, problems, expected);
  let position = 0;
  for (const row of rows) {
    position++;
    checker.add(row, row.line ?? position);
  }
  if (problems.length > 0) throw new InvalidRowsError(problems);
  return checked(checker, options);
}

/**
 * Row lists this module checked, with whether duplicates were allowed then
 * and whether any assignment is on two rows to pay. The list and its rows
 * are frozen, so a list found here is exactly what was checked, and
 * `payBonuses` given `parseBonusFile`'s rows does not check a million rows
 * a second time.
 */
const CHECKED = new WeakMap<readonly BonusRow[], { readonly allowedDuplicates: boolean; readonly distinct: boolean }>();

function checked(checker: RowChecker, options: RowOptions): BonusRow[] {
  const rows = checker.done();
  CHECKED.set(Object.freeze(rows), {
    allowedDuplicates: options.allowDuplicates === true,
    distinct: !checker.assignmentRepeats,
  });
  return rows;
}

/** True for a list checked here under rules at least as strict: no defaults to apply, and duplicates allowed only if they were then. */
function wasChecked(rows: Iterable<RawRow>, options: RowOptions): rows is BonusRow[] {
  const facts = CHECKED.get(rows as readonly BonusRow[]);
  if (facts === undefined || options.defaults !== undefined) return false;
  return !facts.allowedDuplicates || options.allowDuplicates === true;
}

/**
 * True when `rows` were checked here and no two rows to pay (amount above
 * zero) share an AssignmentId: then counting the assignments to list needs
 * no set of a million of them (`planPayout`). False when unknown.
 */
export function assignmentsDistinct(rows: readonly BonusRow[]): boolean {
  return CHECKED.get(rows)?.distinct === true;
}

function delimiterOption(delimiter: unknown): Delimiter | undefined {
  if (delimiter === undefined || delimiter === "," || delimiter === ";" || delimiter === "\t") return delimiter;
  throw new ValidationError("delimiter", `is ${describeValue(delimiter)}`, 'it must be ",", ";" or "\\t" (tab)');
}

function encodingOption(label: string | undefined): TextEncodingName | undefined {
  if (label === undefined) return undefined;
  const encoding = encodingOf(label);
  if (encoding === undefined)
    throw new ValidationError(
      "encoding",
      `${describeValue(label)} is not supported`,
      `use one of ${TEXT_ENCODINGS.join(", ")} (or latin1, which is windows-1252)`,
    );
  return encoding;
}

/** A string was decoded by the caller; it can still be binary. */
function checkString(
  text: string,
): { text: string; encoding: TextEncodingName } | { problem: { line: number; message: string } } {
  const nul = text.indexOf("\u0000");
  if (nul === -1) return { text, encoding: "utf-8" };
  const line = text.slice(0, nul).split(/\r\n|\n|\r/).length;
  return { problem: { line, message: "the input is not text: it has a NUL character. Give a CSV or JSON Lines file" } };
}

function checkDefaults(defaults: RowDefaults | undefined): RowDefaults {
  if (defaults === undefined) return {};
  const checked: RowDefaults = {};
  if (defaults.BonusAmount !== undefined) {
    const cents = checkAmount(
      typeof defaults.BonusAmount === "string" ? defaults.BonusAmount.trim() : defaults.BonusAmount,
      "the default BonusAmount (--amount)",
    );
    checked.BonusAmount = formatCents(cents);
  }
  if (defaults.Reason !== undefined) checked.Reason = checkReason(defaults.Reason, "the default Reason (--reason)");
  return checked;
}

/** Runs `check(value)`, turning a `ValidationError` into a problem on `line` (no closure per row: a million rows are checked). */
function attempt<T>(
  line: number,
  field: string,
  problems: RowProblem[],
  check: (value: unknown) => T,
  value: unknown,
): T | undefined {
  try {
    return check(value);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push({ line, field, message: error.message });
    return undefined;
  }
}

function text(field: string, value: unknown, trim: boolean): string {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
    throw new ValidationError(field, "is missing", "every row needs it");
  }
  if (typeof value !== "string") throw new ValidationError(field, `is ${describeValue(value)}`, "it must be a string");
  return trim ? value.trim() : value;
}

const WORKER_ID = { max: 64, pattern: WORKER_ID_PATTERN, example: "A1B2C3D4E5F6G7" };
const ASSIGNMENT_ID = { max: 64, pattern: ENTITY_ID_PATTERN, example: "3X1FV8S5J09OQY1JC80W57HTHFJGVM" };
const checkWorkerId = (value: unknown): string => checkText("WorkerId", text("WorkerId", value, true), WORKER_ID);
const checkAssignmentId = (value: unknown): string =>
  checkText("AssignmentId", text("AssignmentId", value, true), ASSIGNMENT_ID);

/** Amount in cents; `0` for a zero amount ("0", "0.00"), which is skipped rather than refused. */
function checkRowAmount(value: unknown): number {
  const amount = typeof value === "string" ? value.trim() : value;
  if (typeof amount === "string" && AMOUNT_PATTERN.test(amount) && toCents(amount) === 0) return 0;
  if (amount === undefined || amount === "")
    throw new ValidationError("BonusAmount", "is missing", "every row needs it");
  if (typeof amount === "string" && /^[0-9]+,[0-9]{1,2}$/.test(amount)) {
    // Spreadsheets in decimal-comma locales write amounts so; reading "1,50" as 150 dollars or 1.50 is a guess either way.
    throw new ValidationError(
      "BonusAmount",
      `${describeValue(amount)} has a decimal comma`,
      `write US dollars with a point, e.g. "${amount.replace(",", ".")}"`,
    );
  }
  return checkAmount(amount);
}

/** A Reason: present, at most {@link REASON_MAX_LENGTH} characters, and never with the mark of a wrong decoding. */
function checkReason(value: unknown, field = "Reason"): string {
  // The same rules as the client's validateSendBonus (text, at most REASON_MAX_LENGTH characters, not only white space), and one more.
  const reason = text(field, value, false);
  // Code points never outnumber UTF-16 units, so only a long string needs counting.
  if (reason.length > REASON_MAX_LENGTH) {
    const length = codePoints(reason);
    if (length > REASON_MAX_LENGTH)
      throw new ValidationError(field, `has ${length} characters`, `it must be 1 to ${REASON_MAX_LENGTH} characters`);
  }
  if (reason.includes("\uFFFD")) {
    throw new ValidationError(
      field,
      `contains U+FFFD (\uFFFD), the mark of text decoded in the wrong encoding`,
      "the worker would read it: save the file as UTF-8, or read it with its own encoding (--encoding windows-1252, say)",
    );
  }
  return reason;
}

/** Characters (code points) in a string: its UTF-16 units less the second half of each surrogate pair. */
function codePoints(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

function checkToken(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return checkText("UniqueRequestToken", text("UniqueRequestToken", value, true), { max: 64 });
}

/** The most rows {@link RowChecker} makes room for up front. */
const MAX_SIZED_ROWS = 1 << 24;

/** How many distinct amounts one check shares the text of (see `RowChecker.amountText`). */
const MAX_SHARED_AMOUNTS = 10_000;

/** Checks rows one at a time, keeping what it needs to find duplicates across them. */
class RowChecker {
  /** Rows added. */
  count = 0;
  /** Whether an AssignmentId is on two rows to pay (with the same or another WorkerId). */
  assignmentRepeats = false;
  /**
   * The checked rows, sized for the rows expected: a list of a million
   * grown as it fills leaves each of its outgrown copies behind as garbage.
   */
  private readonly rows: BonusRow[];
  private kept = 0;
  /** Assignment → its first row's WorkerId and line: that row itself when it is valid, so no object per assignment. */
  private readonly byAssignment = new Map<string, { readonly WorkerId: string; readonly line: number }>();
  private readonly otherPairs = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  private readonly amounts = new Map<number, string>();

  constructor(
    private readonly options: RowOptions & { defaults: RowDefaults },
    private readonly problems: RowProblem[],
    expected = 0,
  ) {
    this.rows = new Array<BonusRow>(expected);
  }

  /** The checked rows (a list without holes: sized for what was expected, cut to what was kept). */
  done(): BonusRow[] {
    this.rows.length = this.kept;
    return this.rows;
  }

  add(input: RawRow, line: number): void {
    this.count++;
    const { problems } = this;
    const before = problems.length;
    const filled = this.withDefaults(input, line);
    const WorkerId = attempt(line, "WorkerId", problems, checkWorkerId, filled.WorkerId);
    const AssignmentId = attempt(line, "AssignmentId", problems, checkAssignmentId, filled.AssignmentId);
    const cents = attempt(line, "BonusAmount", problems, checkRowAmount, filled.BonusAmount);
    const Reason = attempt(line, "Reason", problems, checkReason, filled.Reason);
    const token = attempt(line, "UniqueRequestToken", problems, checkToken, filled.UniqueRequestToken);
    const valid =
      problems.length === before &&
      WorkerId !== undefined &&
      AssignmentId !== undefined &&
      cents !== undefined &&
      Reason !== undefined;
    const row = valid ? this.bonusRow(line, WorkerId, AssignmentId, cents, Reason, token) : undefined;
    // Duplicates are looked for even among rows with other problems, so that one pass lists everything.
    const duplicate = this.duplicatePair(line, WorkerId, AssignmentId, cents, row) | this.duplicateToken(line, token);
    if (row !== undefined && !duplicate) this.rows[this.kept++] = row;
  }

  /**
   * A checked row. These are the client's own rules (validateSendBonus), field by field, so what is planned is
   * what can be sent; a test holds the two together rather than running both on every one of a million rows.
   * Frozen, as the type says: a checked row cannot change into one that was never checked.
   */
  private bonusRow(
    line: number,
    WorkerId: string,
    AssignmentId: string,
    cents: number,
    Reason: string,
    token: string | undefined,
  ): BonusRow {
    const BonusAmount = this.amountText(cents);
    // Two literals rather than a spread: a million rows each built whole, without a copy of the properties.
    return Object.freeze(
      token === undefined
        ? { line, WorkerId, AssignmentId, BonusAmount, cents, Reason }
        : { line, WorkerId, AssignmentId, BonusAmount, cents, Reason, UniqueRequestToken: token },
    );
  }

  /** The canonical amount, one string per distinct amount (a batch has few) rather than one per row. */
  private amountText(cents: number): string {
    let text = this.amounts.get(cents);
    if (text === undefined) {
      text = formatCents(cents);
      // Bounded: a batch of all-different amounts costs a string per row, as it would anyway, and no more.
      if (this.amounts.size < MAX_SHARED_AMOUNTS) this.amounts.set(cents, text);
    }
    return text;
  }

  /** The row with the defaults filled in; a default for a field the row has is a problem (see `RowOptions.defaults`). */
  private withDefaults(input: RawRow, line: number): RawRow {
    const { defaults } = this.options;
    if (defaults.BonusAmount === undefined && defaults.Reason === undefined) return input;
    const filled: Record<string, unknown> = { ...input };
    for (const field of ["BonusAmount", "Reason"] as const) {
      const value = defaults[field];
      if (value === undefined) continue;
      if (input[field] !== undefined) {
        this.problems.push({
          line,
          field,
          message: `${field} is given here and by default (${field === "BonusAmount" ? "--amount" : "--reason"}): a default is for input without ${field}; leave out one of the two`,
        });
      }
      filled[field] = value;
    }
    return filled as RawRow;
  }

  private duplicatePair(
    line: number,
    WorkerId: string | undefined,
    AssignmentId: string | undefined,
    cents: number | undefined,
    row: BonusRow | undefined,
  ): number {
    if (WorkerId === undefined || AssignmentId === undefined || cents === 0) return 0;
    // Keyed by the assignment, a string the row already holds (a key built per row would cost a million strings);
    // the same assignment under another worker is another pair, kept in a second, normally empty, map.
    const seen = this.byAssignment.get(AssignmentId);
    let first: number | undefined;
    if (seen === undefined) {
      this.byAssignment.set(AssignmentId, row ?? { WorkerId, line });
      return 0;
    }
    this.assignmentRepeats = true;
    if (seen.WorkerId === WorkerId) first = seen.line;
    else {
      const pair = `${WorkerId}\u0000${AssignmentId}`;
      first = this.otherPairs.get(pair);
      if (first === undefined) this.otherPairs.set(pair, line);
    }
    if (first === undefined || this.options.allowDuplicates) return 0;
    this.problems.push({
      line,
      field: "AssignmentId",
      message: `WorkerId ${WorkerId} and AssignmentId ${AssignmentId} are also on line ${first}: a second bonus for the same assignment is refused unless duplicates are allowed (--allow-duplicates)`,
    });
    return 1;
  }

  private duplicateToken(line: number, token: string | undefined): number {
    if (token === undefined) return 0;
    const first = this.tokens.get(token);
    if (first === undefined) {
      this.tokens.set(token, line);
      return 0;
    }
    this.problems.push({
      line,
      field: "UniqueRequestToken",
      message: `UniqueRequestToken ${describeValue(token)} is also on line ${first}: MTurk would pay only one of the two`,
    });
    return 1;
  }
}
