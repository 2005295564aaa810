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
 */
import type { BonusPayment, CallOptions, GetAccountBalanceOutput, SendBonusOutput } from "../client.js";
import { isMTurkError, TransportError, UnexpectedResponseError } from "../errors.js";
import type { ListBonusPaymentsInput, SendBonusInput } from "../validate.js";
import { availableCents } from "./balance.js";
import { unknownSince, type JournaledError } from "./journal.js";
import { formatDollars, planPayout, shortfallCents, type Clocks, type PayoutPlan, type Totals } from "./plan.js";
import { prepare, type Prepared } from "./prepare.js";
import { RateLimiter } from "./rate.js";
import type { BonusRow, RawRow } from "./rows.js";
import { PayoutRun } from "./run.js";

/** The client calls a payout needs; an `MTurkClient` has them. */
export interface BulkClient {
  sendBonus(input: SendBonusInput, options?: CallOptions): Promise<SendBonusOutput>;
  getAccountBalance(options?: CallOptions): Promise<GetAccountBalanceOutput>;
  paginateBonusPayments(input: ListBonusPaymentsInput, options?: CallOptions): AsyncIterable<BonusPayment>;
  /**
   * MTurk's clock, from the `Date` of its answers (an `MTurkClient` has it).
   * Without it, journal times are local and compared with a one-hour margin.
   */
  serverTime?(): Date | undefined;
  /** The endpoint's origin, which names the default token namespace (an `MTurkClient` has it). */
  readonly endpointOrigin?: string;
}

/** Options shared by {@link previewPayout} and {@link payBonuses}. */
export interface PayoutOptions {
  /** The client to pay with (an `MTurkClient`). */
  client: BulkClient;
  /**
   * Names the batch in the journal and report (tokens do not depend on it).
   * A journal keeps the id it was started with, so resuming needs no id.
   * @default derived from the rows' content
   */
  batchId?: string;
  /**
   * The token namespace: a row's token is derived from the row alone and
   * this, so the same bonus gets the same token from any file or journal.
   * Use one namespace per MTurk account and target; change it only to pay
   * identical bonuses again on purpose. A journal keeps its namespace.
   * @default `defaultNamespace(endpoint origin)` (one per target), or of `target` for a client that does not say its endpoint
   */
  namespace?: string;
  /**
   * Pay rows that have no journal record of being settled without first
   * looking for a matching payment in ListBonusPayments, so a bonus MTurk
   * already lists (paid over 24 hours ago, from another journal, file or
   * tool) is paid AGAIN. Sends whose outcome is unknown are still reconciled.
   * @default false
   */
  payAgainAfter24h?: boolean;
  /**
   * Path of the journal (JSON Lines) that makes the payout resumable. Without
   * one, a crash loses track of the run (re-running is still safe for 24 hours, by the tokens).
   */
  journal?: string;
  /**
   * Where the money goes, recorded in the journal: a journal written for one
   * target (e.g. `sandbox`) is refused for another (e.g. `production`).
   * @default "default"
   */
  target?: string;
  /** The input's name, recorded in a new journal's header for people. */
  inputName?: string;
  /** Accept more than one row for the same (WorkerId, AssignmentId). @default false */
  allowDuplicates?: boolean;
  /**
   * Resume a journal although the rows changed since it was started. Rows
   * already paid stay paid (matched by token); new or changed rows are paid.
   * @default false
   */
  acceptChangedInput?: boolean;
  /**
   * The local clock (epoch ms), for the journal's `at` times. The 24-hour
   * window and reconciliation use MTurk's clock (the client's `serverTime()`),
   * and this only where MTurk's time is not known.
   * @default Date.now
   */
  now?: () => number;
  /** Aborts everything at once, calls in flight included (their rows are settled on resume). */
  signal?: AbortSignal;
}

