/**
 * Which column of a file holds which field. Researchers' exports name their
 * columns their own way (psiTurk `workerid,assignmentid,hitid,bonus`,
 * Dallinger `worker_id,assignment_id,…,bonus`, oTree
 * `participant.mturk_worker_id,…`), so a column map says it explicitly.
 * Without one, a column is matched to a field by its name, ignoring case,
 * spaces, `_`, `-` and `.` (`worker_id` is WorkerId); nothing else is guessed,
 * least of all an amount: a column called `bonus` may hold points or another
 * currency, so it is read as dollars only when the user maps it.
 */
import { ValidationError } from "../errors.js";

/** The fields a row may have, as in a CSV header or a JSON object. */
export const ROW_FIELDS = ["WorkerId", "AssignmentId", "BonusAmount", "Reason", "UniqueRequestToken"] as const;
export type RowField = (typeof ROW_FIELDS)[number];

/**
 * Field → the column (CSV header name, or JSON key) it is read from, e.g.
 * `{ WorkerId: "workerid", AssignmentId: "assignmentid", BonusAmount: "bonus" }`.
 * Names match ignoring case and surrounding spaces.
 */
export type ColumnMap = Partial<Record<RowField, string>>;

/** Values for files that lack a column: every row gets the same one. */
export interface RowDefaults {
  /**
   * A flat amount (US dollars, e.g. `"0.50"`, checked like any amount) for a file without a BonusAmount column.
   * @default none: every row must have its amount
   */
  BonusAmount?: string;
  /**
   * The Reason for a file without a Reason column.
   * @default none: every row must have its reason
   */
  Reason?: string;
}

const normalize = (name: string): string => name.toLowerCase().replace(/[\s_.-]+/g, "");
const FIELD_BY_NORMAL = new Map<string, RowField>(ROW_FIELDS.map((field) => [normalize(field), field]));

/** The field a written name (any case) stands for, e.g. `bonusamount` → BonusAmount. */
export function rowFieldOf(name: string): RowField | undefined {
  return FIELD_BY_NORMAL.get(normalize(name.trim()));
}

/**
 * Parses `WorkerId=workerid,AssignmentId=assignmentid,BonusAmount=bonus`
 * (the `--columns` syntax; field names in any case). Throws a
 * `ValidationError` for an unknown field, a field given twice or a missing
 * column name.
 */
export function parseColumnMap(spec: string): ColumnMap {
  const map: ColumnMap = {};
  for (const part of spec.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const field = eq === -1 ? undefined : rowFieldOf(part.slice(0, eq));
    const column = eq === -1 ? "" : part.slice(eq + 1).trim();
    if (field === undefined || column === "") {
      throw new ValidationError(
        "columns",
        `has ${JSON.stringify(part.trim())}`,
        `each entry must be FIELD=COLUMN, with FIELD one of ${ROW_FIELDS.join(", ")}, e.g. WorkerId=workerid,AssignmentId=assignmentid,BonusAmount=bonus`,
      );
    }
    if (map[field] !== undefined) throw new ValidationError("columns", `maps ${field} twice`, "give each field once");
    map[field] = column;
  }
  return map;
}

/** Checks a column map given in code, returning it with known field names. */
export function checkColumnMap(map: Readonly<Record<string, unknown>>): ColumnMap {
  const checked: ColumnMap = {};
  for (const [key, column] of Object.entries(map)) {
    const field = rowFieldOf(key);
    if (field === undefined)
      throw new ValidationError(
        "columns",
        `has the key ${JSON.stringify(key)}`,
        `the keys are ${ROW_FIELDS.join(", ")}`,
      );
    if (typeof column !== "string" || column.trim() === "")
      throw new ValidationError("columns", `maps ${field} to ${JSON.stringify(column)}`, "give a column name");
    checked[field] = column.trim();
  }
  return checked;
}

/**
 * Turns column names into fields under a map: a mapped name is its field;
 * otherwise a name is the field it spells, unless that field is mapped to
 * another column (then it is ignored: what the user said wins).
 */
