/**
 * `payBonuses`: pays a batch of bonuses exactly once, resumably.
 *
 * Every row's token is derived from the row itself and a namespace (see
 * `src/identity.ts`), so a re-send can never pay twice while MTurk
 * remembers the token (24 hours), whatever file or journal it comes from.
 * Beyond that window, a row the journal does not show settled is first
 * looked for in ListBonusPayments (one listing per assignment). The journal
 * records an intent before each send and an outcome before the row is
 * counted, so a run killed at any moment resumes by skipping what is paid,
 * re-sending (same token) what may not be, and checking ListBonusPayments
 * first for sends old enough, on MTurk's clock, that the token may have expired.
 *
 * This file is the orchestration only: one {@link Payout} per run, one
 * method per step of the pipeline (see ARCHITECTURE.md, "How a bulk row
 * flows"); each step lives in its own module.
 */
import type { CallOptions } from "../client.js";
import { availableCents, InsufficientBalanceError } from "./balance.js";
import { settingsOf, type Settings } from "./options.js";
import { clocksOf, needsServerClock, planPayout, shortfallCents, type Clocks, type PayoutPlan } from "./plan.js";
import { prepare, type Prepared } from "./prepare.js";
import { limitedCallOptions, RateLimiter } from "./rate.js";
import type { RawRow } from "./rows.js";
import { PayoutRun } from "./run.js";
import type { RunOutcome } from "./tally.js";
import type { PayBonusesOptions, PayoutOptions, PayoutResult } from "./types.js";

// Kept importable from here, where they used to live.
export { InsufficientBalanceError } from "./balance.js";
export { classify, isInsufficientFunds, journaledError } from "./policy.js";
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

/** The plan of prepared rows against their journal, at these clocks (and balance, when asked). */
function planOf(prepared: Prepared, clocks: Clocks, payAgain: boolean, balanceCents?: number): PayoutPlan {
  return planPayout(prepared.rows, {
    batchId: prepared.batchId,
    contentHash: prepared.content,
    tokens: prepared.tokens,
    namespace: prepared.namespace,
    journal: prepared.state,
    now: clocks,
    payAgain,
    ...(balanceCents === undefined ? {} : { balanceCents }),
  });
}

/** One payout run: one method per step, called in order by {@link Payout.done}. */
class Payout {
  private readonly settings: Settings;
  private readonly started = performance.now();
  private readonly clock: () => number;
  private readonly clocks: () => Clocks;
  private readonly limiter: RateLimiter | undefined;
  private readonly callOptions: CallOptions;

  constructor(
    private readonly input: Iterable<RawRow>,
    private readonly options: PayBonusesOptions,
  ) {
    this.settings = settingsOf(options);
    this.clock = options.now ?? Date.now;
    this.clocks = clocksOf(options.client, this.clock);
    this.limiter =
      this.settings.rate === Number.POSITIVE_INFINITY ? undefined : new RateLimiter({ rate: this.settings.rate });
    this.callOptions = limitedCallOptions(this.limiter, options.signal);
  }

  /** Every step in order; the journal is closed (and unlocked) whatever happens. */
  async done(): Promise<PayoutResult> {
    const prepared = this.open();
    try {
      const plan = await this.plan(prepared);
      const outcome = await this.run(prepared, plan, await this.confirm(plan));
      return this.result(prepared, plan, outcome);
    } finally {
      await prepared.journal?.close();
    }
  }

  /** Opening: validate the rows, bind (and lock) the journal, guard a changed input, derive the tokens. */
  private open(): Prepared {
    return prepare(this.input, this.options, this.options.client.endpointOrigin, this.clock(), "open");
  }

  /** The plan, with the balance when there is something to pay; refuses a balance that does not cover it. */
  private async plan(prepared: Prepared): Promise<PayoutPlan> {
    const { client, checkBalance, allowPartial } = this.options;
    const { payAgain } = this.settings;
    const plan = planOf(prepared, this.clocks(), payAgain);
    if (plan.toPay.rows === 0) return plan;
    let balanceCents: number | undefined;
    if (checkBalance !== false) balanceCents = await availableCents(client, this.callOptions);
    else if (needsServerClock(prepared.state) && client.serverTime?.() === undefined)
      await availableCents(client, this.callOptions); // only to learn MTurk's clock
    // Planned again: the balance call taught the client MTurk's clock.
    const checked = planOf(prepared, this.clocks(), payAgain, balanceCents);
    if (shortfallCents(checked) > 0 && !allowPartial) throw new InsufficientBalanceError(checked);
    return checked;
  }

  /** The caller's go-ahead (none is asked when nothing is left to pay). */
  private async confirm(plan: PayoutPlan): Promise<boolean> {
    return this.options.confirm === undefined || plan.toPay.rows === 0 ? true : await this.options.confirm(plan);
  }

  /** The workers, then the tally (`run.ts`, `tally.ts`). */
  private run(prepared: Prepared, plan: PayoutPlan, confirmed: boolean): Promise<RunOutcome> {
    const { concurrency, maxSends, retryDelayMs, payAgain, rate } = this.settings;
    const run = new PayoutRun(plan, {
      client: this.options.client,
      options: this.options,
      state: prepared.state,
      ...(prepared.journal === undefined ? {} : { journal: prepared.journal }),
      ...(this.limiter === undefined ? {} : { limiter: this.limiter }),
      callOptions: this.callOptions,
      clocks: this.clocks,
      concurrency,
      maxSends,
      retryDelayMs,
      payAgain,
      started: this.started,
      maxRate: rate,
    });
    return run.execute(confirmed);
  }

  /** The result: what was opened, planned and tallied. */
  private result(prepared: Prepared, plan: PayoutPlan, outcome: RunOutcome): PayoutResult {
    return {
      batchId: prepared.batchId,
      contentHash: prepared.content,
      namespace: prepared.namespace,
      ...(prepared.journal === undefined ? {} : { journal: prepared.journal.path }),
      plan,
      ...outcome,
      elapsedMs: performance.now() - this.started,
    };
  }
}

/**
 * What {@link payBonuses} would do, changing nothing: rows, tokens, totals
 * with fees, and the balance. Reads the journal if there is one (refusing
 * one that belongs to other rows, another batch, namespace or target).
 */
export async function previewPayout(rows: Iterable<RawRow>, options: PayoutOptions): Promise<PayoutPlan> {
  const clock = options.now ?? Date.now;
  const prepared = prepare(rows, options, options.client.endpointOrigin, clock(), "read");
  const balanceCents = await availableCents(
    options.client,
    options.signal === undefined ? {} : { signal: options.signal },
  );
  return planOf(prepared, clocksOf(options.client, clock)(), options.payAgainAfter24h ?? false, balanceCents);
}

/**
 * Pays every row exactly once: validates all rows (refusing the batch if any
 * is bad), checks the balance, then sends with bounded concurrency and a
 * rate limit, journaling each send. Resolves with one result per row; rows
 * that failed or were not reached are paid by running it again with the
 * same rows and journal.
 *
 * Throws before paying anything for invalid rows (`InvalidRowsError`), a
 * journal that belongs to something else or is in use (`JournalError`), a
 * balance that does not cover the batch (`InsufficientBalanceError`) or that
 * could not be read (`BalanceCheckError`), and options out of range (`ValidationError`).
 */
export async function payBonuses(input: Iterable<RawRow>, options: PayBonusesOptions): Promise<PayoutResult> {
  return new Payout(input, options).done();
}
