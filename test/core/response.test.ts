/** Parsing answers without a network: code sanitizing, excerpts, request ids, and the parse result. */
import { describe, expect, it } from "vitest";
import { MTurkError, RequestError, ServiceFault, UnexpectedResponseError } from "../../src/errors.js";
import { excerptOf, parseResponse, requestIdOf, sanitizeErrorCode } from "../../src/response.js";
import type { WireResponse } from "../../src/transport/types.js";

const identity = (text: string): string => text;

function wire(status: number, body: string, headers: Record<string, string> = {}): WireResponse {
  return { status, body, header: (name) => headers[name] };
}

describe("sanitizeErrorCode", () => {
  it.each([
    ["FooError", "FooError"],
    ["FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"],
    ["aws.protocoltests.restjson#FooError", "FooError"],
    ["aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"],
    [" RequestError ", "RequestError"],
  ])("reads %s as %s", (raw, code) => {
    expect(sanitizeErrorCode(raw)).toBe(code);
  });
});

describe("excerptOf", () => {
  it("folds whitespace onto one line", () => {
    expect(excerptOf("<html>\n  <h1>502</h1>\n</html>\n")).toBe("<html> <h1>502</h1> </html>");
  });

  it("cuts at 200 characters with an ellipsis", () => {
    expect(excerptOf("x".repeat(300))).toBe(`${"x".repeat(200)}…`);
  });
});

describe("requestIdOf", () => {
  it.each(["x-amzn-requestid", "x-amzn-request-id", "x-amz-request-id"])("reads %s", (name) => {
    expect(requestIdOf(wire(200, "", { [name]: "id-1" }))).toBe("id-1");
  });

  it("prefers x-amzn-requestid", () => {
    expect(requestIdOf(wire(200, "", { "x-amzn-requestid": "a", "x-amz-request-id": "b" }))).toBe("a");
  });
});

describe("parseResponse", () => {
  it("returns the data of a 2xx JSON object", () => {
    expect(parseResponse(wire(200, '{"AvailableBalance":"1.00"}'), identity)).toEqual({
      ok: true,
      data: { AvailableBalance: "1.00" },
    });
  });

  it("returns empty data for an empty 2xx body", () => {
    expect(parseResponse(wire(200, "  "), identity)).toEqual({ ok: true, data: {} });
  });

  it.each(["{}", "  ", '{"NextToken":"real","BonusPayments":[{}]}'])(
    "reads nothing inherited from a 2xx answer %j, even with Object.prototype polluted",
    (body) => {
      const polluted = Object.prototype as Record<string, unknown>;
      polluted.NextToken = "inherited";
      polluted.AvailableBalance = "999.00";
      try {
        const parsed = parseResponse(wire(200, body), identity);
        if (!parsed.ok) throw parsed.error;
        expect(parsed.data.AvailableBalance).toBeUndefined();
        expect(parsed.data.NextToken).toBe(body.includes("real") ? "real" : undefined);
        const payments = parsed.data.BonusPayments as Record<string, unknown>[] | undefined;
        if (payments !== undefined) expect(payments[0]!.NextToken).toBeUndefined();
      } finally {
        delete polluted.NextToken;
        delete polluted.AvailableBalance;
      }
    },
  );

  it("makes a RequestError with TurkErrorCode and status", () => {
    const parsed = parseResponse(
      wire(400, '{"__type":"RequestError","Message":"m","TurkErrorCode":"AWS.X"}', { "x-amzn-requestid": "r" }),
      identity,
    );
    const error = parsed.ok ? undefined : parsed.error;
    expect(error).toBeInstanceOf(RequestError);
    expect(error?.toJSON()).toMatchObject({
      TurkErrorCode: "AWS.X",
      $fault: "client",
      $metadata: { httpStatusCode: 400, requestId: "r" },
    });
  });

  it("makes a ServiceFault even with a non-5xx status, with an unknown outcome", () => {
    const parsed = parseResponse(wire(400, '{"__type":"ServiceFault"}'), identity);
    const error = parsed.ok ? undefined : parsed.error;
    expect(error, "error class").toBeInstanceOf(ServiceFault);
    expect(error?.outcomeUnknown, "error?.outcomeUnknown").toBe(true);
  });

  it("ignores a non-string code and falls back to __type", () => {
    const parsed = parseResponse(wire(400, '{"code":42,"__type":"RequestError"}'), identity);
    expect(parsed.ok ? undefined : parsed.error.name).toBe("RequestError");
  });

  it("makes an empty-bodied error without a code an UnexpectedResponseError saying so", () => {
    const parsed = parseResponse(wire(503, ""), identity);
    const error = parsed.ok ? undefined : parsed.error;
    expect(error, "error class").toBeInstanceOf(UnexpectedResponseError);
    expect(error?.message, "error?.message").toBe("HTTP 503 without an AWS error code and an empty body");
  });

  it("never throws on garbage", () => {
    for (const body of ["\u0000\u0001", "{", "null", '"str"', "[]", "<", "{}}"]) {
      for (const status of [200, 400, 500]) {
        const parsed = parseResponse(wire(status, body), identity);
        if (!parsed.ok) expect(parsed.error).toBeInstanceOf(MTurkError);
      }
    }
  });

  it("reads the body's code when X-Amzn-ErrorType is empty", () => {
    const parsed = parseResponse(
      wire(400, '{"__type":"RequestError","Message":"m"}', { "x-amzn-errortype": "" }),
      identity,
    );
    expect(parsed.ok ? undefined : parsed.error.name).toBe("RequestError");
  });

  it("passes text through the redactor", () => {
    const parsed = parseResponse(wire(400, '{"__type":"RequestError","Message":"key SECRET here"}'), (t) =>
      t.replace("SECRET", "[R]"),
    );
    expect(parsed.ok ? undefined : parsed.error.message).toBe("key [R] here");
  });
});
