/**
 * `mturk-bonus pay --json`: JSON Lines on stdout, one object per line with a
 * `type`: the `plan`, then one `row` per settled row, then the `summary`.
 * Amounts are dollar strings, as on the wire; nothing else goes to stdout.
 */
import type { PayoutResult, RowResult } from "../bulk/types.js";
import type { PayoutPlan, Totals } from "../bulk/plan.js";
import { formatCents } from "../money.js";

function money(totals: Totals): { rows: number; bonus: string; fees: string; total: string } {
  return {
    rows: totals.rows,
    bonus: dollars(totals.bonusCents),
    fees: dollars(totals.feeCents),
    total: dollars(totals.totalCents),
  };
}

function dollars(cents: number): string {
  return formatCents(cents);
}

/** The `plan` line. */
export function planLine(plan: PayoutPlan, context: { input: string; target: string; dryRun: boolean }): string {
  return `${JSON.stringify({
    type: "plan",
    input: context.input,
    target: context.target,
    dryRun: context.dryRun,
    batchId: plan.batchId,
    rows: plan.rows.length,
    toPay: money(plan.toPay),
    alreadyPaid: money(plan.alreadyPaid),
    skipped: plan.skipped.length,
    toReconcile: plan.toReconcile,
    ...(plan.balanceCents === undefined ? {} : { balance: dollars(plan.balanceCents) }),
  })}\n`;
}

/** One `row` line, when a row's result is final for this run. */
export function rowLine(row: RowResult): string {
  return `${JSON.stringify({
    type: "row",
    line: row.line,
    status: row.status,
    WorkerId: row.WorkerId,
    AssignmentId: row.AssignmentId,
    BonusAmount: row.BonusAmount,
    ...(row.via === undefined ? {} : { via: row.via }),
    ...(row.earlierRun ? { earlierRun: true } : {}),
    ...(row.token === undefined ? {} : { UniqueRequestToken: row.token }),
    ...(row.requestId === undefined ? {} : { requestId: row.requestId }),
    sends: row.sends,
    httpAttempts: row.httpAttempts,
    ...(row.error === undefined ? {} : { error: row.error }),
  })}\n`;
}

/** The `summary` line of a run (or of a dry run, a declined run or a refused one: `result` absent). */
export function summaryLine(
  fields: { exitCode: number; dryRun?: boolean; declined?: boolean; report?: string; journal?: string },
  result?: PayoutResult,
): string {
  return `${JSON.stringify({
    type: "summary",
    exitCode: fields.exitCode,
    ...(fields.dryRun ? { dryRun: true } : {}),
    ...(fields.declined ? { declined: true } : {}),
    ...(result === undefined
      ? {}
      : {
          complete: result.complete,
          ...(result.stoppedBy === undefined ? {} : { stoppedBy: result.stoppedBy }),
          counts: result.counts,
          paid: money(result.paid),
          paidNow: money(result.paidNow),
        }),
    ...(fields.report === undefined ? {} : { report: fields.report }),
    ...(fields.journal === undefined ? {} : { journal: fields.journal }),
  })}\n`;
}
