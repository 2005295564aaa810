/**
 * The tally (the step after the workers): each row's result as it settles,
 * the live counts for progress, and the counts and totals of the result.
 * `resultOf` and `countsOf` are pure; {@link Tally} keeps what a run learns.
 */
import type { JournaledError, JournalState, TokenState } from "./journal-state.js";
import { totalsOf, type PayoutPlan, type PlannedRow } from "./plan.js";
import type { BonusRow } from "./rows.js";
import type { PayBonusesOptions, PayoutProgress, PayoutResult, RowResult, RowStatus, StopReason } from "./types.js";

/** The window `ratePerSecond` is measured over. */
const RATE_WINDOW_MS = 10_000;

/** One row's result, from its plan, its status and what the journal knows of its token. */
export function resultOf(
  p: PlannedRow,
  status: RowStatus,
  st: TokenState | undefined,
  flags: { earlierRun?: boolean; unjournaled?: boolean } = {},
): RowResult {
  const { row } = p;
  const paid = status === "paid" ? st?.paid : undefined;
  // A paid row's request id is the one that paid (none when found by ListBonusPayments); a failed row's is its last answer's.
  const requestId = status === "paid" ? paid?.requestId : st?.lastRequestId;
  return {
    line: row.line,
    WorkerId: row.WorkerId,
    AssignmentId: row.AssignmentId,
    BonusAmount: row.BonusAmount,
    cents: row.cents,
    Reason: row.Reason,
    ...(p.token === undefined ? {} : { token: p.token }),
    status,
    ...(paid === undefined ? {} : { via: paid.via }),
    ...(flags.earlierRun === true ? { earlierRun: true } : {}),
    ...(flags.unjournaled === true ? { outcomeJournaled: false } : {}),
    ...(requestId === undefined ? {} : { requestId }),
    sends: st?.sends ?? 0,
    httpAttempts: st?.httpAttempts ?? 0,
    ...(status !== "paid" && status !== "skipped" && st?.lastError !== undefined ? { error: st.lastError } : {}),
  };
}

/** Rows by status. */
export function countsOf(rows: readonly RowResult[], paidNow: number): PayoutResult["counts"] {
  const counts = { rows: rows.length, paid: 0, paidNow, skipped: 0, failed: 0, pending: 0 };
  for (const r of rows) counts[r.status]++;
  return counts;
}

/** Send completions over the last {@link RATE_WINDOW_MS}, for the rate shown in progress. */
class RateWindow {
  private times: number[] = [];
  private head = 0;

  add(now: number): void {
    this.times.push(now);
  }

  perSecond(now: number, elapsedMs: number): number {
    while (this.head < this.times.length && (this.times[this.head] as number) < now - RATE_WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    const window = Math.min(RATE_WINDOW_MS, Math.max(elapsedMs, 1));
    return ((this.times.length - this.head) * 1000) / window;
  }
}

/** What progress needs from the run right now. */
export interface Live {
  readonly inFlight: number;
  readonly rateLimit: number;
}

/** The part of the result the run decides (the rest comes from opening the payout). */
export type RunOutcome = Omit<PayoutResult, "batchId" | "contentHash" | "namespace" | "journal" | "elapsedMs" | "plan">;

/** Every row's result as it settles, and the counts so far. */
export class Tally {
  private readonly results = new Map<number, RowResult>();
  private readonly failedNow = new Set<number>();
  /** Rows whose send or check failed in this run (reported failed if the run ends before they are paid). */
  private readonly erroredNow = new Set<number>();
  /** Rows whose outcome could not be journaled. */
  private readonly unjournaled = new Set<number>();
  private readonly paidNow: BonusRow[] = [];
  private paidCentsNow = 0;
  /** Rows to pay that a listing showed already paid (not paid now, but no longer remaining). */
  private listedNow = 0;
  private readonly completions = new RateWindow();

  constructor(
    private readonly plan: PayoutPlan,
    private readonly state: JournalState,
    private readonly options: Pick<PayBonusesOptions, "onResult" | "onProgress">,
    private readonly started: number,
    private readonly maxRate: number,
    private readonly live: () => Live,
  ) {}

  /** True once the row has its result for this run. */
  settled(index: number): boolean {
    return this.results.has(index);
  }

  /** A send or a listing of the row failed in this run. */
  errored(index: number): void {
    this.erroredNow.add(index);
  }

  /** The row's outcome could not be journaled (it is reported so). */
  notJournaled(index: number): void {
    this.unjournaled.add(index);
  }

  /** A send completed (for the rate shown). */
  completed(): void {
    this.completions.add(performance.now());
  }

  /** A row to pay turned out to be paid already (a listed payment). */
  listed(): void {
    this.listedNow++;
  }

  /** The row's result for this run is final: recorded, and reported to `onResult` and `onProgress`. */
  settle(p: PlannedRow, status: RowStatus, earlierRun = false): void {
    const st = p.token === undefined ? undefined : this.state.tokens.get(p.token);
    const result = resultOf(p, status, st, { earlierRun, unjournaled: this.unjournaled.has(p.index) });
    this.results.set(p.index, result);
    if (status === "paid" && !earlierRun) {
      this.paidNow.push(p.row);
      this.paidCentsNow += p.row.cents;
    }
    if (status === "failed") this.failedNow.add(p.index);
    this.options.onResult?.(result);
    this.options.onProgress?.(this.progress());
  }

  /** Counts and money so far. */
  progress(): PayoutProgress {
    const now = performance.now();
    const elapsedMs = now - this.started;
    const { inFlight, rateLimit } = this.live();
    return {
      total: this.plan.toPay.rows,
      paid: this.paidNow.length,
      failed: this.failedNow.size,
      remaining: this.plan.toPay.rows - this.paidNow.length - this.failedNow.size - this.listedNow,
      inFlight,
      ratePerSecond: this.completions.perSecond(now, elapsedMs),
      rateLimit,
      maxRate: this.maxRate,
      paidCents: this.paidCentsNow,
      elapsedMs,
    };
  }

  /** Settles the rows left when the run ended, and adds everything up. */
  finish(stop: { stoppedBy?: StopReason; stopError?: JournaledError; fsyncs?: number }): RunOutcome {
    for (const p of this.plan.rows) {
      if (this.results.has(p.index)) continue;
      const st = p.token === undefined ? undefined : this.state.tokens.get(p.token);
      // Failed in this run and left over when it stopped: failed (re-tried on resume); not reached: pending.
      this.settle(p, st?.paid !== undefined ? "paid" : this.erroredNow.has(p.index) ? "failed" : "pending");
    }
    const rows = this.plan.rows.map((p) => this.results.get(p.index) as RowResult);
    const counts = countsOf(rows, this.paidNow.length);
    const complete = counts.paid + counts.skipped === rows.length;
    return {
      complete,
      ...(stop.stoppedBy === undefined || complete ? {} : { stoppedBy: stop.stoppedBy }),
      ...(stop.stopError === undefined ? {} : { stopError: stop.stopError }),
      rows,
      counts,
      paid: totalsOf(rows.filter((r) => r.status === "paid")),
      paidNow: totalsOf(this.paidNow),
      ...(stop.fsyncs === undefined ? {} : { fsyncs: stop.fsyncs }),
    };
  }
}
