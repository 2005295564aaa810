/**
 * Retry policy as data and small pure functions, following the AWS SDKs'
 * standard mode: which failures are retried, how long to wait, and a
 * per-client budget so that an outage does not become a retry storm.
 * `RetryStrategy` puts them together into one decision per failed attempt.
 * Retrying SendBonus is only safe because every attempt carries the same
 * UniqueRequestToken; the client guarantees that, not this module.
 */
import { TransportError, UnexpectedResponseError, type MTurkError, type MTurkErrorInit } from "./errors.js";
import { watchAbort } from "./transport/abort.js";

/** Why a failure may be retried. */
export type RetryKind = "throttling" | "transient" | "clockSkew";

export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "ServiceFault",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalFailure",
  "ServiceUnavailable",
]);

export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

const CLOCK_SKEW_CODES: ReadonlySet<string> = new Set([
  "AccessDeniedException",
  "RequestTimeTooSkewed",
  "RequestExpired",
  "RequestInTheFuture",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "AuthFailure",
]);

/** Signature errors are clock errors only when the message says so; a wrong key must not be retried. */
const CLOCK_SKEW_MESSAGE =
  /signature expired|not yet current|time too skewed|request has expired|is now earlier than|is now later than/i;

/**
 * Classifies a failed attempt: an error, or the `MTurkErrorInit` it is
 * about to be built from (so that `$retryable` is set when it is built).
 * `undefined` means it must not be retried. The reasons to retry, in the
 * order they are checked:
 */
export function retryKind(error: MTurkError | MTurkErrorInit): RetryKind | undefined {
  const { name = "", message } = error;
  const status = error.$metadata?.httpStatusCode;
  // The request or its answer was lost on the network: the same token settles whether it was paid.
  if (error instanceof TransportError) return "transient";
  // The service asked us to slow down.
  if (status === 429 || THROTTLING_CODES.has(name)) return "throttling";
  // The signature was refused for its time: worth a retry once the signing clock is corrected.
  if (CLOCK_SKEW_CODES.has(name) && CLOCK_SKEW_MESSAGE.test(message)) return "clockSkew";
  // The service failed, by its code or by its status.
  if (TRANSIENT_CODES.has(name)) return "transient";
  if (status !== undefined && TRANSIENT_STATUSES.has(status)) return "transient";
  // A 2xx we could not read: re-sending with the same token settles whether it was paid.
  if (error instanceof UnexpectedResponseError && status !== undefined && status < 300) return "transient";
  // Anything else (a refusal, a bad key, a validation error) fails the same way again.
  return undefined;
}

/** The `$retryable` field of an error of this kind: present exactly when the kind is retried. */
export function retryableField(kind: RetryKind | undefined): { throttling: boolean } | undefined {
  return kind === undefined ? undefined : { throttling: kind === "throttling" };
}

/** Backoff bases and cap, in ms (the SDKs' standard mode). */
export const BASE_DELAY_MS = 100;
export const THROTTLING_BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 20_000;

/**
 * Full-jitter exponential backoff: a uniform draw from
 * `[0, min(base * 2^retry, 20 s))`, where `retry` counts from 0.
 */
export function backoffDelay(kind: RetryKind, retry: number, random: () => number): number {
  if (kind === "clockSkew") return 0;
  const base = kind === "throttling" ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS;
  return Math.floor(random() * Math.min(base * 2 ** retry, MAX_DELAY_MS));
}

/**
 * The server's requested wait in ms, or `undefined`, resolved as the AWS SDK
 * for JavaScript (smithy-typescript) resolves it: `Retry-After` when present
 * (seconds, possibly fractional; an HTTP date; `<date> GMT, <seconds>`; or,
 * as a last resort, any future date), otherwise `x-amz-retry-after` (ms).
 * A present but unreadable `Retry-After` means no hint, as there.
 */
export function retryAfterMs(header: (name: string) => string | undefined, now: number): number | undefined {
  const standard = header("retry-after")?.trim();
  if (standard !== undefined) {
    const suffix = / GMT, (\d+(?:\.\d+)?)$/.exec(standard);
    let ms: number;
    if (standard.endsWith("GMT")) ms = Date.parse(standard) - now;
    else if (suffix !== null) ms = Number(suffix[1]) * 1000;
    else if (/^\d+(?:\.\d+)?$/.test(standard)) ms = Number(standard) * 1000;
    else ms = Date.parse(standard) >= now ? Date.parse(standard) - now : Number.NaN;
    return Number.isNaN(ms) ? undefined : Math.max(0, Math.round(ms));
  }
  const amz = header("x-amz-retry-after")?.trim();
  if (amz === undefined || amz === "" || !Number.isFinite(Number(amz))) return undefined;
  return Math.max(0, Number(amz));
}

/** Retry budget sizes (the SDKs' standard-mode token bucket). */
export const RETRY_BUDGET_CAPACITY = 500;
export const RETRY_COST = 5;
export const TRANSIENT_RETRY_COST = 10;
export const NO_RETRY_INCREMENT = 1;

