/**
 * The verifier refuses what AWS refuses: tampered bodies, headers, dates,
 * scopes and keys, with the error type and wording AWS JSON services use.
 */
import { describe, expect, it } from "vitest";
import { verifyRequest, type ReceivedRequest, type VerifierConfig } from "../../src/simulator/sigv4.js";
import { signJsonPost } from "./helpers.js";

const NOW = Date.UTC(2026, 0, 15, 10, 0, 0);
const KEY = { accessKeyId: "AKIDTEST", secretAccessKey: "test/secret" };
const BODY = '{"WorkerId":"AWORKER1","BonusAmount":"1.00","AssignmentId":"A1","Reason":"r"}';
const CONFIG: VerifierConfig = { credentials: KEY, region: "us-east-1", service: "mturk-requester", now: NOW };

function signed(
  options: {
    now?: number;
    region?: string;
    service?: string;
    credentials?: typeof KEY & { sessionToken?: string };
  } = {},
): ReceivedRequest & { headers: Record<string, string> } {
  const headers = signJsonPost("127.0.0.1:8080", "MTurkRequesterServiceV20170117.SendBonus", BODY, {
    credentials: options.credentials ?? KEY,
    now: options.now ?? NOW,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.service === undefined ? {} : { service: options.service }),
  });
  return { method: "POST", url: "/", headers, body: BODY };
}

function refusal(request: ReceivedRequest, config: VerifierConfig = CONFIG): { type: string; message: string } {
  const verdict = verifyRequest(request, config);
  if (verdict.ok) throw new Error("expected the request to be refused");
  expect(verdict.error.status).toBe(400);
  return verdict.error;
}

