/**
 * The end of a payout, for people and for the record: a summary, and a
 * report with every row's outcome, request id, token and attempts, as CSV
 * or JSON (chosen by the file's extension).
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync } from "node:fs";
import { csvLine } from "./csv.js";
import { writeAll } from "./journal.js";
import { formatDollars } from "../money.js";
import type { PayoutResult, RowResult, StopReason } from "./types.js";

/** Report columns, in order. */
export const REPORT_COLUMNS = [
  "line",
  "WorkerId",
  "AssignmentId",
  "BonusAmount",
  "Reason",
  "status",
  "via",
  "earlierRun",
  "UniqueRequestToken",
  "requestId",
  "sends",
  "httpAttempts",
  "error",
  "errorMessage",
  "outcomeUnknown",
  "outcomeJournaled",
] as const;

/**
 * OWASP's CSV-injection rule: a cell a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
 * leading `'`, so it is shown as text. Reasons and server error messages
 * are not ours to trust.
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function cells(row: RowResult): string[] {
  return [
    String(row.line),
    row.WorkerId,
    row.AssignmentId,
    row.BonusAmount,
    row.Reason,
    row.status,
    row.via ?? "",
    row.earlierRun ? "true" : "",
    row.token ?? "",
    row.requestId ?? "",
    String(row.sends),
    String(row.httpAttempts),
    row.error === undefined ? "" : (row.error.TurkErrorCode ?? row.error.name),
    row.error?.message ?? "",
    row.error === undefined ? "" : String(row.error.outcomeUnknown),
    row.outcomeJournaled === false ? "false" : "",
  ].map(neutralizeCell);
}

/** The report as CSV text. */
export function reportCsv(result: PayoutResult): string {
  return csvLine(REPORT_COLUMNS) + result.rows.map((row) => csvLine(cells(row))).join("");
}

/** The report as a JSON document: batch facts, totals and rows. */
export function reportJson(result: PayoutResult): string {
  const { batchId, contentHash, namespace, journal, complete, stoppedBy, stopError, counts, paid, paidNow, rows } =
    result;
  return `${JSON.stringify({ batchId, contentHash, namespace, journal, complete, stoppedBy, stopError, counts, paid, paidNow, rows }, null, 2)}\n`;
}

/** The report format for a file name: `.json` is JSON, anything else CSV. */
export function reportFormat(path: string): "csv" | "json" {
  return /\.json$/i.test(path) ? "json" : "csv";
}

/**
 * Writes the report (readable by its owner only) next to where it goes and
 * renames it into place, so a reader never sees half a report: every byte
 * is written and synced, or this throws and no temporary file is left.
 */
export function writeReport(path: string, result: PayoutResult): void {
  const text = reportFormat(path) === "json" ? reportJson(result) : reportCsv(result);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w", 0o600);
  try {
    try {
      writeAll(fd, Buffer.from(text, "utf8"));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created, or already renamed.
    }
    throw error;
  }
}

const STOPS: Record<StopReason, string> = {
  "insufficient-funds": "MTurk reported insufficient funds, so no further bonus was sent",
  "fatal-error": "an error that every further call would repeat stopped the run",
  "journal-error": "the journal could not be written (a full disk?), so nothing more was sent",
  stopped: "the run was stopped; bonuses in flight were finished",
  aborted: "the run was aborted",
  declined: "the payout was not confirmed; nothing was sent",
};

/** A few lines for the end of a run. */
export function describeResult(result: PayoutResult, maxListed = 20): string {
  const { counts, paid, paidNow } = result;
  const out: string[] = [];
  const earlier = counts.paid - counts.paidNow;
  out.push(
    `${result.complete ? "Done" : "Not finished"}: ${counts.paid} of ${counts.rows - counts.skipped} bonuses paid ` +
      `(${formatDollars(paid.bonusCents)} + ${formatDollars(paid.feeCents)} fees = ${formatDollars(paid.totalCents)})` +
      (earlier > 0 ? `, ${earlier} of them in an earlier run` : ""),
  );
  const rest: string[] = [];
  if (paidNow.rows > 0 || earlier > 0) rest.push(`${paidNow.rows} paid now (${formatDollars(paidNow.bonusCents)})`);
  if (counts.skipped > 0) rest.push(`${counts.skipped} skipped ($0)`);
  rest.push(`${counts.failed} failed`);
  if (counts.pending > 0) rest.push(`${counts.pending} not attempted`);
  out.push(`  ${rest.join(", ")}`);
  if (result.stoppedBy !== undefined) {
    out.push(
      `Stopped: ${STOPS[result.stoppedBy]}${result.stopError ? `: ${result.stopError.name}: ${result.stopError.message}` : ""}`,
    );
  }
  const unjournaled = result.rows.filter((r) => r.outcomeJournaled === false);
  for (const row of unjournaled.slice(0, maxListed)) {
    const what =
      row.status === "paid"
        ? "paid, outcome not journaled (MTurk accepted it; do not pay it by hand)"
        : "outcome unknown, not journaled (it may have been paid; run again to settle it with the same token)";
    out.push(`  line ${row.line}: ${row.WorkerId} ${row.AssignmentId} ${formatDollars(row.cents)}: ${what}`);
  }
  const failed = result.rows.filter((r) => r.status === "failed" && r.outcomeJournaled !== false);
  for (const row of failed.slice(0, maxListed)) {
    const why =
      row.error === undefined
        ? "failed"
        : `${row.error.TurkErrorCode ?? row.error.name}: ${row.error.message}${row.error.outcomeUnknown ? " (may have been paid; resuming settles it with the same token)" : ""}`;
    out.push(`  line ${row.line}: ${row.WorkerId} ${row.AssignmentId} ${formatDollars(row.cents)}: ${why}`);
  }
  if (failed.length > maxListed) out.push(`  … and ${failed.length - maxListed} more failed rows (see the report)`);
  return `${out.join("\n")}\n`;
}
