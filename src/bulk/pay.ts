/**
 * `payBonuses`: pays a batch of bonuses exactly once, resumably.
 *
 * Every row has a token derived from the batch id and its content, so a
 * re-send can never pay twice while MTurk remembers the token (24 hours).
 * The journal records an intent before each send and an outcome after, so a
 * run killed at any moment resumes by skipping what is paid, re-sending
 * (same token) what may not be, and checking ListBonusPayments first for
 * sends old enough that the token may have expired.
 */
import type { BonusPayment, CallOptions, GetAccountBalanceOutput, SendBonusOutput } from "../client.js";
import { AbortError, isMTurkError, TransportError, UnexpectedResponseError } from "../errors.js";
import { toCents } from "../money.js";
import type { ListBonusPaymentsInput, SendBonusInput } from "../validate.js";
import {
  Journal,
  JournalError,
  JournalState,
  readJournal,
  replay,
  unknownSince,
  type HeaderEntry,
  type JournalContents,
  type JournalEntry,
  type JournaledError,
  type TokenState,
} from "./journal.js";
import { actionFor, formatDollars, planPayout, shortfallCents, totalsOf, type PayoutPlan, type PlannedRow, type Totals } from "./plan.js";
import { RateLimiter } from "./rate.js";
import { InvalidRowsError, validateRows, type BonusRow, type RawRow, type RowProblem } from "./rows.js";
import { BATCH_ID_PATTERN, contentHash, defaultBatchId } from "./token.js";

/** The client calls a payout needs; an `MTurkClient` has them. */
export interface BulkClient {
  sendBonus(input: SendBonusInput, options?: CallOptions): Promise<SendBonusOutput>;
  getAccountBalance(options?: CallOptions): Promise<GetAccountBalanceOutput>;
  paginateBonusPayments(input: ListBonusPaymentsInput, options?: CallOptions): AsyncIterable<BonusPayment>;
}

/** Options shared by {@link previewPayout} and {@link payBonuses}. */
export interface PayoutOptions {
  /** The client to pay with (an `MTurkClient`). */
  client: BulkClient;
  /**
   * Names the batch; every derived token depends on it. A journal keeps the
   * id it was started with, so resuming needs no id.
   * @default derived from the rows' content (the same rows are the same batch)
   */
  batchId?: string;
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
  /** The clock (epoch ms) for journal times and the 24-hour token window. @default Date.now */
  now?: () => number;
  /** Aborts everything at once, calls in flight included (their rows are settled on resume). */
  signal?: AbortSignal;
}

/** Options of {@link payBonuses}. */
export interface PayBonusesOptions extends PayoutOptions {
  /** Calls in flight at once. @default 4 */
  concurrency?: number;
  /** Requests per second at most; halved when MTurk throttles, then regained slowly. @default 5 */
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
   * send paid it) or `reconciled` (found in ListBonusPayments).
   */
  readonly via?: "sent" | "duplicate-token" | "reconciled";
  /** Paid in an earlier run (the journal said so; nothing was sent now). */
  readonly earlierRun?: boolean;
  readonly requestId?: string;
  /** Sends of this row across all runs. */
  readonly sends: number;
  /** HTTP attempts across all runs. */
  readonly httpAttempts: number;
  /** The last error, for failed (and pending) rows. */
  readonly error?: JournaledError;
}

/** Why a run ended before every row was settled. */
export type StopReason = "insufficient-funds" | "fatal-error" | "stopped" | "aborted" | "declined";

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

/**
 * ListBonusPayments GrantTime (MTurk's clock) versus our journal times (our clock): tolerated difference. The
 * same hour as the 23-hour window's margin: the client corrects its signing clock, so requests succeed with a
 * local clock off by more than AWS's 5 minutes, and a narrower margin would miss the payment and pay twice.
 */
const CLOCK_MARGIN_MS = 60 * 60 * 1000;
const MAX_RETRY_DELAY_MS = 30_000;
const RATE_WINDOW_MS = 10_000;
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

