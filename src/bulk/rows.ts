/**
 * Bonus rows from CSV or JSON Lines, every one checked before anything is
 * paid. A batch with any bad row is refused whole, with every problem listed
 * by line and field, because a half-valid batch is how bonuses go missing.
 */
import { ValidationError } from "../errors.js";
import { AMOUNT_PATTERN, formatCents, toCents } from "../money.js";
import { checkAmount, checkText, describeValue, ENTITY_ID_PATTERN, validateSendBonus, WORKER_ID_PATTERN } from "../validate.js";
import { parseCsv } from "./csv.js";

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

/** The fields a row may have, as in a CSV header or a JSON object. */
export const ROW_FIELDS = ["WorkerId", "AssignmentId", "BonusAmount", "Reason", "UniqueRequestToken"] as const;
export type RowField = (typeof ROW_FIELDS)[number];
const REQUIRED_FIELDS: readonly RowField[] = ["WorkerId", "AssignmentId", "BonusAmount", "Reason"];

/** One thing wrong with the input. */
export interface RowProblem {
  /** 1-based line (or list position). */
  readonly line: number;
  /** The field at fault, or `row` / `header` / `file`. */
  readonly field: string;
  readonly message: string;
}

/** The input has problems; nothing was paid. */
export class InvalidRowsError extends Error {
  override readonly name = "InvalidRowsError";
  /** Every problem found, in line order. */
  readonly problems: readonly RowProblem[];

  constructor(problems: readonly RowProblem[], source = "the input") {
    const sorted = [...problems].sort((a, b) => a.line - b.line);
    const lines = new Set(sorted.map((p) => p.line)).size;
    super(
      `${source} was refused, nothing was paid: ${sorted.length} problem(s) on ${lines} line(s)\n` +
        sorted.map((p) => `  line ${p.line}: ${p.message}`).join("\n"),
    );
    this.problems = sorted;
  }
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
}

/** A raw row: fields as read, before checks. `line` defaults to the position. */
export type RawRow = { readonly line?: number } & Partial<Record<RowField, unknown>>;

/** Guesses the format from a file name, then from the first character. */
export function detectFormat(fileName: string | undefined, text: string): RowFormat {
  if (fileName !== undefined) {
    if (/\.(jsonl|ndjson)$/i.test(fileName)) return "jsonl";
    if (/\.csv$/i.test(fileName)) return "csv";
  }
  return text.replace(/^\uFEFF/, "").trimStart().startsWith("{") ? "jsonl" : "csv";
}

/** Maps a header name or JSON key to a field, ignoring case and surrounding spaces. */
function fieldOf(name: string): RowField | undefined {
  const key = name.trim().toLowerCase();
  return ROW_FIELDS.find((field) => field.toLowerCase() === key);
}

/**
 * Reads CSV (with a header row) or JSON Lines into checked rows. Throws an
 * {@link InvalidRowsError} listing every problem when any row is bad.
 * Columns or keys other than the five known ones are ignored and listed in
 * `ignoredFields`.
 */
export function parseBonusFile(
  text: string,
  options: RowOptions & { format?: RowFormat; fileName?: string } = {},
): { rows: BonusRow[]; format: RowFormat; ignoredFields: string[] } {
  const format = options.format ?? detectFormat(options.fileName, text);
  const source = options.fileName ?? "the input";
  const { raw, problems, ignoredFields } = format === "csv" ? readCsv(text) : readJsonLines(text);
  const checked = checkRows(raw, options, problems);
  if (problems.length > 0) throw new InvalidRowsError(problems, source);
  return { rows: checked, format, ignoredFields };
}

/**
 * Checks rows given in code (e.g. from a database). Same rules as files;
 * `line` is the 1-based position unless the row carries its own.
 */