export function columnResolver(map: ColumnMap): (name: string) => RowField | undefined {
  const mapped = new Map<string, RowField>();
  for (const field of ROW_FIELDS) {
    const column = map[field];
    if (column !== undefined) mapped.set(column.trim().toLowerCase(), field);
  }
  return (name) => {
    const explicit = mapped.get(name.trim().toLowerCase());
    if (explicit !== undefined) return explicit;
    const field = rowFieldOf(name);
    return field !== undefined && map[field] === undefined ? field : undefined;
  };
}

/** Where each field is in a CSV header, and what is wrong with it. */
export interface HeaderLayout {
  /** Per column index, the field it holds (or `undefined`: ignored). */
  readonly columns: (RowField | undefined)[];
  /** Field → the header name it is read from. */
  readonly used: ColumnMap;
  /** Non-empty header names not read. */
  readonly ignored: string[];
  readonly problems: string[];
}

/** Hints for a missing field: header names that look like it, best first, offered in the message, never used unasked. */
const LOOKS_LIKE: Readonly<Record<RowField, readonly RegExp[]>> = {
  WorkerId: [/worker/i],
  AssignmentId: [/assignment/i],
  BonusAmount: [/bonus/i, /amount/i, /payoff/i, /pay/i],
  Reason: [/reason/i, /message/i, /feedback/i],
  UniqueRequestToken: [/token/i],
};

/**
 * Lays out a header under a column map and defaults. `seen` describes the
 * header line as read (for messages).
 */
export function layoutHeader(
  names: readonly string[],
  map: ColumnMap,
  defaults: RowDefaults,
  seen: string,
): HeaderLayout {
  const resolve = columnResolver(map);
  const columns: (RowField | undefined)[] = [];
  const used: ColumnMap = {};
  const at = new Map<RowField, number>();
  const ignored: string[] = [];
  const problems: string[] = [];
  names.forEach((name, index) => {
    const field = resolve(name);
    columns.push(field);
    if (field === undefined) {
      if (name.trim() !== "") ignored.push(name.trim());
      return;
    }
    const earlier = at.get(field);
    if (earlier !== undefined) {
      problems.push(
        `column ${field} appears twice (columns ${earlier + 1} ${JSON.stringify(names[earlier])} and ${index + 1} ${JSON.stringify(name)}): keep one, or pick one with --columns ${field}=NAME`,
      );
    }
    at.set(field, index);
    used[field] = name.trim();
  });
  for (const field of ROW_FIELDS) {
    const column = map[field];
    if (column !== undefined && !at.has(field))
      problems.push(`--columns ${field}=${column}: the header has no column ${JSON.stringify(column)}; ${seen}`);
  }
  for (const field of ["BonusAmount", "Reason"] as const) {
    const flag = field === "BonusAmount" ? "--amount" : "--reason";
    if (defaults[field] !== undefined && at.has(field)) {
      problems.push(
        `${flag} is for files without a ${field} column, and this one has it (column ${JSON.stringify(used[field])}): leave out ${flag}, or drop the column`,
      );
    }
  }
  for (const field of ["WorkerId", "AssignmentId", "BonusAmount", "Reason"] as const) {
    if (at.has(field) || map[field] !== undefined || defaults[field as keyof RowDefaults] !== undefined) continue;
    problems.push(missingMessage(field, names, columns, seen));
  }
  return { columns, used, ignored, problems };
}

function missingMessage(
  field: RowField,
  names: readonly string[],
  columns: readonly (RowField | undefined)[],
  seen: string,
): string {
  // A name holding a delimiter is a whole line read as one column (the wrong delimiter): no use as a hint.
  const free = names
    .filter((name, index) => columns[index] === undefined && !/[,;\t]/.test(name))
    .map((name) => name.trim());
  const candidates = LOOKS_LIKE[field]
    .map((pattern) => free.find((name) => pattern.test(name)))
    .filter((name) => name !== undefined);
  const example = candidates[0] ?? "NAME";
  const caveat = field === "BonusAmount" && candidates.length > 0 ? " if that column holds US dollars" : "";
  const fallback =
    field === "BonusAmount"
      ? ", or give every row the same amount with --amount DOLLARS"
      : field === "Reason"
        ? ', or give every row the same reason with --reason "TEXT"'
        : "";
  return `column ${field} is missing; ${seen}. Name the column that holds it with --columns ${field}=${example}${caveat}${fallback}`;
}