function positive(name: string, value: number | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
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

function classify(error: unknown): Verdict {
  if (isInsufficientFunds(error)) return "insufficient-funds";
  if (!isMTurkError(error)) return "fatal";
  const status = error.$metadata.httpStatusCode;
  if (FATAL_NAMES.has(error.name) || status === 401 || status === 403) return "fatal";
  if (error.$retryable !== undefined || error.outcomeUnknown || error instanceof TransportError || error instanceof UnexpectedResponseError) return "retry";
  return "final";
}

/** Checks that an existing journal belongs to this batch, target and input; returns the header to use. */
function bindJournal(
  path: string,
  existing: JournalContents | undefined,
  wanted: { batchId?: string; fallbackBatchId: string; content: string; target: string; input?: string; acceptChangedInput: boolean; now: number },
): HeaderEntry {
  if (existing?.header === undefined) {
    return {
      t: "header",
      v: 1,
      batchId: wanted.batchId ?? wanted.fallbackBatchId,
      content: wanted.content,
      target: wanted.target,
      ...(wanted.input === undefined ? {} : { input: wanted.input }),
      at: iso(wanted.now),
    };
  }
  const { header } = existing;
  if (wanted.batchId !== undefined && wanted.batchId !== header.batchId) {
    throw new JournalError(
      `${path} belongs to batch ${header.batchId}, not ${wanted.batchId}. To resume it, leave out the batch id; to start batch ${wanted.batchId}, use another journal file.`,
      "mismatch",
    );
  }
  if (header.target !== wanted.target) {
    throw new JournalError(
      `${path} records payments to ${header.target}, not ${wanted.target}; "paid" there says nothing about ${wanted.target}. Use a separate journal for each target.`,
      "mismatch",
    );
  }
  const bound = replay(existing.entries).content ?? header.content;
  if (bound !== wanted.content && !wanted.acceptChangedInput) {
    throw new JournalError(
      `${path} was started for different rows: the input changed since (${header.input ?? "its input"}). Resume with the original rows, ` +
        `or accept the change (--input-changed): rows already paid stay paid, new or changed rows are paid as new bonuses.`,
      "mismatch",
    );
  }
  return header;
}

/**
 * Rows of a changed input that would pay an assignment the journal already paid, or may have paid (a send
 * whose outcome is unknown), under another token.
 */
function repaidAssignments(planned: readonly PlannedRow[], entries: readonly JournalEntry[], state: JournalState): RowProblem[] {
  const paidPairs = new Map<string, string>();
  for (const entry of entries) {
    const st = entry.t === "intent" ? state.tokens.get(entry.token) : undefined;
    if (entry.t === "intent" && st !== undefined && (st.paid !== undefined || unknownSince(st) !== undefined)) {
      paidPairs.set(`${entry.WorkerId}\u0000${entry.AssignmentId}`, entry.token);
    }
  }
  const problems: RowProblem[] = [];
  for (const p of planned) {
    if (p.action !== "send" && p.action !== "reconcile") continue;
    const token = paidPairs.get(`${p.row.WorkerId}\u0000${p.row.AssignmentId}`);
    if (token !== undefined && token !== p.token) {
      problems.push({
        line: p.row.line,
        field: "AssignmentId",
        message: `WorkerId ${p.row.WorkerId} was already paid (or may have been: the outcome of a send is unknown) for AssignmentId ${p.row.AssignmentId} in this batch (journal, token ${token}) with another amount or reason; a second bonus is refused unless duplicates are allowed (--allow-duplicates). To settle a send whose outcome is unknown, resume with the original rows first`,
      });
    }
  }
  return problems;
}

interface Prepared {
  rows: BonusRow[];
  content: string;
  batchId: string;
  state: JournalState;
  journal?: Journal;
}

function checkBatchId(batchId: string | undefined): void {
  if (batchId !== undefined && !BATCH_ID_PATTERN.test(batchId)) {
    throw new RangeError(`batch id ${JSON.stringify(batchId)} must be 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`);
  }
}

/** Validates rows, binds (read-only or locked) the journal, replays it. */
function prepare(input: Iterable<RawRow>, options: PayoutOptions, now: number, mode: "read" | "open"): Prepared {
  checkBatchId(options.batchId);
  const rows = validateRows(input, { allowDuplicates: options.allowDuplicates ?? false });
  const content = contentHash(rows);
  const wanted = {
    ...(options.batchId === undefined ? {} : { batchId: options.batchId }),
    fallbackBatchId: defaultBatchId(rows),
    content,
    target: options.target ?? "default",
    ...(options.inputName === undefined ? {} : { input: options.inputName }),
    acceptChangedInput: options.acceptChangedInput ?? false,
    now,
  };
  const path = options.journal;
  if (path === undefined) return { rows, content, batchId: wanted.batchId ?? wanted.fallbackBatchId, state: new JournalState() };
  if (mode === "read") {
    const existing = readJournal(path);
    const header = bindJournal(path, existing, wanted);
    return { rows, content, batchId: header.batchId, state: replay(existing?.entries ?? []) };
  }
  const journal = Journal.open(path, (existing) => bindJournal(path, existing, wanted));
  try {
    const state = replay(journal.entries);
    const changed = state.content !== undefined && state.content !== content;
    const run: JournalEntry = { t: "run", at: iso(now), pid: process.pid, ...(changed ? { content } : {}) };
    const entries = journal.entries.length === 0 ? [journal.header] : journal.entries;
    if (journal.entries.length === 0) state.apply(journal.header);
    journal.append(run);
    state.apply(run);
    if (changed && !options.allowDuplicates) {
      const plan = planPayout(rows, { batchId: journal.header.batchId, contentHash: content, journal: state, now });
      const problems = repaidAssignments(plan.rows, entries, state);
      if (problems.length > 0) throw new InvalidRowsError(problems, options.inputName ?? "the changed input");
    }
    return { rows, content, batchId: journal.header.batchId, state, journal };
  } catch (error) {
    journal.close();
    throw error;
  }
}

/**
 * What {@link payBonuses} would do, changing nothing: rows, tokens, totals
 * with fees, and the balance. Reads the journal if there is one (refusing
 * one that belongs to other rows, another batch or another target).
 */
export async function previewPayout(rows: Iterable<RawRow>, options: PayoutOptions): Promise<PayoutPlan> {
  const now = (options.now ?? Date.now)();
  const prepared = prepare(rows, options, now, "read");
  const balance = await options.client.getAccountBalance(options.signal === undefined ? {} : { signal: options.signal });
  const balanceCents = toCents(balance.AvailableBalance);
  return planPayout(prepared.rows, {
    batchId: prepared.batchId,
    contentHash: prepared.content,
    journal: prepared.state,
    now,
    ...(balanceCents === undefined ? {} : { balanceCents }),
  });
}

/**
 * Pays every row exactly once: validates all rows (refusing the batch if any
 * is bad), checks the balance, then sends with bounded concurrency and a
 * rate limit, journaling each send. Resolves with one result per row; rows
 * that failed or were not reached are paid by running it again with the
 * same rows and journal.
 *
 * Throws before paying anything for invalid rows (`InvalidRowsError`), a
 * journal that belongs to something else (`JournalError`) or a balance that
 * does not cover the batch (`InsufficientBalanceError`).
 */
export async function payBonuses(input: Iterable<RawRow>, options: PayBonusesOptions): Promise<PayoutResult> {
  const clock = options.now ?? Date.now;
  const concurrency = positive("concurrency", options.concurrency, 4, true);
  const rateLimit = positive("rate", options.rate, 5, false);
  const maxSends = positive("maxSendsPerRow", options.maxSendsPerRow, 6, true);
  const retryDelayMs = options.retryDelayMs ?? 1000;
  if (!(retryDelayMs >= 0)) throw new RangeError(`retryDelayMs must be 0 or more, got ${retryDelayMs}`);
  const started = performance.now();
  const { client, signal } = options;
  // The first attempt of each call takes its slot before its intent is journaled (see `send`);
  // the client's own retries take theirs here, and a throttled attempt slows the limiter at once.
  const retriesTakeSlots: CallOptions["beforeAttempt"] = async (attempt, retryOf) => {
    if (attempt === 1) return;
    if (retryOf?.$retryable?.throttling) limiter.throttled();
    await limiter.acquire(signal);
  };
  const callOptions: CallOptions = signal === undefined ? { beforeAttempt: retriesTakeSlots } : { signal, beforeAttempt: retriesTakeSlots };

  const limiter = new RateLimiter({ rate: rateLimit });
  const prepared = prepare(input, options, clock(), "open");
  const { state, journal, batchId, content } = prepared;
  try {
    let plan = planPayout(prepared.rows, { batchId, contentHash: content, journal: state, now: clock() });
    if (plan.toPay.rows > 0 && options.checkBalance !== false) {
      const balance = await client.getAccountBalance(callOptions);
      const balanceCents = toCents(balance.AvailableBalance);
      if (balanceCents === undefined) {
        // Paying on regardless would skip the one check that keeps a short balance from failing half-way.
        throw new UnexpectedResponseError({
          message: `GetAccountBalance answered AvailableBalance ${JSON.stringify(balance.AvailableBalance)}, which is not a dollar amount, so the balance could not be checked: nothing was paid (checkBalance: false pays without the check)`,
          excerpt: String(balance.AvailableBalance),
          $fault: "server",
          $metadata: balance.$metadata,
        });
      }
      plan = { ...plan, balanceCents };
      if (shortfallCents(plan) > 0 && !options.allowPartial) throw new InsufficientBalanceError(plan);
    }

    const record = (entry: JournalEntry): void => {
      journal?.append(entry);
      state.apply(entry);
    };
    const results = new Map<number, RowResult>();
    const failedNow = new Set<number>();
    /** Rows whose send or check failed in this run (reported failed if the run ends before they are paid). */
    const erroredNow = new Set<number>();
    const paidNow: BonusRow[] = [];
    let paidCentsNow = 0;
    const completions: number[] = [];
    let stoppedBy: StopReason | undefined;
    let stopError: JournaledError | undefined;
    let inFlight = 0;

    const resultOf = (p: PlannedRow, status: RowStatus, extra: { earlierRun?: boolean } = {}): RowResult => {
      const { row } = p;
      const st: TokenState | undefined = p.token === undefined ? undefined : state.tokens.get(p.token);
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
        ...(extra.earlierRun ? { earlierRun: true } : {}),
        ...(requestId === undefined ? {} : { requestId }),
        sends: st?.sends ?? 0,
        httpAttempts: st?.httpAttempts ?? 0,
        ...(status !== "paid" && status !== "skipped" && st?.lastError !== undefined ? { error: st.lastError } : {}),
      };
    };
    const progress = (): PayoutProgress => {
      const nowMono = performance.now();
      while (completions.length > 0 && (completions[0] as number) < nowMono - RATE_WINDOW_MS) completions.shift();
      const elapsedMs = nowMono - started;
      const window = Math.min(RATE_WINDOW_MS, Math.max(elapsedMs, 1));
      return {
        total: plan.toPay.rows,
        paid: paidNow.length,
        failed: failedNow.size,
        remaining: plan.toPay.rows - paidNow.length - failedNow.size,
        inFlight,
        ratePerSecond: (completions.length * 1000) / window,
        rateLimit: limiter.rate,
        maxRate: limiter.maxRate,
        paidCents: paidCentsNow,
        elapsedMs,
      };
    };
    const settle = (p: PlannedRow, status: RowStatus, extra: { earlierRun?: boolean } = {}): void => {
      const result = resultOf(p, status, extra);
      results.set(p.index, result);
      if (status === "paid" && !extra.earlierRun) {
        paidNow.push(p.row);
        paidCentsNow += p.row.cents;
      }
      if (status === "failed") failedNow.add(p.index);
      options.onResult?.(result);
      options.onProgress?.(progress());
    };

    for (const p of plan.rows) {
      if (p.action === "skip") settle(p, "skipped");
      else if (p.action === "done") settle(p, "paid", { earlierRun: true });
    }

    const confirmed = options.confirm === undefined || plan.toPay.rows === 0 ? true : await options.confirm(plan);
    if (!confirmed) stoppedBy = "declined";

    // The work queue: rows to pay, each with the time it may next be tried.
    interface Work {
      readonly planned: PlannedRow;
      tries: number;
      notBefore: number;
    }
    const queue: Work[] = stoppedBy === undefined ? plan.rows.filter((p) => p.action === "send" || p.action === "reconcile").map((planned) => ({ planned, tries: 0, notBefore: 0 })) : [];
    const waiters = new Set<() => void>();
    const notify = (): void => {
      for (const wake of [...waiters]) wake();
    };
    const stop = (reason: StopReason, error?: JournaledError): void => {
      if (stoppedBy === undefined) {
        stoppedBy = reason;
        if (error !== undefined) stopError = error;
      }
      notify();
    };
    const onAbort = (): void => stop("aborted");
    const onStop = (): void => stop("stopped");
    if (signal?.aborted) onAbort();
    if (options.stopSignal?.aborted) onStop();
    signal?.addEventListener("abort", onAbort, { once: true });
    options.stopSignal?.addEventListener("abort", onStop, { once: true });

    const idle = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, Math.min(ms, 60_000)));
        waiters.add(done);
      });

    const retryLater = (work: Work): void => {
      if (work.tries >= maxSends || stoppedBy !== undefined) {
        settle(work.planned, "failed");
        return;
      }
      const base = Math.min(MAX_RETRY_DELAY_MS, retryDelayMs * 2 ** Math.max(0, work.tries - 1));
      work.notBefore = performance.now() + base * (0.5 + Math.random() / 2);
      queue.push(work);
    };

    /** Looks for this row's payment in ListBonusPayments; `undefined` when listing failed (the row is retried later). */
    const reconcile = async (work: Work): Promise<boolean | undefined> => {
      const { row, token } = work.planned as PlannedRow & { token: string };
      const st = state.get(token);
      const since = (unknownSince(st) ?? 0) - CLOCK_MARGIN_MS;
      const key = (r: { WorkerId: string; AssignmentId: string; cents: number; Reason: string }) => JSON.stringify([r.WorkerId, r.AssignmentId, r.cents, r.Reason]);
      const mine = key(row);
      let matches = 0;
      try {
        await limiter.acquire(signal);
        for await (const payment of client.paginateBonusPayments({ AssignmentId: row.AssignmentId }, callOptions)) {
          const cents = toCents(payment.BonusAmount);
          if (cents === undefined) continue;
          const when = payment.GrantTime.getTime();
          if (key({ ...payment, cents }) === mine && !(when < since)) matches++;
        }
      } catch (error) {
        if (stoppedBy !== undefined || signal?.aborted) return undefined;
        const verdict = classify(error);
        erroredNow.add(work.planned.index);
        if (verdict === "fatal") stop("fatal-error", journaledError(error));
        else {
          if (isMTurkError(error) && error.$retryable?.throttling) limiter.throttled();
          st.lastError = journaledError(error);
          retryLater(work);
        }
        return undefined;
      }
      const same = plan.rows.filter((p) => p.token !== undefined && p.token !== token && key(p.row) === mine);
      // An identical row (allowed duplicates) that may have been paid and that this run settles by re-sending its
      // still-valid token (in flight now, or queued): its payment cannot be told from this row's until it is settled,
      // so counting it either way could pay twice or report a row paid that was not. Look again once it is settled.
      const unsettled = same.find((p) => {
        const other = state.tokens.get(p.token as string);
        return other !== undefined && other.paid === undefined && unknownSince(other) !== undefined && actionFor(other, clock()) === "send";
      });
      if (unsettled !== undefined) {
        work.tries--;
        if (!results.has(unsettled.index)) {
          work.notBefore = performance.now() + 100;
          queue.push(work);
          return undefined;
        }
        erroredNow.add(work.planned.index);
        st.lastError = {
          name: "ReconcileBlocked",
          message: `line ${unsettled.row.line} is an identical bonus whose outcome is still unknown, so ListBonusPayments cannot tell which of the two was paid; run again to settle both`,
          outcomeUnknown: true,
        };
        settle(work.planned, "failed");
        return undefined;
      }
      // Identical rows known paid since then account for some of the matches.
      const claimed = same.filter((p) => (state.tokens.get(p.token as string)?.paid?.at ?? Number.NEGATIVE_INFINITY) >= since).length;
      const found = matches > claimed;
      record({ t: "reconcile", token, found, matches, at: iso(clock()) });
      return found;
    };

    const send = async (work: Work): Promise<void> => {
      const { planned } = work;
      const { row, token } = planned as PlannedRow & { token: string };
      if (actionFor(state.get(token), clock()) === "reconcile") {
        work.tries++;
        const found = await reconcile(work);
        if (found === undefined) return;
        if (found) {
          settle(planned, "paid");
          return;
        }
      }
      try {
        await limiter.acquire(signal);
      } catch {
        return; // Aborted before sending: the row stays pending.
      }
      if (stoppedBy !== undefined) return;
      work.tries++;
      const st = state.get(token);
      record({
        t: "intent",
        token,
        line: row.line,
        WorkerId: row.WorkerId,
        AssignmentId: row.AssignmentId,
        BonusAmount: row.BonusAmount,
        Reason: row.Reason,
        n: st.sends + 1,
        at: iso(clock()),
      });
      let output: SendBonusOutput;
      try {
        output = await client.sendBonus({ WorkerId: row.WorkerId, AssignmentId: row.AssignmentId, BonusAmount: row.BonusAmount, Reason: row.Reason, UniqueRequestToken: token }, callOptions);
      } catch (error) {
        const attempts = isMTurkError(error) ? error.$metadata.attempts : 1;
        const journaled = journaledError(error);
        const requestId = isMTurkError(error) ? error.$metadata.requestId : undefined;
        record({ t: "outcome", token, status: "failed", attempts, ...(requestId === undefined ? {} : { requestId }), error: journaled, at: iso(clock()) });
        completions.push(performance.now());
        erroredNow.add(planned.index);
        if (error instanceof AbortError || signal?.aborted) return; // Stays pending; settled on resume with the same token.
        switch (classify(error)) {
          case "insufficient-funds":
            settle(planned, "failed");
            stop("insufficient-funds", journaled);
            return;
          case "fatal":
            settle(planned, "failed");
            stop("fatal-error", journaled);
            return;
          case "retry":
            if (isMTurkError(error) && error.$retryable?.throttling) limiter.throttled();
            retryLater(work);
            return;
          case "final":
            settle(planned, "failed");
            return;
        }
      }
      limiter.succeeded();
      record({
        t: "outcome",
        token,
        status: "paid",
        ...(output.alreadyGranted ? { alreadyGranted: true } : {}),
        ...(output.$metadata.requestId === undefined ? {} : { requestId: output.$metadata.requestId }),
        attempts: output.$metadata.attempts,
        at: iso(clock()),
      });
      completions.push(performance.now());
      settle(planned, "paid");
    };

    const worker = async (): Promise<void> => {
      while (stoppedBy === undefined) {
        const nowMono = performance.now();
        const index = queue.findIndex((w) => w.notBefore <= nowMono);
        if (index === -1) {
          if (queue.length === 0 && inFlight === 0) return;
          const next = queue.reduce((min, w) => Math.min(min, w.notBefore), Number.POSITIVE_INFINITY);
          await idle(Number.isFinite(next) ? next - nowMono : 60_000);
          continue;
        }
        const [work] = queue.splice(index, 1) as [Work];
        inFlight++;
        try {
          await send(work);
        } catch (error) {
          // A journal write failed (disk full, …): nothing more can be recorded, so nothing more may be sent.
          stop("fatal-error", journaledError(error));
        } finally {
          inFlight--;
          notify();
        }
      }
    };

    try {
      await Promise.all(Array.from({ length: concurrency }, () => worker()));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      options.stopSignal?.removeEventListener("abort", onStop);
    }

    for (const p of plan.rows) {
      if (results.has(p.index)) continue;
      const st = p.token === undefined ? undefined : state.tokens.get(p.token);
      // Failed in this run and left over when it stopped: failed (re-tried on resume); not reached: pending.
      settle(p, st?.paid !== undefined ? "paid" : erroredNow.has(p.index) ? "failed" : "pending");
    }
    const rows = plan.rows.map((p) => results.get(p.index) as RowResult);
    const count = (status: RowStatus) => rows.filter((r) => r.status === status).length;
    const paidRows = rows.filter((r) => r.status === "paid");
    const complete = rows.every((r) => r.status === "paid" || r.status === "skipped");
    return {
      batchId,
      contentHash: content,
      ...(journal === undefined ? {} : { journal: journal.path }),
      complete,
      ...(stoppedBy === undefined || complete ? {} : { stoppedBy }),
      ...(stopError === undefined ? {} : { stopError }),
      plan,
      rows,
      counts: { rows: rows.length, paid: paidRows.length, paidNow: paidNow.length, skipped: count("skipped"), failed: count("failed"), pending: count("pending") },
      paid: totalsOf(paidRows),
      paidNow: totalsOf(paidNow),
      elapsedMs: performance.now() - started,
    };
  } finally {
    journal?.close();
  }
}