export function validateRows(rows: Iterable<RawRow>, options: RowOptions = {}): BonusRow[] {
  const problems: RowProblem[] = [];
  const raw: RawRow[] = [];
  let position = 0;
  for (const row of rows) {
    position++;
    raw.push(row.line === undefined ? { ...row, line: position } : row);
  }
  const checked = checkRows(raw, options, problems);
  if (problems.length > 0) throw new InvalidRowsError(problems);
  return checked;
}

interface ReadResult {
  raw: RawRow[];
  problems: RowProblem[];
  ignoredFields: string[];
}

function readCsv(text: string): ReadResult {
  const { records, problems: syntax } = parseCsv(text);
  const problems: RowProblem[] = syntax.map((p) => ({ line: p.line, field: "row", message: `CSV syntax: ${p.message}` }));
  const header = records[0];
  if (header === undefined) {
    if (problems.length === 0) problems.push({ line: 1, field: "file", message: "the file is empty: it needs a header row and at least one bonus row" });
    return { raw: [], problems, ignoredFields: [] };
  }
  const columns: (RowField | undefined)[] = [];
  const ignoredFields: string[] = [];
  const seen = new Map<RowField, number>();
  header.fields.forEach((name, index) => {
    const field = fieldOf(name);
    columns.push(field);
    if (field === undefined) {
      if (name.trim() !== "") ignoredFields.push(name.trim());
      return;
    }
    const earlier = seen.get(field);
    if (earlier !== undefined) {
      problems.push({ line: header.line, field: "header", message: `column ${field} appears twice (columns ${earlier + 1} and ${index + 1})` });
    }
    seen.set(field, index);
  });
  for (const field of REQUIRED_FIELDS) {
    if (!seen.has(field)) {
      problems.push({
        line: header.line,
        field: "header",
        message: `column ${field} is missing: the header must name WorkerId, AssignmentId, BonusAmount and Reason (UniqueRequestToken is optional); it has ${header.fields.map((f) => JSON.stringify(f)).join(", ")}`,
      });
    }
  }
  if (problems.some((p) => p.field === "header")) return { raw: [], problems, ignoredFields };

  const raw: RawRow[] = [];
  for (const record of records.slice(1)) {
    const extra = record.fields.slice(columns.length);
    if (extra.some((value) => value.trim() !== "")) {
      problems.push({ line: record.line, field: "row", message: `has ${record.fields.length} fields but the header has ${columns.length} (an unquoted comma in a value? quote the value)` });
      continue;
    }
    const row: Record<string, unknown> = { line: record.line };
    columns.forEach((field, index) => {
      // A line break inside a quoted field is read as "\n" whatever the file's line ends are, so that a file
      // re-saved with CRLF (Excel) has the same rows, content hash and tokens, and nothing is paid twice.
      if (field !== undefined && index < record.fields.length) row[field] = (record.fields[index] as string).replace(/\r\n?/g, "\n");
    });
    raw.push(row as RawRow);
  }
  if (raw.length === 0 && problems.length === 0) {
    problems.push({ line: header.line, field: "file", message: "the file has a header but no bonus rows" });
  }
  return { raw, problems, ignoredFields };
}

function readJsonLines(text: string): ReadResult {
  const problems: RowProblem[] = [];
  const raw: RawRow[] = [];
  const ignored = new Set<string>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  lines.forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      problems.push({ line, field: "row", message: `is not valid JSON (${error instanceof Error ? error.message : String(error)})` });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push({ line, field: "row", message: `must be a JSON object with ${REQUIRED_FIELDS.join(", ")}, got ${describeValue(value)}` });
      return;
    }
    const row: Record<string, unknown> = { line };
    for (const [key, fieldValue] of Object.entries(value)) {
      const field = fieldOf(key);
      if (field === undefined) {
        ignored.add(key);
        continue;
      }
      if (field in row) {
        problems.push({ line, field, message: `${field} is given twice (keys differ only in case)` });
        continue;
      }
      row[field] = fieldValue;
    }
    raw.push(row as RawRow);
  });
  if (raw.length === 0 && problems.length === 0) problems.push({ line: 1, field: "file", message: "the file has no bonus rows" });
  return { raw, problems, ignoredFields: [...ignored] };
}

