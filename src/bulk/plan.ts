/**
 * What a payout will do, before it does it: each row's token and next step,
 * and the totals with MTurk's fees, all in integer cents. Pure.
 */
import { feeCents, formatDollars } from "../money.js";
import { unknownSince, type JournalState, type TokenState } from "./journal-state.js";
import { assignmentsDistinct, type BonusRow } from "./rows.js";
import { tokensFor } from "./token.js";

/** Moved to `money.ts`; re-exported here for existing imports. */
export { formatDollars };

/**
 * How long after a send its token is still trusted to deduplicate, on
 * MTurk's clock. MTurk keeps tokens 24 hours; the hour of margin covers the
 * time a send takes and the `Date` header's coarseness. Past it, a row that
 * may have been paid is checked with ListBonusPayments before it is sent again.
 */
export const TOKEN_REUSE_WINDOW_MS = 23 * 60 * 60 * 1000;

/**
 * Journals from older versions (and clients that cannot tell MTurk's time)
 * hold local times only: they are compared with local time, and with
 * GrantTime with this margin.
 */
export const LOCAL_CLOCK_MARGIN_MS = 60 * 60 * 1000;

/** The clocks a decision may need: MTurk's (when known) and the local one, epoch ms. */
export interface Clocks {
  readonly server?: number;
  readonly local: number;
}

/** What happens to a row next. */
export type RowAction =
  /** A $0 row: not paid, reported. */
  | "skip"
  /** The journal shows it paid. */
  | "done"
  /** Send (or re-send with the same token, which cannot pay twice). */
  | "send"
  /** It may have been paid more than {@link TOKEN_REUSE_WINDOW_MS} ago: check ListBonusPayments first. */
  | "reconcile"
  /**
   * No journal record of being settled: look for a matching payment in
   * ListBonusPayments (one listing per assignment) before sending, so that
   * a bonus paid more than 24 hours ago (another journal, file or tool) is
   * not paid again.
   */
  | "check";

/** One row with its token and next step. */
export interface PlannedRow {
  readonly row: BonusRow;
  /** Position in the input, from 0. */
  readonly index: number;
  /** The token it is (or was) sent with; absent for skipped rows. */
  readonly token?: string;
  readonly action: RowAction;
  /** What the journal knows about the token. */
  readonly state?: TokenState;
}

/** Bonus count and money, in cents. */
export interface Totals {
  readonly rows: number;
  readonly bonusCents: number;
  /** MTurk's fee: 20% per bonus, at least one cent each. */
  readonly feeCents: number;
  readonly totalCents: number;
}

/** What a payout will do. */
export interface PayoutPlan {
  readonly batchId: string;
  readonly contentHash: string;
  /** The namespace the tokens are derived in. */
  readonly namespace?: string;
  /** Every input row in order. */
  readonly rows: readonly PlannedRow[];
  /** Rows still to pay (send or reconcile). */
  readonly toPay: Totals;
  /** Rows the journal shows paid. */
  readonly alreadyPaid: Totals;
  /** $0 rows. */
  readonly skipped: readonly BonusRow[];
  /** Rows whose earlier send may have paid, checked with ListBonusPayments before re-sending. */
  readonly toReconcile: number;
  /** Rows with no journal record of being settled, checked with ListBonusPayments before the first send. */
  readonly toCheck: number;
  /** Distinct assignments listed with ListBonusPayments (one listing each) for those checks. */
  readonly assignmentsToList: number;
  /** Available balance from GetAccountBalance, when it was asked. */
  readonly balanceCents?: number;
}

/** Bonuses and fees being added up, one row at a time (no list of the rows to add). */
class Sum {
  rows = 0;
  bonusCents = 0;
  feeCents = 0;

  add(cents: number): void {
    if (cents <= 0) return;
    this.rows++;
    this.bonusCents += cents;
    this.feeCents += feeCents(cents);
  }

  totals(): Totals {
    return {
      rows: this.rows,
      bonusCents: this.bonusCents,
      feeCents: this.feeCents,
      totalCents: this.bonusCents + this.feeCents,
    };
  }
}

/** Adds up bonuses and fees. */
export function totalsOf(rows: Iterable<{ readonly cents: number }>): Totals {
  const sum = new Sum();
  for (const { cents } of rows) sum.add(cents);
  return sum.totals();
}

/** The clocks now: local, and MTurk's when the client has seen a `Date` (`serverTime`). */
export function clocksOf(client: { serverTime?(): Date | undefined }, clock: () => number): () => Clocks {
  return () => {
    const server = client.serverTime?.()?.getTime();
    return server === undefined || Number.isNaN(server) ? { local: clock() } : { server, local: clock() };
  };
}

/** True when some journaled send must be compared with MTurk's clock (the 24-hour window), so MTurk's time must be known. */
export function needsServerClock(state: JournalState): boolean {
  for (const st of state.tokens.values())
    if (st.paid === undefined && st.localTimes !== true && unknownSince(st) !== undefined) return true;
  return false;
}

/** The time to compare a token's journal times with: local for local-only times, else MTurk's when known. */
export function nowFor(state: TokenState | undefined, clocks: Clocks | number): number {
  if (typeof clocks === "number") return clocks;
  return state?.localTimes === true ? clocks.local : (clocks.server ?? clocks.local);
}

/**
 * The next step for a token, given what the journal knows and the time
 * (`payAgain`: rows without a record of being settled are sent without
 * looking for a listed payment first).
 */
