/**
 * Executing a planned payout: workers take one assignment at a time (all
 * its rows together, so one ListBonusPayments listing serves them all and
 * identical rows are decided together), journal an intent before each send
 * and an outcome before counting the row, and retry what may pass.
 */
import type { CallOptions, SendBonusOutput } from "../client.js";
import { AbortError, isMTurkError } from "../errors.js";
import type { Journal, JournalEntry, JournaledError, JournalState, TokenState } from "./journal.js";
import { unknownSince } from "./journal.js";
import { actionFor, LOCAL_CLOCK_MARGIN_MS, totalsOf, type Clocks, type PayoutPlan, type PlannedRow, type RowAction } from "./plan.js";
import type { RateLimiter } from "./rate.js";
import { decide, type ListedPayment, type RowView } from "./reconcile.js";
import type { BonusRow } from "./rows.js";
import { Semaphore, WorkQueue } from "./queue.js";
import { classify, journaledError, type BulkClient, type PayBonusesOptions, type PayoutProgress, type PayoutResult, type RowResult, type RowStatus, type StopReason } from "./pay.js";

/** Tolerance between send times on MTurk's clock (from `Date` headers, 1 s resolution) and GrantTime. */
export const SERVER_CLOCK_MARGIN_MS = 5 * 60 * 1000;
const MAX_RETRY_DELAY_MS = 30_000;
/**
 * Assignments in progress per call slot. A row spends much of its time
 * waiting for the journal's fsync (its intent before the send, its outcome
 * after), not on the wire; more rows in progress than calls in flight keeps
 * the calls busy meanwhile, and lets one fsync cover many rows.
 */
const ROWS_PER_CALL_SLOT = 4;
const RATE_WINDOW_MS = 10_000;

type Planned = PlannedRow & { readonly token: string };

/** One unit of work: an assignment's rows, or one row to send again. */
interface Item {
  readonly kind: "group" | "row";
  readonly rows: readonly Planned[];
  tries: number;
  notBefore: number;
}

/** What a run needs besides the plan. */
export interface RunContext {
  readonly client: BulkClient;
  readonly options: PayBonusesOptions;
  readonly state: JournalState;
  readonly journal?: Journal;
  readonly limiter?: RateLimiter;
  readonly callOptions: CallOptions;
  readonly clocks: () => Clocks;
  readonly concurrency: number;
  readonly maxSends: number;
  readonly retryDelayMs: number;
  readonly payAgain: boolean;
  readonly started: number;
  readonly maxRate: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A payout in progress. One instance per run. */
export class PayoutRun {
  private readonly results = new Map<number, RowResult>();
  private readonly failedNow = new Set<number>();
  /** Rows whose send or check failed in this run (reported failed if the run ends before they are paid). */
  private readonly erroredNow = new Set<number>();
  /** Rows whose outcome could not be journaled. */
  private readonly unjournaled = new Set<number>();
  private readonly tries = new Map<number, number>();
  private readonly paidNow: BonusRow[] = [];
  private paidCentsNow = 0;
  /** Rows to pay that a listing showed already paid (not paid now, but no longer remaining). */
  private listedNow = 0;
  private completions: number[] = [];
  private completionsHead = 0;
  private stoppedBy: StopReason | undefined;
  private stopError: JournaledError | undefined;
  private inFlight = 0;
  private readonly queue = new WorkQueue<Item>();
  private readonly waiters = new Set<() => void>();
  /** Calls in flight at once: `concurrency`. */
  private readonly calls: Semaphore;

  constructor(
    private readonly plan: PayoutPlan,
    private readonly ctx: RunContext,
  ) {
    this.calls = new Semaphore(ctx.concurrency);
  }

