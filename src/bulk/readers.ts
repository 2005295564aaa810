/**
 * CSV and JSON Lines text to raw rows (fields as read, before checks), one
 * at a time, under a column map. Blank rows are counted, not passed on.
 */
import { describeValue } from "../validate.js";
import { columnResolver, layoutHeader, type ColumnMap, type RowDefaults, type RowField } from "./columns.js";
import { scanCsv, type Delimiter } from "./csv.js";
import { describeDelimiter } from "./delimiter.js";

/** A raw row: fields as read, before checks. `line` defaults to the position. */
export type RawRow = { readonly line?: number } & Partial<Record<RowField, unknown>>;

/** One thing wrong with the input. */
export interface RowProblem {
  /** 1-based line (or list position). */
  readonly line: number;
  /** The field at fault, or `row` / `header` / `file`. */
  readonly field: string;
  readonly message: string;
}

/** What a reader tells its caller besides the rows. */
export interface ReadSummary {
  /** Empty lines and rows with every cell empty (Excel's `,,,`), skipped. */
  blankRows: number;
  /** Column names (or JSON keys) not read. */
  ignoredFields: string[];
  /** Field → the column or key it was read from. */
  columns: ColumnMap;
}

export interface ReadOptions {
  readonly delimiter: Delimiter;
  /** Whether the delimiter was given (rather than detected), for messages. */
  readonly delimiterGiven: boolean;
  readonly columns: ColumnMap;
  readonly defaults: RowDefaults;
}

const isBlank = (fields: readonly string[]): boolean => fields.every((value) => value.trim() === "");

/** Reads CSV with a header row; `onRow` gets every data row that is not blank. */
export function readCsv(
  text: string,
  options: ReadOptions,
  problems: RowProblem[],
  onRow: (row: RawRow) => void,
): ReadSummary {
  const summary: ReadSummary = { blankRows: 0, ignoredFields: [], columns: {} };
  let layout: (RowField | undefined)[] | undefined;
  let headerBad = false;
  const { blankLines } = scanCsv(
    text,
    options.delimiter,
    (fields, line) => {
      if (headerBad) return;
      if (layout === undefined) {
        if (isBlank(fields)) {
          summary.blankRows++;
          return;
        }
        const header = layoutHeader(fields, options.columns, options.defaults, describeHeader(fields, options));
        for (const message of header.problems) problems.push({ line, field: "header", message });
        headerBad = header.problems.length > 0;
        layout = header.columns;
        summary.ignoredFields = header.ignored;
        summary.columns = header.used;
        return;
      }
      if (isBlank(fields)) {
        summary.blankRows++;
        return;
      }
      if (fields.length > layout.length && fields.slice(layout.length).some((value) => value.trim() !== "")) {
        const separator = describeDelimiter(options.delimiter);
        problems.push({
          line,
          field: "row",
          message: `has ${fields.length} fields but the header has ${layout.length} (an unquoted ${separator} in a value? quote the value)`,
        });
        return;
      }
      onRow(rowOf(fields, layout, line));
    },
    (problem) => {
      problems.push({ line: problem.line, field: "row", message: `CSV syntax: ${problem.message}` });
    },
  );
  summary.blankRows += blankLines;
  if (layout === undefined && problems.length === 0) {
    problems.push({
      line: 1,
      field: "file",
      message: "the file is empty: it needs a header row and at least one bonus row",
    });
  }
  return summary;
}

function rowOf(fields: readonly string[], layout: readonly (RowField | undefined)[], line: number): RawRow {
  const row: Record<string, unknown> = { line };
  const count = Math.min(fields.length, layout.length);
  for (let index = 0; index < count; index++) {
    const field = layout[index];
    if (field === undefined) continue;
    const value = fields[index] as string;
    // A line break inside a quoted field is read as "\n" whatever the file's line ends are, so that a file
    // re-saved with CRLF (Excel) has the same rows, content hash and tokens, and nothing is paid twice.
    row[field] = value.includes("\r") ? value.replace(/\r\n?/g, "\n") : value;
  }
  return row as RawRow;
}

/** The header as read, for messages: what was seen, and the delimiter hint when it may be the wrong one. */
function describeHeader(fields: readonly string[], options: ReadOptions): string {
  const read = fields.join(options.delimiter);
  const shown = JSON.stringify(read.length > 200 ? `${read.slice(0, 200)}…` : read);
  const how = `${fields.length} column${fields.length === 1 ? "" : "s"} separated by ${describeDelimiter(options.delimiter)}${options.delimiterGiven ? " (as given)" : ""}`;
  let hint = "";
  if (fields.length === 1) {
    const other = ([",", ";", "\t"] as const).find((d) => d !== options.delimiter && read.includes(d));
    if (other !== undefined)
      hint = `; if the fields are separated by ${describeDelimiter(other)}, pass --delimiter ${other === "\t" ? "tab" : `'${other}'`}`;
  }
  return `the header line reads ${shown} (${how}${hint})`;
}

/** Reads JSON Lines: one object per line, keys mapped like CSV columns. */
export function readJsonLines(
  text: string,
  options: Pick<ReadOptions, "columns" | "defaults">,
  problems: RowProblem[],
  onRow: (row: RawRow) => void,
): ReadSummary {
  const resolve = columnResolver(options.columns);
  const summary: ReadSummary = { blankRows: 0, ignoredFields: [], columns: {} };
  const ignored = new Set<string>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop(); // the final line break ends a line, it does not start one
  lines.forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === "") {
      summary.blankRows++;
      return;
    }
    const value = parseLine(content, line, problems);
    if (value === undefined) return;
    const row: Record<string, unknown> = { line };
    for (const [key, fieldValue] of Object.entries(value)) {
      const field = resolve(key);
      if (field === undefined) {
        ignored.add(key);
        continue;
      }
      if (field in row) {
        problems.push({
          line,
          field,
          message: `${field} is given twice (by keys that differ only in case or spelling, or by --columns)`,
        });
        continue;
      }
      if (summary.columns[field] === undefined) summary.columns[field] = key;
      row[field] = fieldValue;
    }
    onRow(row as RawRow);
  });
  summary.ignoredFields = [...ignored];
  return summary;
}

function parseLine(content: string, line: number, problems: RowProblem[]): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    problems.push({
      line,
      field: "row",
      message: `is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    });
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push({
      line,
      field: "row",
      message: `must be a JSON object with WorkerId, AssignmentId, BonusAmount, Reason, got ${describeValue(value)}`,
    });
    return undefined;
  }
  return value as Record<string, unknown>;
}
