/** The pure decision core: outcome → action, the backoff, and the 23-hour rule. */
import { describe, expect, it } from "vitest";
import { MTurkError, RequestError, ServiceFault, TransportError, ValidationError } from "../../src/errors.js";
import {
  classifyFailure,
  decide,
  MAX_DELAY_SECONDS,
  pastTokenWindow,
  retryDelaySeconds,
  SETTLE_AFTER_MS,
  TOKEN_WINDOW_MS,
  type Outcome,
} from "../../src/queue/policy.js";

const HOUR = 60 * 60 * 1000;
const top = (): number => 0.999999;
const bottom = (): number => 0;

describe("decide", () => {
  const payment = { WorkerId: "A1", AssignmentId: "3A", BonusAmount: "1.00", Reason: "r", GrantTime: new Date(0) };

  it("acknowledges a bonus paid now, already granted, or found paid by read-back", () => {
    for (const outcome of [
      { kind: "paid", token: "t" },
      { kind: "alreadyGranted", token: "t" },
      { kind: "settled", token: "t", payment },
    ] as Outcome[]) {
      expect(decide(outcome, 1)).toEqual({ type: "ack" });
    }
  });

  it("dead-letters a definite refusal with its error, on any delivery", () => {
    const error = new RequestError({ message: "This Requester has insufficient funds" });
    expect(decide({ kind: "refused", token: "t", error }, 1)).toEqual({ type: "reject", error });
    expect(decide({ kind: "refused", token: undefined, error }, 9)).toEqual({ type: "reject", error });
  });

  it("redelivers an unsettled outcome later, never acknowledging it", () => {
    const action = decide(
      { kind: "failed", token: "t", error: new ServiceFault({ message: "x" }), throttled: false },
      1,
      {},
      top,
    );
    expect(action).toEqual({ type: "retry", delaySeconds: 5 });
  });
});

describe("classifyFailure", () => {
  it("refuses invalid bodies and MTurk's refusals of the bonus", () => {
    for (const error of [
      new ValidationError("BonusAmount", "is wrong", "rule"),
      new RequestError({ message: "Assignment does not exist" }),
      new MTurkError({
        name: "ParameterValidationError",
        message: "The value is not valid for the parameter WorkerId",
      }),
      new MTurkError({ name: "ValidationException", message: "1 validation error detected" }),
    ]) {
      expect(classifyFailure("t", error)).toEqual({ kind: "refused", token: "t", error });
    }
  });

  it("redelivers a refusal that follows an attempt whose outcome is unknown: only the same token can tell whether it paid", () => {
    const error = new RequestError({ message: "insufficient funds", outcomeUnknown: true });
    expect(classifyFailure("t", error)).toMatchObject({ kind: "failed", throttled: false });
  });

  it("redelivers server faults, lost answers, credential failures and plain exceptions", () => {
    for (const error of [
      new ServiceFault({ message: "x", $retryable: { throttling: false } }),
      new TransportError({ message: "socket hang up", code: "ECONNRESET", outcomeUnknown: true }),
      new MTurkError({
        name: "UnrecognizedClientException",
        message: "The security token included in the request is invalid",
      }),
      new TypeError("a bug"),
      "a string",
    ]) {
      expect(classifyFailure("t", error)).toMatchObject({ kind: "failed", throttled: false });
    }
  });

  it("marks throttling, so the batch slows down and the redelivery waits longer", () => {
    const error = new MTurkError({
      name: "ThrottlingException",
      message: "Rate exceeded",
      $retryable: { throttling: true },
    });
    expect(classifyFailure("t", error)).toMatchObject({ kind: "failed", throttled: true });
  });
});

describe("retryDelaySeconds", () => {
  it("doubles with each delivery from 5 s, in the upper half of its ceiling", () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, false, {}, top))).toEqual([5, 10, 20, 40]);
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, false, {}, bottom))).toEqual([3, 5, 10, 20]);
  });

  it("waits longer after throttling: from 30 s", () => {
    expect([1, 2, 3].map((n) => retryDelaySeconds(n, true, {}, top))).toEqual([30, 60, 120]);
    expect(retryDelaySeconds(1, true, {}, bottom)).toBeGreaterThan(retryDelaySeconds(1, false, {}, top));
  });

  it("is capped at maxDelaySeconds (900 by default), and never beyond Cloudflare's 12 hours", () => {
    expect(retryDelaySeconds(50, false, {}, top)).toBe(900);
    expect(retryDelaySeconds(1000, true, { maxDelaySeconds: 10 ** 9 }, top)).toBe(MAX_DELAY_SECONDS);
  });

  it("takes its bases from the options, and 0 means redeliver at once", () => {
    expect(retryDelaySeconds(3, false, { retryDelaySeconds: 2 }, top)).toBe(8);
    expect(retryDelaySeconds(3, true, { throttledDelaySeconds: 0 }, top)).toBe(0);
  });

  it("is a whole number of seconds for any attempt count, even a garbled one", () => {
    for (const attempts of [0, -1, 1, 7, 31, 1e6]) {
      const delay = retryDelaySeconds(attempts, false, {}, Math.random);
      expect(Number.isInteger(delay) && delay >= 0 && delay <= 900).toBe(true);
    }
  });
});

describe("pastTokenWindow (the 23-hour rule)", () => {
  const enqueued = Date.UTC(2026, 10, 1, 12);

  it("is one hour short of MTurk's 24-hour token window", () => {
    expect(TOKEN_WINDOW_MS).toBe(24 * HOUR);
    expect(SETTLE_AFTER_MS).toBe(23 * HOUR);
  });

  it("reads back from 23 hours after enqueueing, by the given clock", () => {
    expect(pastTokenWindow(enqueued, enqueued + 23 * HOUR - 1)).toBe(false);
    expect(pastTokenWindow(enqueued, enqueued + 23 * HOUR)).toBe(true);
    expect(pastTokenWindow(enqueued, enqueued + 25 * HOUR)).toBe(true);
    expect(pastTokenWindow(enqueued, enqueued + 2 * HOUR, HOUR)).toBe(true);
  });

  it("treats an unknown enqueue time as old: a read-back costs a call, a wrong guess could pay twice", () => {
    expect(pastTokenWindow(Number.NaN, enqueued)).toBe(true);
  });
});
