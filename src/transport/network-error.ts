/**
 * Turns whatever a runtime throws on a network failure into a
 * `TransportError` (each transport does, so the client converts nothing), and decides whether the request may have reached the
 * service (which matters: a request that may have arrived may have paid).
 */
import { TimeoutError, TransportError } from "../errors.js";

/** Failures that happen before a byte of the request leaves: nothing can have been paid. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "CONNECT_TIMEOUT",
]);

/** The first string `code` in an error's `cause` chain (undici's fetch wraps the socket error). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What the transports reject with when the per-attempt timeout passes. */
const TIMEOUT_CODES = new Set([
  "TimeoutError",
  "CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * A `TransportError` for a failed attempt (a `TimeoutError` when the
 * per-attempt timeout passed). Retryable: re-sending with the same token
 * settles whether a request that may have arrived was paid.
 */
export function toTransportError(error: unknown, timeoutMs: number): TransportError {
  const code =
    networkErrorCode(error) ??
    ((error as { name?: unknown } | undefined)?.name === "TimeoutError" ? "TimeoutError" : "NetworkError");
  const $retryable = { throttling: false };
  if (TIMEOUT_CODES.has(code)) {
    return new TimeoutError({
      code,
      $retryable,
      message: `No complete answer within ${timeoutMs} ms (the per-attempt timeout)`,
      outcomeUnknown: !NOT_SENT.has(code),
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  const because = typeof cause?.message === "string" && cause.message !== detail ? ` (${cause.message})` : "";
  return new TransportError({
    code,
    $retryable,
    message: `Network failure: ${detail}${because}`,
    outcomeUnknown: !NOT_SENT.has(code),
    cause: error,
  });
}
