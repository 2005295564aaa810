/**
 * `pay`'s options for reading a researcher's file (`--columns`, `--amount`,
 * `--reason`, `--delimiter`, `--encoding`), checked up front so that a typo
 * is a usage error before the file is read, and the notes printed after.
 */
import { parseColumnMap, ROW_FIELDS } from "../bulk/columns.js";
import { describeDelimiter, delimiterOf } from "../bulk/delimiter.js";
import { encodingOf, TEXT_ENCODINGS } from "../bulk/encoding.js";
import type { ParsedBonusFile, ParseOptions } from "../bulk/rows.js";
import { ValidationError } from "../errors.js";
import { str, UsageError } from "./args.js";

export const INPUT_OPTIONS = {
  columns: { type: "string" },
  amount: { type: "string" },
  reason: { type: "string" },
  delimiter: { type: "string" },
  encoding: { type: "string" },
} as const;

export const INPUT_HELP = `Reading the file:
  --columns MAP         which column holds which field (FIELD=COLUMN,…), for
                        exports with their own names; psiTurk's, for example:
      --columns WorkerId=workerid,AssignmentId=assignmentid,BonusAmount=bonus
                        (without it, names match ignoring case, " _-.")
  --amount DOLLARS      pay every row this amount; only for a file without a
                        BonusAmount column (one with it is refused, not patched)
  --reason TEXT         every row's Reason; only for a file without that column
  --delimiter D         , ; or tab (default: detected from the header line)
  --encoding NAME       utf-8 (default; a BOM is honoured), utf-16le, utf-16be,
                        windows-1252 (latin1); text not valid in it is refused`;

/** The read options the command line gives, checked. */
export function inputOptions(
  values: Record<string, unknown>,
): Pick<ParseOptions, "columns" | "defaults" | "delimiter" | "encoding"> {
  const options: Pick<ParseOptions, "columns" | "defaults" | "delimiter" | "encoding"> = {};
  const columns = str(values, "columns");
  if (columns !== undefined) options.columns = usage(() => parseColumnMap(columns));
  const amount = str(values, "amount");
  const reason = str(values, "reason");
  if (amount !== undefined || reason !== undefined)
    options.defaults = {
      ...(amount === undefined ? {} : { BonusAmount: amount }),
      ...(reason === undefined ? {} : { Reason: reason }),
    };
  const delimiter = str(values, "delimiter");
  if (delimiter !== undefined) {
    const known = delimiterOf(delimiter);
    if (known === undefined) throw new UsageError(`--delimiter ${JSON.stringify(delimiter)} must be "," ";" or tab`);
    options.delimiter = known;
  }
  const encoding = str(values, "encoding");
  if (encoding !== undefined) {
    if (encodingOf(encoding) === undefined)
      throw new UsageError(
        `--encoding ${JSON.stringify(encoding)} is not supported: use ${TEXT_ENCODINGS.join(", ")} (or latin1)`,
      );
    options.encoding = encoding;
  }
  return options;
}

function usage<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`--${error.message}`);
    throw error;
  }
}

/** What the user should know about how the file was read (to stderr, before the plan). */
export function inputNotes(parsed: ParsedBonusFile): string[] {
  const notes: string[] = [];
  if (parsed.blankRows > 0) notes.push(`skipped ${parsed.blankRows} blank row(s)`);
  if (parsed.encoding !== "utf-8") notes.push(`read as ${parsed.encoding}`);
  if (parsed.delimiter !== undefined && parsed.delimiter !== ",")
    notes.push(`fields separated by ${describeDelimiter(parsed.delimiter)}`);
  const renamed = ROW_FIELDS.filter((field) => parsed.columns[field] !== undefined && parsed.columns[field] !== field);
  if (renamed.length > 0)
    notes.push(
      `read ${renamed.map((field) => `${field} from column ${JSON.stringify(parsed.columns[field])}`).join(", ")}`,
    );
  if (parsed.ignoredFields.length > 0) notes.push(`ignoring column(s) ${parsed.ignoredFields.join(", ")}`);
  return notes;
}
