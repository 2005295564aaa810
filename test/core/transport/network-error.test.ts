/** Turning runtime network failures into TransportErrors, and deciding whether the request may have arrived. */
import { describe, expect, it } from "vitest";
import { networkErrorCode, toTransportError } from "../../../src/transport/network-error.js";

const withCode = (message: string, code: string, cause?: unknown) =>
  Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });

describe("networkErrorCode", () => {
  it("reads the error's own code", () => {
    expect(networkErrorCode(withCode("reset", "ECONNRESET"))).toBe("ECONNRESET");
  });

  it("reads a code from fetch's cause", () => {
    expect(
      networkErrorCode(new TypeError("fetch failed", { cause: withCode("other side closed", "UND_ERR_SOCKET") })),
    ).toBe("UND_ERR_SOCKET");
  });

  it("reads a code nested several causes deep", () => {
    const deep = new Error("a", {
      cause: new Error("b", { cause: new Error("c", { cause: withCode("d", "EPIPE") }) }),
    });
    expect(networkErrorCode(deep)).toBe("EPIPE");
  });

  it("stops on a cause cycle", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    a.cause = a;
    expect(networkErrorCode(a)).toBeUndefined();
  });

  it.each([undefined, "text", 5])("is undefined for %j", (value) => {
    expect(networkErrorCode(value)).toBeUndefined();
  });
});

describe("toTransportError", () => {
  it("names a timed-out fetch attempt TimeoutError with an unknown outcome", () => {
    const error = toTransportError(new DOMException("late", "TimeoutError"), 1234);
    expect(error.name, "error.name").toBe("TimeoutError");
    expect(error.code, "error.code").toBe("TimeoutError");
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    expect(error.message, "error.message").toBe("No complete answer within 1234 ms (the per-attempt timeout)");
  });

  it.each(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"])(
    "names undici's %s a TimeoutError with an unknown outcome",
    (code) => {
      const error = toTransportError(withCode("x", code), 50);
      expect(error.name, "error.name").toBe("TimeoutError");
      expect(error.code, "error.code").toEqual(code);
      expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    },
  );

  it.each(["UND_ERR_CONNECT_TIMEOUT", "CONNECT_TIMEOUT"])(
    "names a connect timeout (%s) a TimeoutError that sent nothing",
    (code) => {
      const error = toTransportError(withCode("x", code), 50);
      expect(error.name, "error.name").toBe("TimeoutError");
      expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(false);
    },
  );

  it.each([
    "ECONNREFUSED",
    "ENOTFOUND",
    "EAI_AGAIN",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "UND_ERR_CONNECT_TIMEOUT",
    "CONNECT_TIMEOUT",
  ])("knows nothing was sent on %s", (code) => {
    expect(toTransportError(withCode("x", code), 1).outcomeUnknown).toBe(false);
  });

  it.each(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "ETIMEDOUT"])(
    "says the request may have arrived on %s",
    (code) => {
      expect(toTransportError(withCode("x", code), 1).outcomeUnknown).toBe(true);
    },
  );

  it("says the request may have arrived when there is no code", () => {
    const error = toTransportError(new TypeError("Failed to fetch"), 1);
    expect(error.code, "error.code").toBe("NetworkError");
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
  });

  it("puts the cause's message in its own", () => {
    const error = toTransportError(
      new TypeError("fetch failed", { cause: withCode("other side closed", "UND_ERR_SOCKET") }),
      1,
    );
    expect(error.message).toBe("Network failure: fetch failed (other side closed)");
  });

  it("keeps the runtime's error as the cause", () => {
    const original = withCode("x", "ECONNRESET");
    expect(toTransportError(original, 1).cause).toBe(original);
  });
});
