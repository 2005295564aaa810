/** The retry policy: classification, backoff, Retry-After, budget, the strategy that decides with them, clock offset, sleep. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  MTurkError,
  RequestError,
  ServiceFault,
  TransportError,
  UnexpectedResponseError,
  ValidationError,
} from "../../src/errors.js";
import {
  backoffDelay,
  clockOffset,
  MAX_DELAY_MS,
  RETRY_BUDGET_CAPACITY,
  retryAfterMs,
  retryKind,
  RetryBudget,
  RetryStrategy,
  sleep,
  THROTTLING_CODES,
} from "../../src/retry.js";

const answer = (name: string, status: number, message = "m") =>
  new MTurkError({ name, message, $metadata: { httpStatusCode: status } });

describe("retryKind", () => {
  it.each([...THROTTLING_CODES])("classifies %s as throttling", (code) => {
    expect(retryKind(answer(code, 400))).toBe("throttling");
  });

  it("classifies any 429 as throttling", () => {
    expect(retryKind(answer("Whatever", 429))).toBe("throttling");
  });

  it.each([500, 502, 503, 504])("classifies HTTP %i as transient", (status) => {
    expect(retryKind(answer("Unknown", status))).toBe("transient");
  });

  it.each([501, 505, 400, 403, 404])("does not retry HTTP %i without a retryable code", (status) => {
    expect(retryKind(answer("Unknown", status))).toBeUndefined();
  });

  it("classifies a ServiceFault as transient whatever its status", () => {
    expect(retryKind(new ServiceFault({ message: "m", $metadata: { httpStatusCode: 400 } }))).toBe("transient");
  });

  it("classifies every TransportError as transient", () => {
    expect(retryKind(new TransportError({ code: "ECONNREFUSED", message: "m" }))).toBe("transient");
  });

  it("does not retry a RequestError", () => {
    expect(retryKind(new RequestError({ message: "m", $metadata: { httpStatusCode: 400 } }))).toBeUndefined();
  });

  it("does not retry a ValidationError", () => {
    expect(retryKind(new ValidationError("f", "is bad", "rule"))).toBeUndefined();
  });

  it("retries an unreadable 2xx as transient", () => {
    expect(
      retryKind(new UnexpectedResponseError({ message: "m", excerpt: "", $metadata: { httpStatusCode: 200 } })),
    ).toBe("transient");
  });

  it("does not retry an unreadable 4xx", () => {
    expect(
      retryKind(new UnexpectedResponseError({ message: "m", excerpt: "", $metadata: { httpStatusCode: 403 } })),
    ).toBeUndefined();
  });

  it.each([
    ["InvalidSignatureException", "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z"],
    [
      "RequestTimeTooSkewed",
      "The difference between the request time and the current time is too large (time too skewed)",
    ],
    ["SignatureDoesNotMatch", "Signature not yet current: 20150830T123600Z is still later than 20150830T122400Z"],
    ["RequestExpired", "Request has expired."],
  ])("classifies %s about the clock as clock skew", (code, message) => {
    expect(retryKind(answer(code, 403, message))).toBe("clockSkew");
  });

  it("does not retry an InvalidSignatureException for a wrong key", () => {
    expect(
      retryKind(answer("InvalidSignatureException", 403, "The request signature we calculated does not match")),
    ).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  const half = () => 0.5;

  it("draws from [0, 100 ms) for the first transient retry", () => {
    expect([
      backoffDelay("transient", 0, () => 0),
      backoffDelay("transient", 0, half),
      backoffDelay("transient", 0, () => 0.999999),
    ]).toEqual([0, 50, 99]);
  });

  it("draws from [0, 500 ms) for the first throttling retry", () => {
    expect(backoffDelay("throttling", 0, half)).toBe(250);
  });

  it("doubles the ceiling with each retry", () => {
    expect([1, 2, 3].map((retry) => backoffDelay("transient", retry, half))).toEqual([100, 200, 400]);
  });

  it("caps the ceiling at 20 s", () => {
    expect([backoffDelay("transient", 30, () => 0.999999), backoffDelay("throttling", 1000, half)]).toEqual([
      19999, 10000,
    ]);
  });

  it("never waits for a clock-skew retry", () => {
    expect(backoffDelay("clockSkew", 3, half)).toBe(0);
  });

  it("has a 20 s cap", () => {
    expect(MAX_DELAY_MS).toBe(20_000);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const headers = (h: Record<string, string>) => (name: string) => h[name];

  it("reads x-amz-retry-after as milliseconds", () => {
    expect(retryAfterMs(headers({ "x-amz-retry-after": "1500" }), now)).toBe(1500);
  });

  it("reads Retry-After seconds", () => {
    expect(retryAfterMs(headers({ "retry-after": " 3 " }), now)).toBe(3000);
  });

  it("reads a Retry-After HTTP date relative to now", () => {
    expect(retryAfterMs(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:07 GMT" }), now)).toBe(7000);
  });

  it("reads a past Retry-After date as no wait", () => {
    expect(retryAfterMs(headers({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now)).toBe(0);
  });

  it("prefers Retry-After when both are sent, as the AWS SDK for JavaScript does", () => {
    expect(retryAfterMs(headers({ "x-amz-retry-after": "10", "retry-after": "5" }), now)).toBe(5000);
  });

  it("falls back to Retry-After when x-amz-retry-after is malformed", () => {
    expect(retryAfterMs(headers({ "x-amz-retry-after": "-5", "retry-after": "2" }), now)).toBe(2000);
  });

  it.each(["", "soon", "-1", "Invalid Date GMT"])("ignores Retry-After %j", (value) => {
    expect(retryAfterMs(headers({ "retry-after": value }), now)).toBeUndefined();
  });

  it("returns undefined without either header", () => {
    expect(retryAfterMs(headers({}), now)).toBeUndefined();
  });
});

describe("RetryBudget", () => {
  it("starts with 500 tokens", () => {
    expect(new RetryBudget().remaining).toBe(RETRY_BUDGET_CAPACITY);
  });

  it("charges 5 per throttling retry and 10 per transient or clock retry", () => {
    const budget = new RetryBudget();
    expect(budget.acquire("throttling"), 'budget.acquire("throttling")').toBe(5);
    expect(budget.acquire("transient"), 'budget.acquire("transient")').toBe(10);
    expect(budget.acquire("clockSkew"), 'budget.acquire("clockSkew")').toBe(10);
    expect(budget.remaining, "budget.remaining").toBe(475);
  });

  it("refuses a retry it cannot pay for", () => {
    const budget = new RetryBudget(14);
    budget.acquire("transient");
    expect(budget.acquire("transient"), 'budget.acquire("transient")').toBe(undefined);
    expect(budget.remaining, "budget.remaining").toBe(4);
  });

  it("still pays a cheaper throttling retry when a transient one is refused", () => {
    const budget = new RetryBudget(9);
    expect([budget.acquire("transient"), budget.acquire("throttling")]).toEqual([undefined, 5]);
  });

  it("refunds the last retry's cost on success", () => {
    const budget = new RetryBudget();
    budget.acquire("transient");
    budget.acquire("transient");
    budget.release(10);
    expect(budget.remaining).toBe(490);
  });

  it("adds 1 for a success without retries", () => {
    const budget = new RetryBudget();
    budget.acquire("throttling");
    budget.release(undefined);
    expect(budget.remaining).toBe(496);
  });

  it("never exceeds its capacity", () => {
    const budget = new RetryBudget();
    budget.release(10);
    expect(budget.remaining).toBe(500);
  });
});

describe("RetryStrategy", () => {
  beforeEach(() => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const noAnswer = { header: undefined, clockCorrected: false };
  const transient = answer("ServiceFault", 500);
  const throttled = answer("ThrottlingException", 400);
  const refusal = answer("RequestError", 400);
  const skewed = answer(
    "InvalidSignatureException",
    403,
    "Signature expired: 20260101T000000Z is now earlier than 20260101T000600Z",
  );
  const answerWith = (headers: Record<string, string>) => (name: string) => headers[name];

  it("retries a transient failure after the backoff, at the budget's transient cost", () => {
    const strategy = new RetryStrategy(3);
    expect(strategy.decide({ error: transient, attempts: 1, ...noAnswer })).toEqual({
      retry: true,
      delayMs: 50,
      cost: 10,
    });
  });

  it("stops a failure that is not retryable, without charging the budget", () => {
    const budget = new RetryBudget();
    const strategy = new RetryStrategy(3, budget);
    expect(strategy.decide({ error: refusal, attempts: 1, ...noAnswer }), "decision").toEqual({
      retry: false,
      reason: "not-retryable",
    });
    expect(budget.remaining, "budget").toBe(RETRY_BUDGET_CAPACITY);
  });

  it("stops after the last allowed attempt", () => {
    expect(new RetryStrategy(2).decide({ error: transient, attempts: 2, ...noAnswer })).toEqual({
      retry: false,
      reason: "max-attempts",
    });
  });

  it("waits as long as the server's Retry-After when that is longer than the backoff", () => {
    const strategy = new RetryStrategy(3);
    expect(
      strategy.decide({
        error: throttled,
        attempts: 1,
        header: answerWith({ "retry-after": "2" }),
        clockCorrected: false,
      }),
    ).toEqual({ retry: true, delayMs: 2000, cost: 5 });
  });

  it("stops when the server asks for a wait beyond the longest it would take", () => {
    const strategy = new RetryStrategy(3);
    const header = answerWith({ "retry-after": String(MAX_DELAY_MS / 1000 + 1) });
    expect(strategy.decide({ error: throttled, attempts: 1, header, clockCorrected: false })).toEqual({
      retry: false,
      reason: "retry-after",
    });
  });

  it("retries a clock-skew refusal at once only when the signing clock moved", () => {
    const strategy = new RetryStrategy(3);
    expect(
      strategy.decide({ error: skewed, attempts: 1, header: undefined, clockCorrected: false }),
      "clock unchanged",
    ).toEqual({ retry: false, reason: "clock" });
    expect(
      strategy.decide({ error: skewed, attempts: 1, header: undefined, clockCorrected: true }),
      "clock corrected",
    ).toEqual({ retry: true, delayMs: 0, cost: 10 });
  });

  it("stops when its budget cannot pay, and pays back on success", () => {
    const budget = new RetryBudget(10);
    const strategy = new RetryStrategy(5, budget);
    const first = strategy.decide({ error: transient, attempts: 1, ...noAnswer });
    expect(strategy.decide({ error: transient, attempts: 2, ...noAnswer }), "second retry").toEqual({
      retry: false,
      reason: "budget",
    });
    strategy.succeeded(first.retry ? first.cost : undefined);
    expect(budget.remaining, "budget after the success").toBe(10);
  });
});

describe("clockOffset", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("learns the offset when the server is an hour ahead", () => {
    expect(clockOffset("Thu, 01 Jan 2026 01:00:00 GMT", now, 0)).toBe(3_600_000);
  });

  it("learns a negative offset", () => {
    expect(clockOffset("Wed, 31 Dec 2025 23:50:00 GMT", now, 0)).toBe(-600_000);
  });

  it("keeps the offset when the server is within five minutes", () => {
    expect(clockOffset("Thu, 01 Jan 2026 00:04:59 GMT", now, 0)).toBe(0);
  });

  it("keeps an offset that already corrects the clock", () => {
    expect(clockOffset("Thu, 01 Jan 2026 01:00:01 GMT", now, 3_600_000)).toBe(3_600_000);
  });

  it.each([undefined, "garbage"])("keeps the offset for the Date %j", (date) => {
    expect(clockOffset(date, now, 42)).toBe(42);
  });
});

describe("sleep", () => {
  it("resolves after the wait", async () => {
    await expect(sleep(1, undefined)).resolves.toBeUndefined();
  });

  it("resolves at once for 0 ms", async () => {
    await expect(sleep(0, new AbortController().signal)).resolves.toBeUndefined();
  });

  it("rejects with the reason of an already-aborted signal", async () => {
    await expect(sleep(10, AbortSignal.abort("why"))).rejects.toBe("why");
  });

  it("rejects as soon as the signal aborts", { timeout: 2_000 }, async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort("stop");
    await expect(waiting).rejects.toBe("stop");
  });
});