/** Runs `check`, turning a `ValidationError` into a problem on `line`. */
function attempt<T>(line: number, field: string, problems: RowProblem[], check: () => T): T | undefined {
  try {
    return check();
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

function checkId(field: string, value: unknown, pattern: RegExp, example: string): string {
  return checkText(field, text(field, value, true), { max: 64, pattern, example });
}

/** Amount in cents; `0` for a zero amount ("0", "0.00"), which is skipped rather than refused. */
function checkRowAmount(value: unknown): number {
  const amount = typeof value === "string" ? value.trim() : value;
  if (typeof amount === "string" && AMOUNT_PATTERN.test(amount) && toCents(amount) === 0) return 0;
  if (amount === undefined || amount === "") throw new ValidationError("BonusAmount", "is missing", "every row needs it");
  return checkAmount(amount);
}

function checkToken(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return checkText("UniqueRequestToken", text("UniqueRequestToken", value, true), { max: 64 });
}

function checkRows(raw: readonly RawRow[], options: RowOptions, problems: RowProblem[]): BonusRow[] {
  const rows: BonusRow[] = [];
  const pairs = new Map<string, number>();
  const tokens = new Map<string, number>();
  raw.forEach((input, index) => {
    const line = input.line ?? index + 1;
    const before = problems.length;
    const WorkerId = attempt(line, "WorkerId", problems, () => checkId("WorkerId", input.WorkerId, WORKER_ID_PATTERN, "A1B2C3D4E5F6G7"));
    const AssignmentId = attempt(line, "AssignmentId", problems, () =>
      checkId("AssignmentId", input.AssignmentId, ENTITY_ID_PATTERN, "3X1FV8S5J09OQY1JC80W57HTHFJGVM"),
    );
    const cents = attempt(line, "BonusAmount", problems, () => checkRowAmount(input.BonusAmount));
    const Reason = attempt(line, "Reason", problems, () => text("Reason", input.Reason, false));
    const token = attempt(line, "UniqueRequestToken", problems, () => checkToken(input.UniqueRequestToken));
    let duplicate = false;
    // Duplicates are looked for even among rows with other problems, so that one pass lists everything.
    if (WorkerId !== undefined && AssignmentId !== undefined && cents !== 0) {
      const pair = `${WorkerId}\u0000${AssignmentId}`;
      const first = pairs.get(pair);
      if (first === undefined) pairs.set(pair, line);
      else if (!options.allowDuplicates) {
        duplicate = true;
        problems.push({
          line,
          field: "AssignmentId",
          message: `WorkerId ${WorkerId} and AssignmentId ${AssignmentId} are also on line ${first}: a second bonus for the same assignment is refused unless duplicates are allowed (--allow-duplicates)`,
        });
      }
    }
    if (token !== undefined) {
      const first = tokens.get(token);
      if (first === undefined) tokens.set(token, line);
      else {
        duplicate = true;
        problems.push({ line, field: "UniqueRequestToken", message: `UniqueRequestToken ${describeValue(token)} is also on line ${first}: MTurk would pay only one of the two` });
      }
    }
    if (duplicate || problems.length > before || WorkerId === undefined || AssignmentId === undefined || cents === undefined || Reason === undefined) return;

    const row: BonusRow = {
      line,
      WorkerId,
      AssignmentId,
      BonusAmount: formatCents(cents),
      cents,
      Reason,
      ...(token === undefined ? {} : { UniqueRequestToken: token }),
    };
    if (cents > 0) {
      // What will be sent must pass the client's own checks too.
      const sent = attempt(line, "row", problems, () =>
        validateSendBonus({ WorkerId, AssignmentId, BonusAmount: row.BonusAmount, Reason, ...(token === undefined ? {} : { UniqueRequestToken: token }) }),
      );
      if (sent === undefined) return;
    }
    rows.push(row);
  });
  return rows;
}
