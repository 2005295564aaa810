/** The call's context becomes part of the error a call ends with, in one place. */
import { describe, expect, it } from "vitest";
import { abortError, callError, callMetadata, type CallContext } from "../../src/call-context.js";
import { AbortError, RequestError } from "../../src/errors.js";
import type { WireResponse } from "../../src/transport/types.js";

const answer = (status: number, requestId: string): WireResponse => ({
  status,
  body: "",
  header: (name) => (name === "x-amzn-requestid" ? requestId : undefined),
});
const context = (fields: Partial<CallContext> = {}): CallContext => ({
  attempts: 2,
  totalRetryDelay: 150,
  outcomeUnknown: false,
  token: undefined,
  clockCorrected: false,
  ...fields,
});

describe("callMetadata", () => {
  it("holds the call's attempts and waits, and the latest answer's status and request id", () => {
    expect(callMetadata(context({ response: answer(400, "r-2") }))).toEqual({
      attempts: 2,
      totalRetryDelay: 150,
      httpStatusCode: 400,
      requestId: "r-2",
    });
  });

  it("holds no status when the latest attempt got no answer", () => {
    expect(callMetadata(context())).toEqual({ attempts: 2, totalRetryDelay: 150 });
  });
});

describe("callError", () => {
  it("gives the attempt's error the call's metadata, outcome verdict and token, keeping its own fields", () => {
    const error = new RequestError({
      message: "refused",
      TurkErrorCode: "AWS.X",
      $metadata: { httpStatusCode: 400, requestId: "r-2" },
    });
    const final = callError(error, context({ outcomeUnknown: true, token: "t-1" }));
    expect(final, "the same error, not a copy").toBe(error);
    expect(final.$metadata, "metadata").toEqual({
      attempts: 2,
      totalRetryDelay: 150,
      httpStatusCode: 400,
      requestId: "r-2",
    });
    expect(final.outcomeUnknown, "outcomeUnknown").toBe(true);
    expect(final.UniqueRequestToken, "token").toBe("t-1");
    expect(final.TurkErrorCode, "TurkErrorCode").toBe("AWS.X");
  });

  it("adds no token to the error of a call without one", () => {
    expect(Object.hasOwn(callError(new RequestError({ message: "m" }), context()), "UniqueRequestToken")).toBe(false);
  });

  it("appends a settling note to the message", () => {
    expect(callError(new RequestError({ message: "refused" }), context(), " (note)").message).toBe("refused (note)");
  });
});

describe("abortError", () => {
  it("says the bonus may have been paid when an attempt may have reached MTurk, and carries the token and the reason", () => {
    const reason = new Error("caller gave up");
    const error = abortError(reason, context({ outcomeUnknown: true, token: "t-1" }));
    expect(error, "class").toBeInstanceOf(AbortError);
    expect(error.message, "message").toBe(
      "The call was aborted after 2 attempt(s); the bonus may have been paid, so retry with the same UniqueRequestToken",
    );
    expect(error.$metadata, "metadata").toEqual({ attempts: 2, totalRetryDelay: 150 });
    expect(error.UniqueRequestToken, "token").toBe("t-1");
    expect(error.cause, "cause").toBe(reason);
  });
});
