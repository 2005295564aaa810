/**
 * The public shapes of a payout: its options, its progress, and its result
 * with one result per row. Types only, so the steps that read them (the
 * run, the tally, the report, the progress display) never import the engine.
 */
import type { BonusPayment, CallOptions, GetAccountBalanceOutput, SendBonusOutput } from "../client.js";
import type { ListBonusPaymentsInput, SendBonusInput } from "../validate.js";
import type { JournaledError } from "./journal-state.js";
import type { PayoutPlan, Totals } from "./plan.js";
import type { BonusRow } from "./rows.js";

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
  readonly counts: {
    readonly rows: number;
    readonly paid: number;
    readonly paidNow: number;
    readonly skipped: number;
    readonly failed: number;
    readonly pending: number;
  };
  /** Every paid row of the batch, earlier runs included. */
  readonly paid: Totals;
  /** Rows paid in this run (a `duplicate-token` row's money may have moved in an earlier, crashed run). */
  readonly paidNow: Totals;
  readonly elapsedMs: number;
}