/** Options of {@link payBonuses}. */
export interface PayBonusesOptions extends PayoutOptions {
  /** Calls (SendBonus, ListBonusPayments) in flight at once. @default 4 */
  concurrency?: number;
  /**
   * Requests per second at most; halved when MTurk throttles, then regained
   * slowly. `Infinity` turns the client-side limit off (for those who know their quota).
   * @default 5
   */
  rate?: number;
  /** Pay rows in order until the money runs out, instead of refusing a batch the balance does not cover. @default false */
  allowPartial?: boolean;
  /** Ask GetAccountBalance first and refuse a batch it does not cover. @default true */
  checkBalance?: boolean;
  /** Sends per row in this run before it is reported failed (each send makes up to the client's `maxAttempts` HTTP attempts). @default 6 */
  maxSendsPerRow?: number;
  /** Base wait before a row is sent again after a retryable failure, doubled each time (with jitter, capped at 30 s). @default 1000 */
  retryDelayMs?: number;
  /** When it fires, no further row is started; calls in flight finish and are journaled. */
  stopSignal?: AbortSignal;
  /** Called with the plan (balance included) before anything is paid; resolve `false` to pay nothing. */
  confirm?: (plan: PayoutPlan) => boolean | Promise<boolean>;
  /** Called once per row when its result is final for this run (skipped and journal-paid rows first). */
  onResult?: (result: RowResult) => void;
  /** Called after every row event with the counts so far. */
  onProgress?: (progress: PayoutProgress) => void;
}

/** Where a row ended up. `pending`: not attempted in this run (the run stopped first). */
export type RowStatus = "paid" | "skipped" | "failed" | "pending";

/** One row's result. */
export interface RowResult extends Omit<BonusRow, "UniqueRequestToken"> {
  /** The token it was sent with (absent for skipped rows). */
  readonly token?: string;
  readonly status: RowStatus;
  /**
   * How a paid row is known to be paid: `sent` (MTurk accepted it),
   * `duplicate-token` (MTurk said the token was already processed: an earlier
   * send paid it), `reconciled` (its earlier send found in ListBonusPayments)
   * or `listed` (ListBonusPayments lists a matching payment that this journal
   * did not send, e.g. paid over 24 hours ago from another file: not paid again).
   */
  readonly via?: "sent" | "duplicate-token" | "reconciled" | "listed";
  /** Paid before this run (the journal or ListBonusPayments said so; nothing was sent now). */
  readonly earlierRun?: boolean;
  /** `false`: MTurk answered "paid" but the journal could not record it (a full disk): paid, outcome not journaled. */
  readonly outcomeJournaled?: false;
  readonly requestId?: string;
  /** Sends of this row across all runs. */
  readonly sends: number;
  /** HTTP attempts across all runs. */
  readonly httpAttempts: number;
  /** The last error, for failed (and pending) rows. */
  readonly error?: JournaledError;
}

/** Why a run ended before every row was settled. */
export type StopReason = "insufficient-funds" | "fatal-error" | "journal-error" | "stopped" | "aborted" | "declined";

/** Counts and money while a payout runs. */
export interface PayoutProgress {
  /** Rows to pay when the run started. */
  readonly total: number;
  readonly paid: number;
  /** Rows that failed for good in this run. */
  readonly failed: number;
  readonly remaining: number;
  readonly inFlight: number;
  /** Sends completed per second over the last 10 s. */
  readonly ratePerSecond: number;
  /** The rate limit now (lower than `maxRate` after throttling). */
  readonly rateLimit: number;
  /** The configured rate limit. */
  readonly maxRate: number;
  /** Bonuses paid in this run, cents, fees excluded. */
  readonly paidCents: number;
  readonly elapsedMs: number;
}