  /** Runs to the end (or the stop) and returns the result. */
  async execute(confirmed: boolean): Promise<Omit<PayoutResult, "batchId" | "contentHash" | "namespace" | "journal" | "elapsedMs" | "plan">> {
    const { options } = this.ctx;
    for (const p of this.plan.rows) {
      if (p.action === "skip") this.settle(p, "skipped");
      else if (p.action === "done") this.settle(p, "paid", true);
    }
    if (!confirmed) this.stoppedBy = "declined";
    else this.enqueueGroups();
    const onAbort = (): void => this.stop("aborted");
    const onStop = (): void => this.stop("stopped");
    if (options.signal?.aborted) onAbort();
    if (options.stopSignal?.aborted) onStop();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    options.stopSignal?.addEventListener("abort", onStop, { once: true });
    try {
      await Promise.all(Array.from({ length: this.ctx.concurrency * ROWS_PER_CALL_SLOT }, () => this.worker()));
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      options.stopSignal?.removeEventListener("abort", onStop);
    }
    return this.finish();
  }

  /** One group per assignment that has a row to pay, in file order. */
  private enqueueGroups(): void {
    const groups = new Map<string, Planned[]>();
    const active = new Set<string>();
    for (const p of this.plan.rows) {
      if (p.token === undefined) continue;
      const list = groups.get(p.row.AssignmentId);
      if (list === undefined) groups.set(p.row.AssignmentId, [p as Planned]);
      else list.push(p as Planned);
      if (p.action !== "done") active.add(p.row.AssignmentId);
    }
    for (const [assignment, rows] of groups) if (active.has(assignment)) this.queue.push({ kind: "group", rows, tries: 0, notBefore: 0 });
  }

  private finish(): Omit<PayoutResult, "batchId" | "contentHash" | "namespace" | "journal" | "elapsedMs" | "plan"> {
    for (const p of this.plan.rows) {
      if (this.results.has(p.index)) continue;
      const st = p.token === undefined ? undefined : this.ctx.state.tokens.get(p.token);
      // Failed in this run and left over when it stopped: failed (re-tried on resume); not reached: pending.
      this.settle(p, st?.paid !== undefined ? "paid" : this.erroredNow.has(p.index) ? "failed" : "pending");
    }
    const rows = this.plan.rows.map((p) => this.results.get(p.index) as RowResult);
    const counts = { rows: rows.length, paid: 0, paidNow: this.paidNow.length, skipped: 0, failed: 0, pending: 0 };
    for (const r of rows) counts[r.status]++;
    const paidRows = rows.filter((r) => r.status === "paid");
    const complete = counts.paid + counts.skipped === rows.length;
    return {
      complete,
      ...(this.stoppedBy === undefined || complete ? {} : { stoppedBy: this.stoppedBy }),
      ...(this.stopError === undefined ? {} : { stopError: this.stopError }),
      rows,
      counts,
      paid: totalsOf(paidRows),
      paidNow: totalsOf(this.paidNow),
      ...(this.ctx.journal === undefined ? {} : { fsyncs: this.ctx.journal.fsyncs }),
    };
  }

