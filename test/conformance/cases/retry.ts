/**
 * Retry cases: which failures are retried and how (throttling or
 * transient), what wait a server's hint asks for, and when the signing clock
 * moves. Transcribed as data from the sources named on each case; `skip`
 * says why MTurk's client keeps its own behaviour.
 */
import { SOURCES, type Source } from "../sources.js";

/** An error answer and whether the client retries it, and as what. */
export interface ClassificationCase {
  id: string;
  source: Source;
  status: number;
  /** The error code (`__type`); absent: an answer without one. */
  code?: string;
  /** `undefined`: not retried. */
  kind: "throttling" | "transient" | undefined;
  skip?: string;
}

/** smithy-typescript THROTTLING_ERROR_CODES, each "should declare error with the name … to be a Throttling error". */
const SMITHY_TS_THROTTLING = [
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
];

export const CLASSIFICATION_CASES: ClassificationCase[] = [
  ...SMITHY_TS_THROTTLING.map((code) => ({
    id: `isThrottlingError name ${code}`,
    source: SOURCES.smithyTsClassification,
    status: 400,
    code,
    kind: "throttling" as const,
  })),
  // "should declare error with the HTTP Status Code 429 to be a Throttling error" (the spec asserts it is not transient).
  {
    id: "isThrottlingError status 429",
    source: SOURCES.smithyTsClassification,
    status: 429,
    code: "SomethingElse",
    kind: "throttling",
  },
  {
    id: "isTransientError name RequestTimeout",
    source: SOURCES.smithyTsClassification,
    status: 400,
    code: "RequestTimeout",
    kind: "transient",
  },
  {
    id: "isTransientError name RequestTimeoutException",
    source: SOURCES.smithyTsClassification,
    status: 400,
    code: "RequestTimeoutException",
    kind: "transient",
  },
  ...[500, 502, 503, 504].map((status) => ({
    id: `isTransientError status ${status}`,
    source: SOURCES.smithyTsClassification,
    status,
    code: "SomeServerError",
    kind: "transient" as const,
  })),
  ...[501, 505, 511].map((status) => ({
    id: `isServerError status ${status} (not retried)`,
    source: SOURCES.smithyTsClassification,
    status,
    code: "SomeServerError",
    kind: undefined,
  })),
  {
    id: "not a Transient error: a random name",
    source: SOURCES.smithyTsClassification,
    status: 400,
    code: "k2j3h4g5",
    kind: undefined,
  },

  // botocore tests/unit/retries/test_standard.py RETRYABLE_THROTTLED_RESPONSES and RETRYABLE_TRANSIENT_ERRORS rows.
  {
    id: "(400, 'Throttling', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 400,
    code: "Throttling",
    kind: "throttling",
  },
  {
    id: "(503, 'RequestLimitExceeded', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 503,
    code: "RequestLimitExceeded",
    kind: "throttling",
  },
  {
    id: "(509, 'BandwidthLimitExceeded', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 509,
    code: "BandwidthLimitExceeded",
    kind: "throttling",
  },
  {
    id: "(403, 'RequestThrottled', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 403,
    code: "RequestThrottled",
    kind: "throttling",
  },
  {
    id: "(503, 'SlowDown', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 503,
    code: "SlowDown",
    kind: "throttling",
  },
  {
    id: "(502, 'EC2ThrottledException', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 502,
    code: "EC2ThrottledException",
    kind: "throttling",
  },
  {
    id: "(400, 'NotAThrottlingError', False)",
    source: SOURCES.botocoreStandardRetries,
    status: 400,
    code: "NotAThrottlingError",
    kind: undefined,
  },
  { id: "(400, None, False)", source: SOURCES.botocoreStandardRetries, status: 400, kind: undefined },
  {
    id: "(400, 'RequestTimeout', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 400,
    code: "RequestTimeout",
    kind: "transient",
  },
  {
    id: "(400, 'RequestTimeoutException', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 400,
    code: "RequestTimeoutException",
    kind: "transient",
  },
  {
    id: "(400, 'PriorRequestNotComplete', True) as transient",
    source: SOURCES.botocoreStandardRetries,
    status: 400,
    code: "PriorRequestNotComplete",
    kind: "transient",
    skip: "botocore lists PriorRequestNotComplete as both throttling and transient; it is retried here as throttling, like smithy-typescript (the throttling rows above), which waits longer",
  },
  ...[500, 502, 503, 504].map((status) => ({
    id: `(${status}, None, True)`,
    source: SOURCES.botocoreStandardRetries,
    status,
    kind: "transient" as const,
  })),
  {
    id: "(500, 'InternalServiceError', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 500,
    code: "InternalServiceError",
    kind: "transient",
  },
  {
    id: "(502, 'BadError', True)",
    source: SOURCES.botocoreStandardRetries,
    status: 502,
    code: "BadError",
    kind: "transient",
  },
];

/** A Retry-After / x-amz-retry-after pair and the wait it asks for, in ms from now. */
export interface RetryAfterCase {
  id: string;
  source: Source;
  /** Builds the headers at a given `now` (some values are dates relative to it). */
  headers: (now: number) => Record<string, string>;
  /** `undefined`: no hint. */
  waitMs: number | undefined;
  skip?: string;
}

