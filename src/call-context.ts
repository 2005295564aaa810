/**
 * What the client learns about one call across its attempts, and the one
 * place where that becomes part of the error the call ends with. An
 * attempt's error is built whole by the module that met the failure
 * (`response.ts`, the transports); only the call's own facts (attempts,
 * waits, whether an earlier attempt may have paid, the token) are added
 * here, once, when the call ends.
 */
import { AbortError, type MTurkError, type ResponseMetadata } from "./errors.js";
import { requestIdOf } from "./response.js";
import type { WireResponse } from "./transport/types.js";

/** One call's state across its attempts. */
export interface CallContext {
  /** HTTP attempts made so far. */
  attempts: number;
  /** Milliseconds waited between attempts. */
  totalRetryDelay: number;
  /** True once any attempt may have reached MTurk without a readable answer: the bonus may have been paid. */
  outcomeUnknown: boolean;
  /** The `SendBonus` call's UniqueRequestToken. */
  readonly token: string | undefined;
  /** The latest attempt's answer; `undefined` before it arrives and when none did. */
  response?: WireResponse | undefined;
  /**
   * True when the latest answer's `Date` moved the signing clock, which is
   * what makes a clock-skew refusal worth a retry. Set with each answer; a
   * failure without an answer is never a clock-skew refusal.
   */
  clockCorrected: boolean;
  /** What the last retry cost the budget, paid back when the call succeeds. */
  lastRetryCost?: number;
}

/** The `$metadata` of the call so far: its attempts and waits, and the latest answer's status and request id. */
export function callMetadata(context: CallContext): ResponseMetadata {
  const $metadata: ResponseMetadata = { attempts: context.attempts, totalRetryDelay: context.totalRetryDelay };
  const { response } = context;
  if (response !== undefined) {
    $metadata.httpStatusCode = response.status;
    const requestId = requestIdOf(response);
    if (requestId !== undefined) $metadata.requestId = requestId;
  }
  return $metadata;
}

/**
 * The error a call ends with: the failed attempt's error (or the one a hook
 * threw) with the call's metadata, its `outcomeUnknown` verdict and its
 * token, and `note` added to the message when the settling of a refusal has
 * something to say. The only place these fields are written.
 */
export function callError<E extends MTurkError>(error: E, context: CallContext, note = ""): E {
  Object.assign(error.$metadata, callMetadata(context));
  error.outcomeUnknown = context.outcomeUnknown;
  if (context.token !== undefined) error.UniqueRequestToken = context.token;
  error.message += note;
  return error;
}

/** The context of a call about to make its first attempt; `token` is its UniqueRequestToken, for `SendBonus`. */
export function newCallContext(token?: string): CallContext {
  return { attempts: 0, totalRetryDelay: 0, outcomeUnknown: false, token, clockCorrected: false };
}

/** The error of a call its caller aborted, built from the call so far. */
export function abortError(reason: unknown, context: CallContext): AbortError {
  const { attempts, totalRetryDelay, outcomeUnknown, token } = context;
  return new AbortError({
    message: `The call was aborted after ${attempts} attempt(s)${outcomeUnknown ? "; the bonus may have been paid, so retry with the same UniqueRequestToken" : ""}`,
    $metadata: { attempts, totalRetryDelay },
    outcomeUnknown,
    UniqueRequestToken: token,
    cause: reason,
  });
}
