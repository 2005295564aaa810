/**
 * The decision core, pure: what one delivery's outcome means for its
 * message (acknowledge, redeliver later, or dead-letter), how long to wait
 * before a redelivery, and when MTurk may have forgotten a token. No I/O and
 * no clock of its own, so every rule is tested with plain values.
 */
import { isMTurkError } from "../errors.js";
import type { BonusPayment } from "../model.js";

/** MTurk remembers a `UniqueRequestToken` this long. */
export const TOKEN_WINDOW_MS = 24 * 60 * 60 * 1000;

/** One hour short of the token window: clocks drift and a message waits in a batch before it is sent. */
export const SETTLE_AFTER_MS = TOKEN_WINDOW_MS - 60 * 60 * 1000;

/** Cloudflare Queues refuses a `delaySeconds` above 12 hours. */
export const MAX_DELAY_SECONDS = 12 * 60 * 60;

/** What became of one delivery. */
export type Outcome =
  /** MTurk paid it now. */
  | { readonly kind: "paid"; readonly token: string }
  /** MTurk answered that this token was already paid (an earlier delivery paid it). */
  | { readonly kind: "alreadyGranted"; readonly token: string }
  /** Past the token window, `ListBonusPayments` shows it paid; nothing was sent. */
  | { readonly kind: "settled"; readonly token: string; readonly payment: BonusPayment }
  /** A definite refusal: an invalid body, or MTurk refused the bonus. Re-sending cannot help. */
  | { readonly kind: "refused"; readonly token: string | undefined; readonly error: unknown }
  /** Not settled: a retryable failure, throttling, or an answer that was lost. Redeliver. */
  | {
      readonly kind: "failed";
      readonly token: string | undefined;
      readonly error: unknown;
      readonly throttled: boolean;
    };

/** What to do with the message. */
export type Action =
  | { readonly type: "ack" }
  | { readonly type: "retry"; readonly delaySeconds: number }
  | { readonly type: "reject"; readonly error: unknown };

/** How redeliveries back off. */
export interface BackoffOptions {
  /**
   * Delay before the first redelivery, in seconds; it doubles with every
   * further delivery.
   * @default 5
   */
  retryDelaySeconds?: number;
  /**
   * Delay before the first redelivery after MTurk throttled, in seconds; it
   * doubles likewise. Larger than `retryDelaySeconds`, so that a throttled
   * queue slows down rather than hammering the rate limit.
   * @default 30
   */
  throttledDelaySeconds?: number;
  /**
   * The longest delay, in seconds (Cloudflare allows at most 43200).
   * @default 900
   */
  maxDelaySeconds?: number;
}

/** Names of errors that refuse the bonus itself: the same message will be refused again. */
const REFUSALS: ReadonlySet<string> = new Set([
  "ValidationError",
  "RequestError",
  "ValidationException",
  "ParameterValidationError",
]);

/**
 * Sorts a failure. A refusal of the bonus (bad input, or MTurk's
 * `RequestError`: insufficient funds, wrong worker, unknown assignment) is
 * definite, unless an earlier attempt of the same call may have paid
 * (`outcomeUnknown`): then only a redelivery, with the same token, can tell.
 * Everything else (throttling, server faults, lost answers, credentials or
 * code that failed) is redelivered: a later delivery may succeed, and the
 * token keeps it from paying twice.
 */
export function classifyFailure(token: string | undefined, error: unknown): Outcome {
  if (isMTurkError(error) && REFUSALS.has(error.name) && !error.outcomeUnknown)
    return { kind: "refused", token, error };
  const throttled = isMTurkError(error) && error.$retryable?.throttling === true;
  return { kind: "failed", token, error, throttled };
}

/**
 * The delay before redelivery `attempts + 1`, in whole seconds: the base
 * doubled per delivery so far, capped, then drawn from its upper half so
 * that messages failed together do not all return together.
 */
export function retryDelaySeconds(
  attempts: number,
  throttled: boolean,
  backoff: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = throttled ? (backoff.throttledDelaySeconds ?? 30) : (backoff.retryDelaySeconds ?? 5);
  const max = Math.min(backoff.maxDelaySeconds ?? 900, MAX_DELAY_SECONDS);
  const doublings = Math.min(Math.max(attempts, 1) - 1, 30);
  const ceiling = Math.min(base * 2 ** doublings, max);
  return Math.min(max, Math.ceil(ceiling / 2 + random() * (ceiling / 2)));
}

/** The action for an outcome: settled ones are acknowledged, refusals dead-lettered, the rest redelivered later. */
export function decide(
  outcome: Outcome,
  attempts: number,
  backoff: BackoffOptions = {},
  random: () => number = Math.random,
): Action {
  switch (outcome.kind) {
    case "paid":
    case "alreadyGranted":
    case "settled":
      return { type: "ack" };
    case "refused":
      return { type: "reject", error: outcome.error };
    case "failed":
      return { type: "retry", delaySeconds: retryDelaySeconds(attempts, outcome.throttled, backoff, random) };
  }
}

/**
 * True when MTurk may have forgotten the message's token: it was enqueued
 * `settleAfterMs` or more ago, by `now` (MTurk's clock where known). A bonus
 * paid by its first delivery could then be paid again by a re-send, so the
 * consumer reads the payments back before sending.
 */
export function pastTokenWindow(enqueuedAt: number, now: number, settleAfterMs: number = SETTLE_AFTER_MS): boolean {
  // An enqueue time that is not a number cannot be trusted to be recent.
  if (!Number.isFinite(enqueuedAt)) return true;
  return now - enqueuedAt >= settleAfterMs;
}