/** What {@link payBonuses} resolves to. */
export interface PayoutResult {
  readonly batchId: string;
  readonly contentHash: string;
  /** The namespace the tokens were derived in. */
  readonly namespace?: string;
  /** fsyncs of the journal in this run (group commit: fewer than two per row when rows are in flight together). */
  readonly fsyncs?: number;
  readonly journal?: string;
  /** Every row paid or skipped. */
  readonly complete: boolean;
  readonly stoppedBy?: StopReason;
  /** The error that stopped the run (insufficient funds, bad credentials, …). */
  readonly stopError?: JournaledError;
  readonly plan: PayoutPlan;
  /** One result per input row, in input order. */
  readonly rows: readonly RowResult[];
  readonly counts: { readonly rows: number; readonly paid: number; readonly paidNow: number; readonly skipped: number; readonly failed: number; readonly pending: number };
  /** Every paid row of the batch, earlier runs included. */
  readonly paid: Totals;
  /** Rows paid in this run (a `duplicate-token` row's money may have moved in an earlier, crashed run). */
  readonly paidNow: Totals;
  readonly elapsedMs: number;
}

/** The balance does not cover the batch; nothing was paid. */
export class InsufficientBalanceError extends Error {
  override readonly name = "InsufficientBalanceError";
  readonly shortfallCents: number;
  constructor(readonly plan: PayoutPlan) {
    const short = shortfallCents(plan);
    super(
      `The grand total ${formatDollars(plan.toPay.totalCents)} (bonuses ${formatDollars(plan.toPay.bonusCents)} + fees ${formatDollars(plan.toPay.feeCents)}) ` +
        `exceeds the available balance ${formatDollars(plan.balanceCents ?? 0)} by ${formatDollars(short)}; nothing was paid. ` +
        `Add funds, or allow a partial payout to pay rows in order until the money runs out.`,
    );
    this.shortfallCents = short;
  }
}

const FATAL_NAMES = new Set([
  "ValidationError",
  "ClientDestroyedError",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "InvalidClientTokenId",
  "AccessDeniedException",
  "ExpiredTokenException",
  "UnknownOperationException",
]);