  private stop(reason: StopReason, error?: JournaledError): void {
    if (this.stoppedBy === undefined) {
      this.stoppedBy = reason;
      if (error !== undefined) this.stopError = error;
    }
    this.notify();
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.min(ms, 60_000)));
      this.waiters.add(done);
    });
  }

  private async worker(): Promise<void> {
    while (this.stoppedBy === undefined) {
      const now = performance.now();
      const item = this.queue.take(now);
      if (item === undefined) {
        if (this.queue.size === 0 && this.inFlight === 0) return;
        const next = this.queue.nextAt();
        await this.idle(next === undefined ? 60_000 : next - now);
        continue;
      }
      this.inFlight++;
      try {
        if (item.kind === "group") await this.group(item);
        else await this.sendRow(item.rows[0] as Planned);
      } catch (error) {
        // Unexpected (a bug, or a journal that cannot be written): nothing more may be sent.
        this.stop("fatal-error", journaledError(error));
      } finally {
        this.inFlight--;
        this.notify();
      }
    }
  }

  private tokenState(p: Planned): TokenState {
    return this.ctx.state.get(p.token);
  }

  private actionOf(p: Planned): Exclude<RowAction, "skip"> {
    return actionFor(this.ctx.state.tokens.get(p.token), this.ctx.clocks(), this.ctx.payAgain);
  }

  /** An assignment's rows: re-sends with a still-valid token first, then one listing for the rest, then their sends. */
  private async group(item: Item): Promise<void> {
    for (const p of item.rows) {
      if (this.stoppedBy !== undefined) return;
      if (!this.results.has(p.index) && !this.isRetrying(p) && this.actionOf(p) === "send") await this.sendRow(p);
    }
    const deciding = item.rows.filter((p) => !this.results.has(p.index) && !this.isRetrying(p) && ["check", "reconcile"].includes(this.actionOf(p)));
    if (deciding.length === 0 || this.stoppedBy !== undefined) return;
    const assignment = (item.rows[0] as Planned).row.AssignmentId;
    let payments: ListedPayment[];
    try {
      payments = await this.list(assignment);
    } catch (error) {
      this.listFailed(item, deciding, error);
      return;
    }
    const views = item.rows.map((p): RowView => this.viewOf(p, deciding));
    const local = item.rows.some((p) => this.ctx.state.tokens.get(p.token)?.localTimes === true);
    const decisions = decide(views, payments, { payAgain: this.ctx.payAgain, marginMs: local ? LOCAL_CLOCK_MARGIN_MS : SERVER_CLOCK_MARGIN_MS });
    const blocked: Planned[] = [];
    for (const [i, p] of item.rows.entries()) {
      if (this.stoppedBy !== undefined) return;
      const decision = decisions[i];
      const matches = payments.length;
      if (decision === "listed" || decision === "reconciled") {
        await this.recordOrStop({ t: "reconcile", token: p.token, found: true, matches, ...(decision === "listed" ? { listed: true } : {}), ...this.times() });
        // A listed payment is not one this run made: reported paid, but not counted as paid now.
        if (decision === "listed") this.listedNow++;
        this.settle(p, "paid", decision === "listed");
      } else if (decision === "send") {
        if (views[i]?.kind === "reconcile") await this.recordOrStop({ t: "reconcile", token: p.token, found: false, matches, ...this.times() });
        if (this.stoppedBy === undefined) await this.sendRow(p);
      } else if (decision === "blocked") blocked.push(p);
    }
    if (blocked.length > 0) this.blockedLater(item, blocked);
  }

  private isRetrying(p: Planned): boolean {
    return (this.tries.get(p.index) ?? 0) > 0;
  }

  private viewOf(p: Planned, deciding: readonly Planned[]): RowView {
    const st = this.ctx.state.tokens.get(p.token);
    const bonus = p.row;
    const firstSend = st?.firstSend;
    const base = firstSend === undefined ? { bonus } : { bonus, firstSend };
    if (st?.paid !== undefined) return { ...base, kind: "paid" };
    if (deciding.includes(p)) return { ...base, kind: this.actionOf(p) === "reconcile" ? "reconcile" : "fresh" };
    if (st !== undefined && unknownSince(st) !== undefined) return { ...base, kind: "unsettled" };
    return { ...base, kind: "other" };
  }

  private async list(assignment: string): Promise<ListedPayment[]> {
    await this.ctx.limiter?.acquire(this.ctx.options.signal);
    return this.calls.with(async () => {
      const payments: ListedPayment[] = [];
      for await (const payment of this.ctx.client.paginateBonusPayments({ AssignmentId: assignment }, this.ctx.callOptions)) payments.push(payment);
      return payments;
    });
  }

  private listFailed(item: Item, deciding: readonly Planned[], error: unknown): void {
    if (this.stoppedBy !== undefined || this.ctx.options.signal?.aborted) return;
    for (const p of deciding) this.erroredNow.add(p.index);
    const verdict = classify(error);
    if (verdict === "fatal" || verdict === "insufficient-funds") {
      this.stop("fatal-error", journaledError(error));
      return;
    }
    if (isMTurkError(error) && error.$retryable?.throttling) this.ctx.limiter?.throttled();
    for (const p of deciding) this.tokenState(p).lastError = journaledError(error);
    item.tries++;
    if (item.tries >= this.ctx.maxSends) {
      for (const p of deciding) this.settle(p, "failed");
      return;
    }
    this.later(item);
  }

  /** An identical row's outcome is still unknown: decide again once it is settled. */
  private blockedLater(item: Item, blocked: readonly Planned[]): void {
    item.tries++;
    if (item.tries < this.ctx.maxSends) {
      this.later({ ...item, rows: item.rows });
      return;
    }
    for (const p of blocked) {
      this.erroredNow.add(p.index);
      this.tokenState(p).lastError = {
        name: "ReconcileBlocked",
        message: "an identical bonus on the same assignment has a send whose outcome is still unknown, so ListBonusPayments cannot tell which of them was paid; run again to settle both",
        outcomeUnknown: true,
      };
      this.settle(p, "failed");
    }
  }

  private later(item: Item): void {
    const base = Math.min(MAX_RETRY_DELAY_MS, this.ctx.retryDelayMs * 2 ** Math.max(0, item.tries - 1));
    item.notBefore = performance.now() + base * (0.5 + Math.random() / 2);
    this.queue.push(item);
  }

  /** Journal times: local, and MTurk's when the client knows it. */
  private times(): { at: string; srv?: string } {
    const { local, server } = this.ctx.clocks();
    return server === undefined ? { at: iso(local) } : { at: iso(local), srv: iso(server) };
  }

  /** Applies an entry and waits until it is on disk. */
  private async record(entry: JournalEntry): Promise<void> {
    this.ctx.state.apply(entry);
    await this.ctx.journal?.append(entry);
  }

  /** {@link record}; a failed write stops the run (nothing more may be sent) and is rethrown. */
  private async recordOrStop(entry: JournalEntry): Promise<void> {
    try {
      await this.record(entry);
    } catch (error) {
      this.journalFailed(error);
      throw error;
    }
  }

  private journalFailed(error: unknown): void {
    this.stop("journal-error", { name: "JournalWriteError", message: `the journal could not be written: ${error instanceof Error ? error.message : String(error)}`, outcomeUnknown: false });
  }

  /** Sends one row (journaling intent and outcome) and settles it or schedules it again. */
  private async sendRow(p: Planned): Promise<void> {
    if (this.stoppedBy !== undefined) return;
    try {
      await this.ctx.limiter?.acquire(this.ctx.options.signal);
    } catch {
      return; // Aborted before sending: the row stays pending.
    }
    if (this.stoppedBy !== undefined) return;
    this.tries.set(p.index, (this.tries.get(p.index) ?? 0) + 1);
    const st = this.tokenState(p);
    const { row } = p;
    const fields = st.sends === 0 ? { line: row.line, WorkerId: row.WorkerId, AssignmentId: row.AssignmentId, BonusAmount: row.BonusAmount, Reason: row.Reason } : {};
    try {
      await this.record({ t: "intent", token: p.token, ...fields, n: st.sends + 1, ...this.times() });
    } catch (error) {
      this.journalFailed(error);
      return; // Not sent: the row stays pending.
    }
    const input = { WorkerId: row.WorkerId, AssignmentId: row.AssignmentId, BonusAmount: row.BonusAmount, Reason: row.Reason, UniqueRequestToken: p.token };
    let output: SendBonusOutput | undefined;
    let failure: unknown;
    await this.calls.acquire();
    try {
      // Stopped while waiting for a call slot: not sent, and the journal says so (were that lost, a resume re-sends the same token).
      if (this.stoppedBy !== undefined) {
        const notSent: JournaledError = { name: "NotSent", message: "the run stopped before this send", outcomeUnknown: false };
        await this.record({ t: "outcome", token: p.token, status: "failed", attempts: 0, error: notSent, ...this.times() }).catch(() => undefined);
        return;
      }
      output = await this.ctx.client.sendBonus(input, this.ctx.callOptions);
    } catch (error) {
      failure = error;
      // Stop before the slot passes on: no row waiting for it may send after insufficient funds or bad credentials.
      const verdict = classify(error);
      if (verdict === "insufficient-funds") this.stop("insufficient-funds", journaledError(error));
      else if (verdict === "fatal" && !(error instanceof AbortError)) this.stop("fatal-error", journaledError(error));
    } finally {
      this.calls.release();
    }
    if (output === undefined) {
      await this.sendFailed(p, failure);
      return;
    }
    this.ctx.limiter?.succeeded();
    const outcome: JournalEntry = {
      t: "outcome",
      token: p.token,
      status: "paid",
      ...(output.alreadyGranted ? { alreadyGranted: true } : {}),
      ...(output.$metadata.requestId === undefined ? {} : { requestId: output.$metadata.requestId }),
      attempts: output.$metadata.attempts,
      ...this.times(),
    };
    this.completions.push(performance.now());
    try {
      await this.record(outcome);
    } catch (error) {
      this.unjournaled.add(p.index);
      this.journalFailed(error);
    }
    this.settle(p, "paid");
  }

  private async sendFailed(p: Planned, error: unknown): Promise<void> {
    const attempts = isMTurkError(error) ? error.$metadata.attempts : 1;
    const journaled = journaledError(error);
    const requestId = isMTurkError(error) ? error.$metadata.requestId : undefined;
    this.completions.push(performance.now());
    this.erroredNow.add(p.index);
    try {
      await this.record({ t: "outcome", token: p.token, status: "failed", attempts, ...(requestId === undefined ? {} : { requestId }), error: journaled, ...this.times() });
    } catch (writeError) {
      this.unjournaled.add(p.index);
      this.journalFailed(writeError);
      this.settle(p, "failed");
      return;
    }
    if (error instanceof AbortError || this.ctx.options.signal?.aborted) return; // Settled on resume with the same token.
    switch (classify(error)) {
      case "insufficient-funds":
        this.settle(p, "failed");
        this.stop("insufficient-funds", journaled);
        return;
      case "fatal":
        this.settle(p, "failed");
        this.stop("fatal-error", journaled);
        return;
      case "retry":
        if (isMTurkError(error) && error.$retryable?.throttling) this.ctx.limiter?.throttled();
        this.retryLater(p);
        return;
      case "final":
        this.settle(p, "failed");
        return;
    }
  }

  private retryLater(p: Planned): void {
    const tries = this.tries.get(p.index) ?? 0;
    if (tries >= this.ctx.maxSends || this.stoppedBy !== undefined) {
      this.settle(p, "failed");
      return;
    }
    this.later({ kind: "row", rows: [p], tries, notBefore: 0 });
  }

  private resultOf(p: PlannedRow, status: RowStatus, earlierRun: boolean): RowResult {
    const { row } = p;
    const st: TokenState | undefined = p.token === undefined ? undefined : this.ctx.state.tokens.get(p.token);
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
      ...(earlierRun ? { earlierRun: true } : {}),
      ...(this.unjournaled.has(p.index) ? { outcomeJournaled: false } : {}),
      ...(requestId === undefined ? {} : { requestId }),
      sends: st?.sends ?? 0,
      httpAttempts: st?.httpAttempts ?? 0,
      ...(status !== "paid" && status !== "skipped" && st?.lastError !== undefined ? { error: st.lastError } : {}),
    };
  }

  private progress(): PayoutProgress {
    const nowMono = performance.now();
    while (this.completionsHead < this.completions.length && (this.completions[this.completionsHead] as number) < nowMono - RATE_WINDOW_MS) this.completionsHead++;
    if (this.completionsHead > 1024 && this.completionsHead * 2 > this.completions.length) {
      this.completions = this.completions.slice(this.completionsHead);
      this.completionsHead = 0;
    }
    const elapsedMs = nowMono - this.ctx.started;
    const window = Math.min(RATE_WINDOW_MS, Math.max(elapsedMs, 1));
    return {
      total: this.plan.toPay.rows,
      paid: this.paidNow.length,
      failed: this.failedNow.size,
      remaining: this.plan.toPay.rows - this.paidNow.length - this.failedNow.size - this.listedNow,
      inFlight: this.inFlight,
      ratePerSecond: ((this.completions.length - this.completionsHead) * 1000) / window,
      rateLimit: this.ctx.limiter?.rate ?? this.ctx.maxRate,
      maxRate: this.ctx.maxRate,
      paidCents: this.paidCentsNow,
      elapsedMs,
    };
  }

  private settle(p: PlannedRow, status: RowStatus, earlierRun = false): void {
    const result = this.resultOf(p, status, earlierRun);
    this.results.set(p.index, result);
    if (status === "paid" && !earlierRun) {
      this.paidNow.push(p.row);
      this.paidCentsNow += p.row.cents;
    }
    if (status === "failed") this.failedNow.add(p.index);
    this.ctx.options.onResult?.(result);
    this.ctx.options.onProgress?.(this.progress());
  }
}
