/**
 * The bulk error policy: what a failed call means for the payout. Read top
 * to bottom, the first rule that matches wins:
 *
 * 1. MTurk's "insufficient funds" refusal stops the run (`insufficient-funds`):
 *    every later row would be refused too.
 * 2. Anything that is not an `MTurkError` stops the run (`fatal`): it is a bug
 *    or a broken environment, and what reached MTurk is unknown.
 * 3. An error named in {@link FATAL_NAMES}, or any HTTP 401 or 403, stops the
 *    run (`fatal`): bad input, bad credentials or a destroyed client fail
 *    every row alike, so sending more would only fail more.
 * 4. A retryable error (throttling, a 5xx), one whose outcome is unknown, a
 *    lost answer (`TransportError`) or an answer that is not MTurk's
 *    (`UnexpectedResponseError`) is sent again later with the same token
 *    (`retry`), which can never pay twice.
 * 5. Anything else is MTurk refusing this row for good (`final`): the row
 *    fails, the run goes on.
 *
 * Pure: no I/O, no state.
 */
import { isMTurkError, TransportError, UnexpectedResponseError } from "../errors.js";
import type { JournaledError } from "./journal-state.js";

/** Errors that would fail every row alike: the run stops at the first. */
export const FATAL_NAMES: ReadonlySet<string> = new Set([
  // Local input MTurk would refuse, or a client used after destroy().
  "ValidationError",
  "ClientDestroyedError",
  // Credentials or signature refused: every call will be.
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "InvalidClientTokenId",
  "AccessDeniedException",
  "ExpiredTokenException",
  // The endpoint does not know the operation (a wrong endpoint).
  "UnknownOperationException",
]);

/** What a failed call means: stop for lack of money, stop for good, send again later, or fail this row. */
export type Verdict = "insufficient-funds" | "fatal" | "retry" | "final";

/** True for MTurk's "insufficient funds" refusal. */
export function isInsufficientFunds(error: unknown): boolean {
  return (
    isMTurkError(error) &&
    (error.TurkErrorCode === "AWS.MechanicalTurk.InsufficientFunds" || /insufficient funds/i.test(error.message))
  );
}

/** What a failed call means for the run (the rules above, in order). */
export function classify(error: unknown): Verdict {
  if (isInsufficientFunds(error)) return "insufficient-funds";
  if (!isMTurkError(error)) return "fatal";
  const status = error.$metadata.httpStatusCode;
  if (FATAL_NAMES.has(error.name) || status === 401 || status === 403) return "fatal";
  if (
    error.$retryable !== undefined ||
    error.outcomeUnknown ||
    error instanceof TransportError ||
    error instanceof UnexpectedResponseError
  )
    return "retry";
  return "final";
}

/** True when the error says MTurk throttled: the rate limiter slows down at once. */
export function isThrottling(error: unknown): boolean {
  return isMTurkError(error) && error.$retryable?.throttling === true;
}

/** The journal form of an error: name, message, MTurk's code, and whether it may have paid. */
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
  return {
    name: error instanceof Error ? error.name : "Error",
    message: error instanceof Error ? error.message : String(error),
    outcomeUnknown: true,
  };
}