export const RETRY_AFTER_CASES: RetryAfterCase[] = [
  {
    id: "returns undefined when no retry headers are present",
    source: SOURCES.smithyTsRetryAfter,
    headers: () => ({ "content-type": "application/json" }),
    waitMs: undefined,
  },
  {
    id: "parses plain numeric seconds",
    source: SOURCES.smithyTsRetryAfter,
    headers: () => ({ "retry-after": "120" }),
    waitMs: 120_000,
  },
  // The spec's date is whole seconds after a `now` with milliseconds: within a second of 60 s. Here `now` is whole seconds.
  {
    id: "parses RFC 7231 date string ending in GMT",
    source: SOURCES.smithyTsRetryAfter,
    headers: (now) => ({ "retry-after": new Date(now + 60_000).toUTCString() }),
    waitMs: 60_000,
  },
  {
    id: "parses 'GMT, <seconds>' suffix format",
    source: SOURCES.smithyTsRetryAfter,
    headers: (now) => ({ "retry-after": `${new Date(now + 30_000).toUTCString()}, 45` }),
    waitMs: 45_000,
  },
  {
    id: "returns undefined for non-numeric, non-date string",
    source: SOURCES.smithyTsRetryAfter,
    headers: () => ({ "retry-after": "not-a-number" }),
    waitMs: undefined,
  },
  {
    id: "returns undefined when RFC 7231 parsing fails",
    source: SOURCES.smithyTsRetryAfter,
    headers: () => ({ "retry-after": "Invalid Date GMT" }),
    waitMs: undefined,
  },
  {
    id: "as a last resort (backwards compatibility), ISO format headers are also parsed",
    source: SOURCES.smithyTsRetryAfter,
    headers: (now) => ({ "retry-after": new Date(now + 30_000).toISOString() }),
    waitMs: 30_000,
  },
  {
    id: "x-amz-retry-after parses milliseconds value",
    source: SOURCES.smithyTsRetryAfter,
    headers: () => ({ "x-amz-retry-after": "5000" }),
    waitMs: 5000,
  },
  {
    id: "x-amz-retry-after returns undefined for non-numeric value",
    source: SOURCES.smithyTsRetryAfter,
    headers: () => ({ "x-amz-retry-after": "abc" }),
    waitMs: undefined,
  },
  {
    id: "prefers retry-after over x-amz-retry-after when retry-after comes first",
    source: SOURCES.smithyTsRetryAfter,
    headers: () => ({ "retry-after": "10", "x-amz-retry-after": "9999" }),
    waitMs: 10_000,
  },
];

/**
 * How the SDK turns a hint into a wait: `max(backoff, min(hint, backoff + 5 s))`
 * (StandardRetryStrategy.refreshRetryTokenForRetry). Not followed, see `skip`.
 */
export const RETRY_AFTER_DELAY_CASE = {
  id: "retryAfterHint bounded by backoff + 5000 ms",
  source: SOURCES.smithyTsStandardStrategy,
  skip: "MTurk documents no rate limit and answers throttling with ThrottlingException (protocol notes §3.2): a server that says when to come back is obeyed in full here (at least the hint), and a hint beyond the 20 s backoff cap ends the call with the error instead of retrying early against a throttled service",
};

/** The SDKs' clock-skew rule: the signing clock moves to the server's when they differ by 5 minutes or more. */
export interface ClockSkewCase {
  id: string;
  source: Source;
  /** Server time minus the corrected local time, in ms. */
  differenceMs: number;
  skewed: boolean;
}

export const CLOCK_SKEW_CASES: ClockSkewCase[] = [
  ...[300_000, 500_000, -300_000, -500_000].map((differenceMs) => ({
    id: `returns true for time difference >=300000: ${differenceMs}`,
    source: SOURCES.jsV3ClockSkewed,
    differenceMs,
    skewed: true,
  })),
  ...[299_999, 100_000, 0, -299_999, -100_000].map((differenceMs) => ({
    id: `returns false for time difference <300000: ${differenceMs}`,
    source: SOURCES.jsV3ClockSkewed,
    differenceMs,
    skewed: false,
  })),
];

/** The SDKs' clock-skew codes (retried when the answer's Date corrected the clock); the SDK needs no message. */
export const CLOCK_SKEW_CODES = {
  source: SOURCES.smithyTsClassificationConstants,
  codes: [
    "AccessDeniedException",
    "AuthFailure",
    "InvalidSignatureException",
    "RequestExpired",
    "RequestInTheFuture",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
  ],
  withoutSkewMessage:
    "retried here only when the message speaks of time as well (signature expired, not yet current, too skewed, …): AccessDeniedException and InvalidSignatureException also mean a wrong key or missing permission, and retrying those would only repeat the refusal",
  anyErrorCorrectingTheClock:
    "the SDK retries any error whose Date moved the clock (clockSkewCorrected); here only the clock-skew codes are, because MTurk's RequestError is its final word on a request, whatever its Date",
};
