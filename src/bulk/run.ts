/**
 * The workers (the step after the plan): each takes one assignment at a
 * time from the queue (all its rows together, so one ListBonusPayments
 * listing serves them all and identical rows are decided together), then
 * per row: reconcile if needed → rate limit → journal the intent →
 * `sendBonus` → journal the outcome → the policy (`policy.ts`) says settle,
 * retry later, or stop the run. Results go to the tally (`tally.ts`).
 */
import type { CallOptions, SendBonusOutput } from "../client.js";
import { AbortError } from "../errors.js";
import type { Journal } from "./journal.js";
import {
  failedEntry,
  intentEntry,
  notSentEntry,
  paidEntry,
  unknownSince,
  type JournalEntry,
  type JournaledError,
  type JournalState,
  type TokenState,
} from "./journal-state.js";
import {
  actionFor,
  LOCAL_CLOCK_MARGIN_MS,
  type Clocks,
  type PayoutPlan,
  type PlannedRow,
  type RowAction,
} from "./plan.js";
import { classify, isThrottling, journaledError } from "./policy.js";
import type { RateLimiter } from "./rate.js";
import { decide, type ListedPayment, type RowView } from "./reconcile.js";
import { Semaphore, WorkQueue } from "./queue.js";
import { Tally, type RunOutcome } from "./tally.js";
import type { BulkClient, PayBonusesOptions, StopReason } from "./types.js";

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
  private readonly tally: Tally;
  private readonly tries = new Map<number, number>();
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
    this.tally = new Tally(plan, ctx.state, ctx.options, ctx.started, ctx.maxRate, () => ({
      inFlight: this.inFlight,
      rateLimit: ctx.limiter?.rate ?? ctx.maxRate,
    }));
  }

  /** Runs to the end (or the stop) and returns the result. */
  async execute(confirmed: boolean): Promise<RunOutcome> {
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
    for (const [assignment, rows] of groups)
      if (active.has(assignment)) this.queue.push({ kind: "group", rows, tries: 0, notBefore: 0 });
  }

  private finish(): RunOutcome {
    const fsyncs = this.ctx.journal?.fsyncs;
    return this.tally.finish({
      ...(this.stoppedBy === undefined ? {} : { stoppedBy: this.stoppedBy }),
      ...(this.stopError === undefined ? {} : { stopError: this.stopError }),
      ...(fsyncs === undefined ? {} : { fsyncs }),
    });
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

  /** An assignment's rows: re-sends with a still-valid token first, then one listing for the rest (reconcile), then their sends. */
  private async group(item: Item): Promise<void> {
    for (const p of item.rows) {
      if (this.stoppedBy !== undefined) return;
      if (!this.tally.settled(p.index) && !this.isRetrying(p) && this.actionOf(p) === "send") await this.sendRow(p);
    }
    const deciding = item.rows.filter(
      (p) => !this.tally.settled(p.index) && !this.isRetrying(p) && ["check", "reconcile"].includes(this.actionOf(p)),
    );
    if (deciding.length === 0 || this.stoppedBy !== undefined) return;
    const assignment = (item.rows[0] as Planned).row.AssignmentId;
    let payments: ListedPayment[];
    try {
      payments = await this.list(assignment);
    } catch (error) {
      this.listFailed(item, deciding, error);
      return;
    }
    await this.reconcile(item, deciding, payments);
  }

  /** The reconcile step: `reconcile.ts` decides each row from the listing; listed or reconciled rows are settled paid, the others sent. */
  private async reconcile(item: Item, deciding: readonly Planned[], payments: readonly ListedPayment[]): Promise<void> {
    const views = item.rows.map((p): RowView => this.viewOf(p, deciding));
    const local = item.rows.some((p) => this.ctx.state.tokens.get(p.token)?.localTimes === true);
    const decisions = decide(views, payments, {
      payAgain: this.ctx.payAgain,
      marginMs: local ? LOCAL_CLOCK_MARGIN_MS : SERVER_CLOCK_MARGIN_MS,
    });
    const blocked: Planned[] = [];
    for (const [i, p] of item.rows.entries()) {
      if (this.stoppedBy !== undefined) return;
      const decision = decisions[i];
      const matches = payments.length;
      if (decision === "listed" || decision === "reconciled") {
        await this.recordOrStop({
          t: "reconcile",
          token: p.token,
          found: true,
          matches,
          ...(decision === "listed" ? { listed: true } : {}),
          ...this.times(),
        });
        // A listed payment is not one this run made: reported paid, but not counted as paid now.
        if (decision === "listed") this.tally.listed();
        this.settle(p, "paid", decision === "listed");
      } else if (decision === "send") {
        if (views[i]?.kind === "reconcile")
          await this.recordOrStop({ t: "reconcile", token: p.token, found: false, matches, ...this.times() });
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
      for await (const payment of this.ctx.client.paginateBonusPayments(
        { AssignmentId: assignment },
        this.ctx.callOptions,
      ))
        payments.push(payment);
      return payments;
    });
  }

  private listFailed(item: Item, deciding: readonly Planned[], error: unknown): void {
    if (this.stoppedBy !== undefined || this.ctx.options.signal?.aborted) return;
    for (const p of deciding) this.tally.errored(p.index);
    const verdict = classify(error);
    if (verdict === "fatal" || verdict === "insufficient-funds") {
      this.stop("fatal-error", journaledError(error));
      return;
    }
    if (isThrottling(error)) this.ctx.limiter?.throttled();
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
      this.tally.errored(p.index);
      this.tokenState(p).lastError = {
        name: "ReconcileBlocked",
        message:
          "an identical bonus on the same assignment has a send whose outcome is still unknown, so ListBonusPayments cannot tell which of them was paid; run again to settle both",
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
    this.stop("journal-error", {
      name: "JournalWriteError",
      message: `the journal could not be written: ${error instanceof Error ? error.message : String(error)}`,
      outcomeUnknown: false,
    });
  }

  /** One row through the pipeline: rate limit → journal intent → `sendBonus` → journal outcome → policy. */
  private async sendRow(p: Planned): Promise<void> {
    if (!(await this.rateLimit())) return;
    this.tries.set(p.index, (this.tries.get(p.index) ?? 0) + 1);
    if (!(await this.journalIntent(p))) return;
    const sent = await this.send(p);
    if (sent === undefined) return;
    if ("output" in sent) await this.sendPaid(p, sent.output);
    else await this.sendFailed(p, sent.error);
  }

  /** Waits for the row's slot in the rate limit; false when the run stopped (or was aborted) meanwhile: the row stays pending. */
  private async rateLimit(): Promise<boolean> {
    if (this.stoppedBy !== undefined) return false;
    try {
      await this.ctx.limiter?.acquire(this.ctx.options.signal);
    } catch {
      return false; // Aborted before sending.
    }
    return this.stoppedBy === undefined;
  }

  /** Journals (and syncs) the intent before the send; false when it could not be written: not sent, the row stays pending. */
  private async journalIntent(p: Planned): Promise<boolean> {
    try {
      await this.record(intentEntry(p.token, p.row, this.tokenState(p).sends, this.times()));
      return true;
    } catch (error) {
      this.journalFailed(error);
      return false;
    }
  }

  /**
   * `sendBonus` in a call slot. A verdict that stops the run stops it before
   * the slot passes on, so no row waiting for it sends after insufficient
   * funds or bad credentials. `undefined`: the run stopped while this row
   * waited for its slot, so it was not sent (and the journal says so).
   */
  private async send(p: Planned): Promise<{ output: SendBonusOutput } | { error: unknown } | undefined> {
    const { row } = p;
    const input = {
      WorkerId: row.WorkerId,
      AssignmentId: row.AssignmentId,
      BonusAmount: row.BonusAmount,
      Reason: row.Reason,
      UniqueRequestToken: p.token,
    };
    await this.calls.acquire();
    try {
      if (this.stoppedBy !== undefined) {
        // Were this line lost, a resume re-sends the same token: still safe.
        await this.record(notSentEntry(p.token, this.times())).catch(() => undefined);
        return undefined;
      }
      return { output: await this.ctx.client.sendBonus(input, this.ctx.callOptions) };
    } catch (error) {
      const verdict = classify(error);
      if (verdict === "insufficient-funds") this.stop("insufficient-funds", journaledError(error));
      else if (verdict === "fatal" && !(error instanceof AbortError)) this.stop("fatal-error", journaledError(error));
      return { error };
    } finally {
      this.calls.release();
    }
  }

  /** MTurk paid: journal the outcome, then count the row (paid even if the journal could not say so: reported as such). */
  private async sendPaid(p: Planned, output: SendBonusOutput): Promise<void> {
    this.ctx.limiter?.succeeded();
    this.tally.completed();
    try {
      await this.record(paidEntry(p.token, output, this.times()));
    } catch (error) {
      this.tally.notJournaled(p.index);
      this.journalFailed(error);
    }
    this.settle(p, "paid");
  }

  /** The send failed: journal the outcome, then the policy says fail the row, retry it later, or stop the run. */
  private async sendFailed(p: Planned, error: unknown): Promise<void> {
    const journaled = journaledError(error);
    this.tally.completed();
    this.tally.errored(p.index);
    try {
      await this.record(failedEntry(p.token, error, journaled, this.times()));
    } catch (writeError) {
      this.tally.notJournaled(p.index);
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
        if (isThrottling(error)) this.ctx.limiter?.throttled();
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

  private settle(p: PlannedRow, status: "paid" | "skipped" | "failed" | "pending", earlierRun = false): void {
    this.tally.settle(p, status, earlierRun);
  }
}
