/**
 * The simulated requester account: balance, bonuses paid, idempotency
 * tokens, which worker did which assignment, and counters. Pure state and
 * rules, no I/O; time comes from an injected clock so token expiry can be
 * tested without waiting a day.
 */
import { centsToDollars, commissionCents, dollarsToCents } from "./money.js";

/** MTurk forgets a `UniqueRequestToken` 24 hours after it was first used. */
export const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** The balance a new simulated account starts with. */
export const DEFAULT_BALANCE = "10000.00";

/** One bonus the simulated account paid. */
export interface BonusRecord {
  readonly WorkerId: string;
  readonly AssignmentId: string;
  /** Canonical two-decimal amount, e.g. `"1.50"`. */
  readonly BonusAmount: string;
  readonly Reason: string;
  readonly UniqueRequestToken?: string;
  /** Ledger clock when granted, epoch milliseconds. */
  readonly grantTime: number;
  readonly amountCents: number;
  readonly feeCents: number;
  /** `x-amzn-RequestId` of the request that paid it. */
  readonly requestId: string;
}

/** What happened to requests, for tests to assert on. */
export interface LedgerCounters {
  /** Every API request that reached the simulator (control and ledger calls excluded). */
  requests: number;
  /** Requests per `X-Amz-Target` operation. */
  byOperation: Record<string, number>;
  /** Bonuses granted. */
  paid: number;
  /** SendBonus calls refused because their token was already processed. */
  duplicates: number;
  insufficientFunds: number;
  /** Every `RequestError` answered, duplicates and short funds included. */
  requestErrors: number;
  signatureFailures: number;
  /** `ValidationException` and `SerializationException` answers. */
  validationFailures: number;
  /** Faults injected, by kind. */
  faults: Record<string, number>;
}

/** A copy of the ledger at one moment, safe to keep and to serialise (`GET /__ledger`). */
export interface LedgerSnapshot {
  readonly balance: string;
  readonly balanceCents: number;
  /** Amounts plus fees paid since the start or the last reset. */
  readonly spentCents: number;
  /** The ledger clock, epoch milliseconds. */
  readonly now: number;
  readonly bonuses: readonly BonusRecord[];
  readonly counters: LedgerCounters;
}

/** Options of a {@link Ledger}. */
export interface LedgerOptions {
  /** Starting balance in dollars, e.g. `"250.00"`. @default "10000.00" */
  readonly balance?: string;
  /**
   * Which worker did which assignment. A bonus naming another worker on a
   * listed assignment is refused. Unlisted assignments are bound to the
   * first worker paid on them.
   */
  readonly assignments?: Readonly<Record<string, string>>;
  /** The clock, epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** A validated SendBonus input. */
export interface BonusInput {
  readonly WorkerId: string;
  readonly BonusAmount: string;
  readonly AssignmentId: string;
  readonly Reason: string;
  readonly UniqueRequestToken?: string | undefined;
}

/** Why a bonus was refused, each a `RequestError` on the wire. */
export type BonusRefusal =
  | { readonly reason: "duplicate"; readonly token: string; readonly originalRequestId: string }
  | { readonly reason: "insufficientFunds" }
  | { readonly reason: "wrongWorker"; readonly boundWorker: string }
  | { readonly reason: "zeroAmount" };

/** The outcome of {@link Ledger.payBonus}. */
export type BonusOutcome = { readonly ok: true; readonly bonus: BonusRecord } | ({ readonly ok: false } & BonusRefusal);

function parseBalance(dollars: string): number {
  const cents = dollarsToCents(dollars);
  if (cents === undefined) throw new TypeError(`balance must be a dollar amount such as "100.00", got "${dollars}"`);
  return cents;
}

function emptyCounters(): LedgerCounters {
  return {
    requests: 0,
    byOperation: {},
    paid: 0,
    duplicates: 0,
    insufficientFunds: 0,
    requestErrors: 0,
    signatureFailures: 0,
    validationFailures: 0,
    faults: {},
  };
}

/** The simulated account. One instance backs one simulator or one set of msw handlers. */
export class Ledger {
  /** Live counters; the service increments them as requests arrive. */
  counters: LedgerCounters = emptyCounters();
  #balanceCents: number;
  #spentCents = 0;
  #bonuses: BonusRecord[] = [];
  #byAssignment = new Map<string, BonusRecord[]>();
  /** Token → when it was first used and the request id that paid it. */
  #tokens = new Map<string, { readonly at: number; readonly requestId: string }>();
  #workers: Map<string, string>;
  readonly #listed: ReadonlyMap<string, string>;
  readonly #initialBalanceCents: number;
  readonly #baseNow: () => number;
  #offsetMs = 0;