export function actionFor(
  state: TokenState | undefined,
  clocks: Clocks | number,
  payAgain = false,
): Exclude<RowAction, "skip"> {
  if (state?.paid !== undefined) return "done";
  const since = state === undefined ? undefined : unknownSince(state);
  if (since !== undefined) return nowFor(state, clocks) - since >= TOKEN_REUSE_WINDOW_MS ? "reconcile" : "send";
  return payAgain ? "send" : "check";
}

/** Plans rows against a journal's state (empty for a new batch). */
export function planPayout(
  rows: readonly BonusRow[],
  context: {
    batchId: string;
    contentHash: string;
    /** The rows' tokens; derived in `namespace` when not given. */
    tokens?: readonly string[];
    namespace?: string;
    journal?: JournalState;
    now: Clocks | number;
    balanceCents?: number;
    /** See {@link actionFor}. @default false */
    payAgain?: boolean;
  },
): PayoutPlan {
  const tokens = context.tokens ?? tokensFor(rows, context.namespace ?? context.batchId);
  const toPay = new Sum();
  const done = new Sum();
  const skipped: BonusRow[] = [];
  // Checked rows that name each assignment once need no set of a million assignments to count them.
  const assignments = assignmentsDistinct(rows) ? undefined : new Set<string>();
  let listed = 0;
  let toReconcile = 0;
  let toCheck = 0;
  const planned: PlannedRow[] = new Array(rows.length);
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index] as BonusRow;
    if (row.cents === 0) {
      skipped.push(row);
      planned[index] = { row, index, action: "skip" };
      continue;
    }
    const token = tokens[index] as string;
    const state = context.journal?.tokens.get(token);
    const action = actionFor(state, context.now, context.payAgain ?? false);
    (action === "done" ? done : toPay).add(row.cents);
    if (action === "reconcile") toReconcile++;
    if (action === "check") toCheck++;
    if (action === "reconcile" || action === "check") {
      if (assignments === undefined) listed++;
      else assignments.add(row.AssignmentId);
    }
    // Two literals rather than a spread: a million rows each built whole, without a copy of the properties.
    planned[index] = state === undefined ? { row, index, token, action } : { row, index, token, action, state };
  }
  return {
    batchId: context.batchId,
    contentHash: context.contentHash,
    ...(context.namespace === undefined ? {} : { namespace: context.namespace }),
    rows: planned,
    toPay: toPay.totals(),
    alreadyPaid: done.totals(),
    skipped,
    toReconcile,
    toCheck,
    assignmentsToList: assignments === undefined ? listed : assignments.size,
    ...(context.balanceCents === undefined ? {} : { balanceCents: context.balanceCents }),
  };
}

/** How far the balance falls short of the plan's grand total, in cents (0 when it covers it or is unknown). */
export function shortfallCents(plan: PayoutPlan): number {
  return plan.balanceCents === undefined ? 0 : Math.max(0, plan.toPay.totalCents - plan.balanceCents);
}

function lineList(rows: readonly BonusRow[], max = 20): string {
  const shown = rows.slice(0, max).map((r) => String(r.line));
  return rows.length > max ? `${shown.join(", ")} and ${rows.length - max} more` : shown.join(", ");
}

/** The plan as text: rows, total bonus, fees, grand total and balance. */
export function describePlan(plan: PayoutPlan, context: { input?: string; target?: string } = {}): string {
  const out: string[] = [];
  const where = [context.input, context.target].filter(Boolean).join(" → ");
  out.push(`Batch ${plan.batchId}${where ? `  (${where})` : ""}`);
  const parts = [`${plan.toPay.rows} to pay`];
  if (plan.skipped.length > 0) parts.push(`${plan.skipped.length} skipped ($0)`);
  if (plan.alreadyPaid.rows > 0) parts.push(`${plan.alreadyPaid.rows} already paid (journal)`);
  const label = (name: string) => name.padEnd(15);
  out.push(`${label("Rows")}${plan.rows.length} in the input: ${parts.join(", ")}`);
  if (plan.toReconcile > 0)
    out.push(
      `${label("")}${plan.toReconcile} to check with ListBonusPayments first (sent over 23 h ago, outcome unknown)`,
    );
  if (plan.toCheck > 0) {
    out.push(
      `${label("")}${plan.toCheck} with no journal record of being paid: ListBonusPayments is asked first (${plan.assignmentsToList} assignment(s), one listing each), and a matching payment is not paid again`,
    );
  }
  out.push(`${label("Bonuses")}${formatDollars(plan.toPay.bonusCents)}`);
  out.push(`${label("MTurk fees")}${formatDollars(plan.toPay.feeCents)}  (20%, at least $0.01 per bonus)`);
  out.push(`${label("Grand total")}${formatDollars(plan.toPay.totalCents)}`);
  if (plan.balanceCents !== undefined) {
    out.push(`${label("Balance")}${formatDollars(plan.balanceCents)}  (GetAccountBalance)`);
    const short = shortfallCents(plan);
    if (short > 0) out.push(`${label("Short by")}${formatDollars(short)}: the grand total exceeds the balance`);
    else out.push(`${label("Balance after")}${formatDollars(plan.balanceCents - plan.toPay.totalCents)}`);
  }
  if (plan.skipped.length > 0) out.push(`Skipped ($0) on line(s) ${lineList(plan.skipped)}`);
  return `${out.join("\n")}\n`;
}