describe("verifyRequest", () => {
  it("accepts a correctly signed request and names the key that signed it", () => {
    expect(verifyRequest(signed(), CONFIG)).toEqual({ ok: true, accessKeyId: "AKIDTEST" });
  });

  it("accepts a request signed 4 minutes ago", () => {
    expect(verifyRequest(signed({ now: NOW - 4 * 60_000 }), CONFIG).ok).toBe(true);
  });

  it("refuses a tampered body with InvalidSignatureException and the expected canonical request", () => {
    const error = refusal({ ...signed(), body: BODY.replace("1.00", "9.00") });
    expect(error.type).toBe("InvalidSignatureException");
    expect(error.message).toMatch(/^The request signature we calculated does not match the signature you provided\./);
    expect(error.message).toContain("The Canonical String for this request should have been\n'POST\n/\n");
  });

  it("refuses a tampered signed header", () => {
    const request = signed();
    request.headers["x-amz-target"] = "MTurkRequesterServiceV20170117.GetAccountBalance";
    expect(refusal(request).type).toBe("InvalidSignatureException");
  });

  it("refuses a tampered host", () => {
    const request = signed();
    request.headers.host = "127.0.0.1:9090";
    expect(refusal(request).type).toBe("InvalidSignatureException");
  });

  it("refuses a tampered X-Amz-Date", () => {
    const request = signed();
    request.headers["x-amz-date"] = request.headers["x-amz-date"]!.replace(/00Z$/, "01Z");
    expect(refusal(request).type).toBe("InvalidSignatureException");
  });

  it("refuses a signature made with the wrong secret", () => {
    const request = signed({ credentials: { ...KEY, secretAccessKey: "wrong" } });
    expect(refusal(request).message).toMatch(/does not match the signature you provided/);
  });

  it("refuses an unknown access key with UnrecognizedClientException", () => {
    const error = refusal(signed({ credentials: { accessKeyId: "AKIDOTHER", secretAccessKey: "x" } }));
    expect(error).toEqual({
      status: 400,
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    });
  });

  it("refuses a scope naming another region", () => {
    expect(refusal(signed({ region: "eu-west-1" }))).toMatchObject({
      type: "InvalidSignatureException",
      message: "Credential should be scoped to a valid region. ",
    });
  });

  it("refuses a scope naming another service", () => {
    expect(refusal(signed({ service: "dynamodb" }))).toMatchObject({
      type: "InvalidSignatureException",
      message: "Credential should be scoped to correct service: 'mturk-requester'. ",
    });
  });

  it("refuses a scope whose date is not the X-Amz-Date's day", () => {
    const request = signed();
    request.headers.authorization = request.headers.authorization!.replace("/20260115/", "/20260114/");
    expect(refusal(request).message).toMatch(/^Date in Credential scope does not match YYYYMMDD/);
  });

  it("refuses a scope with the wrong terminator", () => {
    const request = signed();
    request.headers.authorization = request.headers.authorization!.replace("/aws4_request", "/aws5_request");
    expect(refusal(request).message).toMatch(/valid terminator: 'aws4_request', not 'aws5_request'/);
  });

  it("refuses a request signed more than 5 minutes ago as 'Signature expired'", () => {
    expect(refusal(signed({ now: NOW - 6 * 60_000 }))).toEqual({
      status: 400,
      type: "InvalidSignatureException",
      message: "Signature expired: 20260115T095400Z is now earlier than 20260115T095500Z (20260115T100000Z - 5 min.)",
    });
  });

  it("refuses a request signed more than 5 minutes ahead as 'Signature not yet current'", () => {
    expect(refusal(signed({ now: NOW + 6 * 60_000 })).message).toBe(
      "Signature not yet current: 20260115T100600Z is still later than 20260115T100500Z (20260115T100000Z + 5 min.)",
    );
  });

  it("honours a custom clock window", () => {
    expect(verifyRequest(signed({ now: NOW - 6 * 60_000 }), { ...CONFIG, maxSkewMs: 10 * 60_000 }).ok).toBe(true);
  });

  it("answers MissingAuthenticationTokenException when there is no Authorization header", () => {
    const request = signed();
    delete request.headers.authorization;
    expect(refusal(request)).toMatchObject({ type: "MissingAuthenticationTokenException" });
  });

  it("answers IncompleteSignatureException when the Authorization header lacks a part", () => {
    const request = signed();
    request.headers.authorization = request.headers.authorization!.replace(/, Signature=[0-9a-f]+/, "");
    expect(refusal(request)).toMatchObject({
      type: "IncompleteSignatureException",
      message: "Authorization header requires 'Signature' parameter.",
    });
  });

  it("answers IncompleteSignatureException when X-Amz-Date is missing", () => {
    const request = signed();
    delete request.headers["x-amz-date"];
    expect(refusal(request).type).toBe("IncompleteSignatureException");
  });

  it("refuses a signature that does not cover host", () => {
    const request = signed();
    request.headers.authorization = request.headers.authorization!.replace(
      "SignedHeaders=content-type;host;",
      "SignedHeaders=content-type;",
    );
    expect(refusal(request).message).toBe("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it("refuses an x-amz-content-sha256 that does not match the body", () => {
    const request = signed();
    request.headers["x-amz-content-sha256"] = "0".repeat(64);
    expect(refusal(request).message).toMatch(/x-amz-content-sha256/);
  });

  describe("with session credentials", () => {
    const session = { ...KEY, sessionToken: "session-token-value" };
    const config = { ...CONFIG, credentials: session };

    it("accepts a request carrying the signed token", () => {
      expect(verifyRequest(signed({ credentials: session }), config).ok).toBe(true);
    });

    it("refuses a request without the token", () => {
      expect(refusal(signed(), config).type).toBe("UnrecognizedClientException");
    });

    it("refuses a request with another token", () => {
      const request = signed({ credentials: { ...KEY, sessionToken: "other" } });
      expect(refusal(request, config).type).toBe("UnrecognizedClientException");
    });

    it("refuses a token added after signing", () => {
      const request = signed();
      request.headers["x-amz-security-token"] = "session-token-value";
      expect(refusal(request, config).message).toMatch(/'X-Amz-Security-Token' must be a 'SignedHeader'/);
    });

    it("keeps the token out of the mismatch message", () => {
      const request = { ...signed({ credentials: session }), body: "{}" };
      const error = refusal(request, config);
      expect(error.message).toContain("x-amz-security-token:<redacted>");
      expect(error.message).not.toContain("session-token-value");
    });
  });

  it("refuses a token from a client whose key has none", () => {
    const request = signed({ credentials: { ...KEY, sessionToken: "unexpected" } });
    expect(refusal(request).type).toBe("UnrecognizedClientException");
  });
});