  constructor(options: LedgerOptions = {}) {
    this.#initialBalanceCents = parseBalance(options.balance ?? DEFAULT_BALANCE);
    this.#balanceCents = this.#initialBalanceCents;
    this.#listed = new Map(Object.entries(options.assignments ?? {}));
    this.#workers = new Map(this.#listed);
    this.#baseNow = options.now ?? Date.now;
  }

  /** The ledger clock: the injected clock plus every {@link advanceClock}. */
  now(): number {
    return this.#baseNow() + this.#offsetMs;
  }

  /** Moves the ledger clock forward, e.g. past the 24-hour token window. */
  advanceClock(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advanceClock needs a non-negative number of ms, got ${ms}`);
    this.#offsetMs += ms;
  }

  /** Replaces the balance, in dollars. */
  setBalance(dollars: string): void {
    this.#balanceCents = parseBalance(dollars);
  }

  /** Binds assignments to workers, as if they had worked them. */
  assign(assignments: Readonly<Record<string, string>>): void {
    for (const [assignment, worker] of Object.entries(assignments)) this.#workers.set(assignment, worker);
  }

  /** Back to the starting balance with nothing paid, no tokens, zero counters and the clock unshifted. */
  reset(): void {
    this.counters = emptyCounters();
    this.#balanceCents = this.#initialBalanceCents;
    this.#spentCents = 0;
    this.#bonuses = [];
    this.#byAssignment = new Map();
    this.#tokens = new Map();
    this.#workers = new Map(this.#listed);
    this.#offsetMs = 0;
  }

  /** Available balance in integer cents. */
  get balanceCents(): number {
    return this.#balanceCents;
  }

  /**
   * Pays a bonus, or says why not. Checks, in order: the token (a token seen
   * in the last 24 hours pays nothing), the worker/assignment pairing, a
   * zero amount, then funds for the amount plus the fee. A refused bonus does
   * not consume its token, so the caller may fix the cause and retry.
   */
  payBonus(input: BonusInput, requestId: string): BonusOutcome {
    const now = this.now();
    const token = input.UniqueRequestToken;
    if (token !== undefined) {
      const seen = this.#tokens.get(token);
      if (seen !== undefined && now - seen.at < TOKEN_TTL_MS)
        return { ok: false, reason: "duplicate", token, originalRequestId: seen.requestId };
    }
    const boundWorker = this.#workers.get(input.AssignmentId);
    if (boundWorker !== undefined && boundWorker !== input.WorkerId) {
      return { ok: false, reason: "wrongWorker", boundWorker };
    }
    const amountCents = dollarsToCents(input.BonusAmount);
    if (amountCents === 0) return { ok: false, reason: "zeroAmount" };
    const fee = amountCents === undefined ? 0 : commissionCents(amountCents);
    if (amountCents === undefined || amountCents + fee > this.#balanceCents) {
      return { ok: false, reason: "insufficientFunds" };
    }
    this.#balanceCents -= amountCents + fee;
    this.#spentCents += amountCents + fee;
    this.#workers.set(input.AssignmentId, input.WorkerId);
    if (token !== undefined) this.#tokens.set(token, { at: now, requestId });
    const bonus: BonusRecord = {
      WorkerId: input.WorkerId,
      AssignmentId: input.AssignmentId,
      BonusAmount: centsToDollars(amountCents),
      Reason: input.Reason,
      ...(token === undefined ? {} : { UniqueRequestToken: token }),
      grantTime: now,
      amountCents,
      feeCents: fee,
      requestId,
    };
    this.#bonuses.push(bonus);
    const list = this.#byAssignment.get(input.AssignmentId);
    if (list) list.push(bonus);
    else this.#byAssignment.set(input.AssignmentId, [bonus]);
    return { ok: true, bonus };
  }

  /** Bonuses paid on one assignment, oldest first. */
  bonusesFor(assignmentId: string): readonly BonusRecord[] {
    return this.#byAssignment.get(assignmentId) ?? [];
  }

  /** A deep copy of the current state. */
  snapshot(): LedgerSnapshot {
    return {
      balance: centsToDollars(this.#balanceCents),
      balanceCents: this.#balanceCents,
      spentCents: this.#spentCents,
      now: this.now(),
      bonuses: this.#bonuses.map((b) => ({ ...b })),
      counters: {
        ...this.counters,
        byOperation: { ...this.counters.byOperation },
        faults: { ...this.counters.faults },
      },
    };
  }
}