function positive(name: string, value: number | undefined, fallback: number, integer: boolean, infinite = false): number {
  if (value === undefined) return fallback;
  if (infinite && value === Number.POSITIVE_INFINITY) return value;
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be a positive ${integer ? "whole " : ""}number, got ${String(value)}`);
  }
  return value;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The journal form of an error. */
export function journaledError(error: unknown): JournaledError {
  if (isMTurkError(error)) {
    return {
      name: error.name,
      message: error.message,
      ...(error.TurkErrorCode === undefined ? {} : { TurkErrorCode: error.TurkErrorCode }),
      outcomeUnknown: error.outcomeUnknown,
    };
  }
  // Not from the client: we cannot know what reached MTurk.
  return { name: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message : String(error), outcomeUnknown: true };
}

/** True for MTurk's "insufficient funds" refusal. */
export function isInsufficientFunds(error: unknown): boolean {
  return isMTurkError(error) && (error.TurkErrorCode === "AWS.MechanicalTurk.InsufficientFunds" || /insufficient funds/i.test(error.message));
}

type Verdict = "insufficient-funds" | "fatal" | "retry" | "final";

/** What a failed call means for the run: stop, retry the row later, or fail the row. */
export function classify(error: unknown): Verdict {
  if (isInsufficientFunds(error)) return "insufficient-funds";
  if (!isMTurkError(error)) return "fatal";
  const status = error.$metadata.httpStatusCode;
  if (FATAL_NAMES.has(error.name) || status === 401 || status === 403) return "fatal";
  if (error.$retryable !== undefined || error.outcomeUnknown || error instanceof TransportError || error instanceof UnexpectedResponseError) return "retry";
  return "final";
}


/** The clocks now: local, and MTurk's when the client has seen a `Date`. */
function clocksOf(client: BulkClient, clock: () => number): () => Clocks {
  return () => {
    const server = client.serverTime?.()?.getTime();
    return server === undefined || Number.isNaN(server) ? { local: clock() } : { server, local: clock() };
  };
}

/** True when some journaled send must be compared with MTurk's clock (the 24-hour window). */
function needsServerClock(prepared: Prepared): boolean {
  for (const st of prepared.state.tokens.values()) if (st.paid === undefined && st.localTimes !== true && unknownSince(st) !== undefined) return true;
  return false;
}

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

/**
 * What {@link payBonuses} would do, changing nothing: rows, tokens, totals
 * with fees, and the balance. Reads the journal if there is one (refusing
 * one that belongs to other rows, another batch, namespace or target).
 */
export async function previewPayout(rows: Iterable<RawRow>, options: PayoutOptions): Promise<PayoutPlan> {
  const clock = options.now ?? Date.now;
  const prepared = prepare(rows, options, options.client.endpointOrigin, clock(), "read");
  const balanceCents = await availableCents(options.client, options.signal === undefined ? {} : { signal: options.signal });
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
 * could not be read (`BalanceCheckError`).
 */
export async function payBonuses(input: Iterable<RawRow>, options: PayBonusesOptions): Promise<PayoutResult> {
  const clock = options.now ?? Date.now;
  const concurrency = positive("concurrency", options.concurrency, 4, true);
  const rateLimit = positive("rate", options.rate, 5, false, true);
  const maxSends = positive("maxSendsPerRow", options.maxSendsPerRow, 6, true);
  const retryDelayMs = options.retryDelayMs ?? 1000;
  if (!(retryDelayMs >= 0)) throw new RangeError(`retryDelayMs must be 0 or more, got ${retryDelayMs}`);
  const started = performance.now();
  const { client, signal } = options;
  const limiter = rateLimit === Number.POSITIVE_INFINITY ? undefined : new RateLimiter({ rate: rateLimit });
  // The first attempt of each call takes its slot before its intent is journaled (see `run.ts`);
  // the client's own retries take theirs here, and a throttled attempt slows the limiter at once.
  const beforeAttempt: CallOptions["beforeAttempt"] = async (attempt, retryOf) => {
    if (attempt === 1 || limiter === undefined) return;
    if (retryOf?.$retryable?.throttling) limiter.throttled();
    await limiter.acquire(signal);
  };
  const callOptions: CallOptions = signal === undefined ? { beforeAttempt } : { signal, beforeAttempt };
  const payAgain = options.payAgainAfter24h ?? false;
  const clocks = clocksOf(client, clock);

  const prepared = prepare(input, options, client.endpointOrigin, clock(), "open");
  const { journal } = prepared;
  try {
    let plan = planOf(prepared, clocks(), payAgain);
    if (plan.toPay.rows > 0) {
      let balanceCents: number | undefined;
      if (options.checkBalance !== false) balanceCents = await availableCents(client, callOptions);
      else if (needsServerClock(prepared) && client.serverTime?.() === undefined) await availableCents(client, callOptions); // only to learn MTurk's clock
      plan = planOf(prepared, clocks(), payAgain, balanceCents);
      if (shortfallCents(plan) > 0 && !options.allowPartial) throw new InsufficientBalanceError(plan);
    }
    const confirmed = options.confirm === undefined || plan.toPay.rows === 0 ? true : await options.confirm(plan);
    const run = new PayoutRun(plan, {
      client,
      options,
      state: prepared.state,
      ...(journal === undefined ? {} : { journal }),
      ...(limiter === undefined ? {} : { limiter }),
      callOptions,
      clocks,
      concurrency,
      maxSends,
      retryDelayMs,
      payAgain,
      started,
      maxRate: rateLimit,
    });
    const outcome = await run.execute(confirmed);
    return {
      batchId: prepared.batchId,
      contentHash: prepared.content,
      namespace: prepared.namespace,
      ...(journal === undefined ? {} : { journal: journal.path }),
      plan,
      ...outcome,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await journal?.close();
  }
}