/**
 * A token bucket shared by all calls of one client. Each retry spends from
 * it; each success pays back. When it runs dry, failures are reported at
 * once instead of retried, until successes refill it.
 */
export class RetryBudget {
  private available: number;

  constructor(readonly capacity: number = RETRY_BUDGET_CAPACITY) {
    this.available = capacity;
  }

  /** Tokens left. */
  get remaining(): number {
    return this.available;
  }

  /** Takes the cost of one retry; returns it, or `undefined` when the budget cannot pay. */
  acquire(kind: RetryKind): number | undefined {
    const cost = kind === "throttling" ? RETRY_COST : TRANSIENT_RETRY_COST;
    if (this.available < cost) return undefined;
    this.available -= cost;
    return cost;
  }

  /** A call succeeded: give back what its last retry cost, or a small increment if it needed none. */
  release(lastRetryCost: number | undefined): void {
    this.available = Math.min(this.capacity, this.available + (lastRetryCost ?? NO_RETRY_INCREMENT));
  }
}

/** Why a failed attempt is not retried. */
export type StopReason =
  /** The failure is not of a kind that a retry can fix (see `retryKind`). */
  | "not-retryable"
  /** The call made its last allowed attempt (`maxAttempts`). */
  | "max-attempts"
  /** A clock-skew refusal, but the signing clock did not move: the retry would be refused the same way. */
  | "clock"
  /** The server's `Retry-After` asks for a longer wait than `MAX_DELAY_MS`: the caller decides when to try again. */
  | "retry-after"
  /** The client's retry budget cannot pay for another retry (an outage, not a blip). */
  | "budget";

/** The strategy's answer for one failed attempt: wait this long at this cost, or stop. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly cost: number }
  | { readonly retry: false; readonly reason: StopReason };

/** What the strategy weighs about one failed attempt. */
export interface FailedAttempt {
  /** The attempt's error, classified by `retryKind`. */
  error: MTurkError;
  /** Attempts made so far in this call, the failed one included (1 after the first). */
  attempts: number;
  /** The failed attempt's answer headers, when an answer arrived (for its `Retry-After`). */
  header: ((name: string) => string | undefined) | undefined;
  /** True when this attempt's answer moved the signing clock. */
  clockCorrected: boolean;
}

/**
 * Decides, for each failed attempt, whether the call retries and after how
 * long, and owns the client's retry budget: a retry's cost is taken when
 * the strategy answers "retry", and paid back by `succeeded`. One per client,
 * shared by all its calls.
 */
export class RetryStrategy {
  readonly #maxAttempts: number;
  readonly #budget: RetryBudget;

  /** `budget`: the retry budget this strategy charges and refunds (the client's own by default). */
  constructor(maxAttempts: number, budget = new RetryBudget()) {
    this.#maxAttempts = maxAttempts;
    this.#budget = budget;
  }

  /** Retry (taking the retry's cost from the budget) or stop, and why. */
  decide({ error, attempts, header, clockCorrected }: FailedAttempt): RetryDecision {
    const kind = retryKind(error);
    if (kind === undefined) return { retry: false, reason: "not-retryable" };
    if (attempts >= this.#maxAttempts) return { retry: false, reason: "max-attempts" };
    // Same clock, same failure: only a corrected clock makes a retry worth it, and then at once.
    if (kind === "clockSkew" && !clockCorrected) return { retry: false, reason: "clock" };
    // The server's own wait, when it asks for one (a clock-skew refusal is retried at once).
    const hint = kind === "clockSkew" || header === undefined ? undefined : retryAfterMs(header, Date.now());
    // A server that asks for more than our longest wait is not retried; the caller decides.
    if (hint !== undefined && hint > MAX_DELAY_MS) return { retry: false, reason: "retry-after" };
    const delayMs = Math.max(backoffDelay(kind, attempts - 1, Math.random), hint ?? 0);
    const cost = this.#budget.acquire(kind);
    return cost === undefined ? { retry: false, reason: "budget" } : { retry: true, delayMs, cost };
  }

  /** A call succeeded (or was settled by its answer): pay back what its last retry cost. */
  succeeded(lastRetryCost: number | undefined): void {
    this.#budget.release(lastRetryCost);
  }
}

/**
 * The new clock offset when the server's `Date` shows that the local clock
 * is off by five minutes or more (the SigV4 window); otherwise the old one.
 */
export function clockOffset(serverDate: string | undefined, now: number, current: number): number {
  return skewedOffset(serverDate === undefined ? Number.NaN : Date.parse(serverDate), now, current);
}

/** {@link clockOffset} for a server time already parsed (`NaN`: none). */
export function skewedOffset(server: number, now: number, current: number): number {
  return Math.abs(server - (now + current)) >= 300_000 ? server - now : current;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    // One listener per signal however many calls wait on it (see transport/abort.ts).
    const stopWatching =
      signal === undefined
        ? undefined
        : watchAbort(signal, (reason) => {
            clearTimeout(timer);
            reject(reason);
          });
    const timer = setTimeout(() => {
      stopWatching?.();
      resolve();
    }, ms);
  });
}
