/**
 * `mturk-bonus/bulk`: pay a whole batch of bonuses exactly once, resumably
 * (Node only: it reads files and keeps a journal on disk).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { MTurkClient } from "mturk-bonus";
 * import { parseBonusFile, payBonuses } from "mturk-bonus/bulk";
 *
 * const { rows } = parseBonusFile(readFileSync("bonuses.csv"), { fileName: "bonuses.csv" }); // bytes: checked as UTF-8
 * const client = new MTurkClient({ sandbox: true });
 * const result = await payBonuses(rows, { client, journal: "bonuses.csv.journal.jsonl", target: "sandbox" });
 * console.log(result.counts); // { rows, paid, paidNow, skipped, failed, pending }
 * await client.destroy();
 * ```
 */
export {
  parseCsv,
  scanCsv,
  csvField,
  csvLine,
  type CsvOptions,
  type CsvProblem,
  type CsvRecord,
  type CsvResult,
  type Delimiter,
} from "./csv.js";
export { checkColumnMap, parseColumnMap, rowFieldOf, type ColumnMap, type RowDefaults } from "./columns.js";
export { delimiterOf, detectDelimiter } from "./delimiter.js";
export { decodeBonusBytes, encodingOf, TEXT_ENCODINGS, type DecodeResult, type TextEncodingName } from "./encoding.js";
export {
  detectFormat,
  InvalidRowsError,
  listProblems,
  MAX_LISTED_PROBLEMS,
  parseBonusFile,
  ROW_FIELDS,
  validateRows,
  type BonusRow,
  type ParsedBonusFile,
  type ParseOptions,
  type RawRow,
  type RowField,
  type RowFormat,
  type RowOptions,
  type RowProblem,
} from "./rows.js";
export {
  BATCH_ID_PATTERN,
  contentHash,
  defaultBatchId,
  deriveToken,
  nodeSha256,
  TOKEN_PREFIX,
  tokensFor,
} from "./token.js";
export { acquireLock, holderStatus, type HolderStatus, type Lock, type LockHolder } from "./lock.js";
export { decide, type Decision, type ListedPayment, type RowView } from "./reconcile.js";
export { availableCents, BalanceCheckError, InsufficientBalanceError } from "./balance.js";
export {
  actionFor,
  describePlan,
  LOCAL_CLOCK_MARGIN_MS,
  type Clocks,
  formatDollars,
  planPayout,
  shortfallCents,
  TOKEN_REUSE_WINDOW_MS,
  totalsOf,
  type PayoutPlan,
  type PlannedRow,
  type RowAction,
  type Totals,
} from "./plan.js";
export {
  Journal,
  JournalError,
  JournalState,
  parseJournal,
  readJournal,
  replay,
  type HeaderEntry,
  type IntentEntry,
  type JournalContents,
  type JournalEntry,
  type JournaledError,
  type OutcomeEntry,
  type ReconcileEntry,
  type RunEntry,
  type TokenState,
} from "./journal.js";
export { RateLimiter, type RateLimiterOptions } from "./rate.js";
export { payBonuses, previewPayout } from "./pay.js";
export { isInsufficientFunds } from "./policy.js";
export type {
  BulkClient,
  PayBonusesOptions,
  PayoutOptions,
  PayoutProgress,
  PayoutResult,
  RowResult,
  RowStatus,
  StopReason,
} from "./types.js";
export { describeResult, REPORT_COLUMNS, reportCsv, reportJson, reportFormat, writeReport } from "./report.js";
export { formatProgress, ProgressDisplay, type ProgressOptions, type ProgressStream } from "./progress.js";
export { credentialsFromProfile, parseIni } from "./profile.js";
