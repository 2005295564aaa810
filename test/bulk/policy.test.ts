import { describe, expect, it } from "vitest";
import {
  AbortError,
  ClientDestroyedError,
  MTurkError,
  RequestError,
  ServiceFault,
  ThrottlingException,
  TimeoutError,
  TransportError,
  UnexpectedResponseError,
  ValidationError,
} from "../../src/errors.js";
import { classify, FATAL_NAMES, isInsufficientFunds, isThrottling, journaledError } from "../../src/bulk/policy.js";

const refused = (message: string, TurkErrorCode?: string, httpStatusCode = 400) =>
  new RequestError({
    message,
    ...(TurkErrorCode === undefined ? {} : { TurkErrorCode }),
    $metadata: { httpStatusCode },
  });

describe("the bulk error policy: what a failed call means for the run", () => {
  it("stops the run for lack of money on MTurk's insufficient-funds refusal, by code or by message", () => {
    expect(classify(refused("no", "AWS.MechanicalTurk.InsufficientFunds")), "by code").toBe("insufficient-funds");
    expect(classify(refused("This Requester has insufficient funds in their account")), "by message").toBe(
      "insufficient-funds",
    );
    expect(isInsufficientFunds(new Error("insufficient funds")), "not an MTurkError").toBe(false);
  });

  it("stops the run for anything that is not an MTurkError (a bug: what reached MTurk is unknown)", () => {
    expect(classify(new Error("boom"))).toBe("fatal");
    expect(classify("a string")).toBe("fatal");
  });

  it("stops the run for errors that would fail every row alike, and for any 401 or 403", () => {
    for (const name of FATAL_NAMES) expect(classify(new MTurkError({ name, message: "x" })), name).toBe("fatal");
    expect(classify(new ValidationError("BonusAmount", "is bad", "rule")), "ValidationError").toBe("fatal");
    expect(classify(new ClientDestroyedError()), "ClientDestroyedError").toBe("fatal");
    expect(classify(refused("who are you", undefined, 401)), "401").toBe("fatal");
    expect(classify(new MTurkError({ message: "forbidden", $metadata: { httpStatusCode: 403 } })), "403").toBe("fatal");
  });

  it("sends again later (same token) what may pass: throttling, 5xx, lost answers, unknown outcomes, answers that are not MTurk's", () => {
    expect(
      classify(new ThrottlingException({ message: "slow down", $retryable: { throttling: true } })),
      "throttling",
    ).toBe("retry");
    expect(classify(new ServiceFault({ message: "oops", $retryable: { throttling: false } })), "service fault").toBe(
      "retry",
    );
    expect(classify(new TransportError({ message: "reset", code: "ECONNRESET" })), "transport").toBe("retry");
    expect(classify(new TimeoutError({ message: "slow", code: "TimeoutError" })), "timeout").toBe("retry");
    expect(classify(new UnexpectedResponseError({ message: "html", excerpt: "<html>" })), "not MTurk's answer").toBe(
      "retry",
    );
    expect(classify(new MTurkError({ message: "?", outcomeUnknown: true })), "outcome unknown").toBe("retry");
  });

  it("fails only the row when MTurk refuses it for good", () => {
    expect(classify(refused("The assignment is not yours", "AWS.MechanicalTurk.AssignmentDoesNotExist"))).toBe("final");
    expect(classify(new AbortError({ message: "aborted" })), "an abort is the caller's, not the row's").toBe("final");
  });

  it("says when MTurk throttled, so the rate limiter slows down at once", () => {
    expect(isThrottling(new ThrottlingException({ message: "x", $retryable: { throttling: true } })), "throttled").toBe(
      true,
    );
    expect(isThrottling(new ServiceFault({ message: "x", $retryable: { throttling: false } })), "a 5xx").toBe(false);
    expect(isThrottling(new Error("x")), "not ours").toBe(false);
  });
});

describe("the journal form of an error", () => {
  it("keeps name, message, MTurk's code and whether the bonus may have been paid", () => {
    const error = refused("no", "AWS.MechanicalTurk.InsufficientFunds");
    expect(journaledError(error)).toEqual({
      name: "RequestError",
      message: "no",
      TurkErrorCode: "AWS.MechanicalTurk.InsufficientFunds",
      outcomeUnknown: false,
    });
    expect(
      journaledError(new MTurkError({ message: "lost", outcomeUnknown: true })).outcomeUnknown,
      "unknown outcome",
    ).toBe(true);
  });

  it("counts an error that is not an MTurkError as an unknown outcome: nothing says what reached MTurk", () => {
    expect(journaledError(new TypeError("bug"))).toEqual({ name: "TypeError", message: "bug", outcomeUnknown: true });
    expect(journaledError(42)).toEqual({ name: "Error", message: "42", outcomeUnknown: true });
  });
});
