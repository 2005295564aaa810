/**
 * Every error form, for both transports: where the code is read from, how
 * it is sanitized, which class it becomes, and what the error carries
 * ($fault, $metadata, $retryable, UniqueRequestToken, outcomeUnknown).
 */
import { describe, expect, it } from "vitest";
import { MTurkError, RequestError, ServiceFault, UnexpectedResponseError } from "../../src/errors.js";
import { alreadyProcessed, awsError, bonusInput, TOKEN } from "./helpers/fixtures.js";
import { TRANSPORTS, useFakeMTurk, type Reply } from "./helpers/fake-mturk.js";

const JSON_TYPE = { "content-type": "application/x-amz-json-1.1" };

describe.each(TRANSPORTS)("errors over %s", (transport) => {
  const mturk = useFakeMTurk(transport);

  /** Sends one bonus with retries off and returns what it threw. */
  async function failure(reply: Reply): Promise<MTurkError> {
    mturk.reply(reply);
    const error = await mturk
      .client({ maxAttempts: 1 })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e);
    if (!(error instanceof MTurkError)) throw new Error(`expected an MTurkError, got ${String(error)}`);
    return error;
  }

  describe("where the code is read", () => {
    it("reads the code from X-Amzn-ErrorType before the body", async () => {
      const error = await failure({
        status: 400,
        headers: { ...JSON_TYPE, "x-amzn-errortype": "RequestError" },
        body: '{"__type":"ServiceFault","Message":"m"}',
      });
      expect(error).toBeInstanceOf(RequestError);
    });

    it("reads the body's code before __type", async () => {
      const error = await failure({
        status: 400,
        headers: JSON_TYPE,
        body: '{"code":"RequestError","__type":"ServiceFault","Message":"m"}',
      });
      expect(error).toBeInstanceOf(RequestError);
    });

    it("reads __type when there is no header and no code", async () => {
      const error = await failure({ status: 400, headers: JSON_TYPE, body: '{"__type":"RequestError","Message":"m"}' });
      expect(error).toBeInstanceOf(RequestError);
    });

    it("reads a code from the header even when the body is not JSON", async () => {
      const error = await failure({
        status: 400,
        headers: { "x-amzn-errortype": "RequestError" },
        body: "<html>nope</html>",
      });
      expect(error).toBeInstanceOf(RequestError);
    });
  });

  describe.each([
    "RequestError",
    "com.amazonaws.mturk#RequestError",
    "RequestError:http://internal.amazon.com/coral/com.amazon.coral.validate/",
    "com.amazonaws.mturk#RequestError:http://internal.amazon.com/coral/com.amazon.coral.validate/",
  ])("the code %s", (code) => {
    it("maps to RequestError from __type", async () => {
      const error = await failure(awsError(400, code, "Assignment does not exist. (1698330947012 s)"));
      expect(error, "error class").toBeInstanceOf(RequestError);
      expect(error.name, "error.name").toBe("RequestError");
    });

    it("maps to RequestError from X-Amzn-ErrorType", async () => {
      const error = await failure({ status: 400, headers: { "x-amzn-errortype": code }, body: "{}" });
      expect(error, "error class").toBeInstanceOf(RequestError);
      expect(error.name, "error.name").toBe("RequestError");
    });
  });

  it("maps ServiceFault (any form) to the ServiceFault class", async () => {
    const error = await failure(awsError(500, "com.amazonaws.mturk#ServiceFault:http://internal", "try again"));
    expect(error, "error class").toBeInstanceOf(ServiceFault);
    expect(error.name, "error.name").toBe("ServiceFault");
    expect(error.$fault, "error.$fault").toBe("server");
  });

  it("takes the message from Message", async () => {
    const error = await failure(awsError(400, "RequestError", "Assignment [X] does not exist."));
    expect(error.message).toBe("Assignment [X] does not exist.");
  });

  it("takes the message from lower-case message", async () => {
    const error = await failure({
      status: 400,
      headers: JSON_TYPE,
      body: '{"__type":"RequestError","message":"lower case"}',
    });
    expect(error.message).toBe("lower case");
  });

  it("prefers Message over message", async () => {
    const error = await failure({
      status: 400,
      headers: JSON_TYPE,
      body: '{"__type":"RequestError","Message":"upper","message":"lower"}',
    });
    expect(error.message).toBe("upper");
  });

  it("names the status and code when there is no message", async () => {
    const error = await failure({ status: 400, headers: JSON_TYPE, body: '{"__type":"RequestError"}' });
    expect(error.message).toBe("HTTP 400 RequestError");
  });

  it("copies TurkErrorCode", async () => {
    const error = await failure(
      awsError(400, "RequestError", "no money", { TurkErrorCode: "AWS.MechanicalTurk.InsufficientFunds" }),
    );
    expect(error.TurkErrorCode).toBe("AWS.MechanicalTurk.InsufficientFunds");
  });

  describe.each([
    [400, "ValidationException"],
    [400, "ParameterValidationError"],
    [403, "InvalidSignatureException"],
    [400, "SomethingNobodyHasSeenYet"],
  ])("an answer %i %s", (status, code) => {
    it("becomes a plain MTurkError whose name is the code", async () => {
      const error = await failure(awsError(status, `com.amazonaws.mturk#${code}`, "message"));
      expect(error.constructor, "error.constructor").toEqual(MTurkError);
      expect(error.name, "error.name").toEqual(code);
    });

    it("is a client fault", async () => {
      const error = await failure(awsError(status, code, "message"));
      expect(error.$fault).toBe("client");
    });
  });

  it("makes an unknown 5xx code a server fault", async () => {
    const error = await failure(awsError(503, "SomethingNew", "down"));
    expect(error.name, "error.name").toBe("SomethingNew");
    expect(error.$fault, "error.$fault").toBe("server");
  });

  describe.each<[string, Reply]>([
    ["an empty 500", { status: 500, body: "" }],
    ["an empty 400", { status: 400, body: "" }],
    ["a non-JSON 400", { status: 400, body: "Bad Request" }],
    ["a truncated JSON 400", { status: 400, headers: JSON_TYPE, body: '{"__type":"RequestEr' }],
    [
      "an HTML 502",
      {
        status: 502,
        headers: { "content-type": "text/html" },
        body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
      },
    ],
    ["a JSON array 500", { status: 500, headers: JSON_TYPE, body: "[1,2,3]" }],
    ["a 200 HTML page", { status: 200, headers: { "content-type": "text/html" }, body: "<html>captive portal</html>" }],
    ["a truncated 200", { status: 200, headers: JSON_TYPE, body: '{"Available' }],
  ])("%s", (_label, reply) => {
    it("becomes an UnexpectedResponseError", async () => {
      expect(await failure(reply)).toBeInstanceOf(UnexpectedResponseError);
    });

    it("carries the status", async () => {
      const error = await failure(reply);
      expect(error.$metadata.httpStatusCode).toBe("status" in reply ? reply.status : undefined);
    });

    it("quotes the body in its excerpt", async () => {
      const error = (await failure(reply)) as UnexpectedResponseError;
      expect(error.excerpt).toBe("body" in reply ? (reply.body ?? "").trim() : "");
    });
  });

  it("keeps the excerpt of a large body short", async () => {
    const error = (await failure({
      status: 502,
      body: `<html>${"x".repeat(50_000)}</html>`,
    })) as UnexpectedResponseError;
    expect(error.excerpt.length).toBeLessThanOrEqual(201);
    expect(error.message.length).toBeLessThan(400);
  });

  it("puts the UniqueRequestToken on errors thrown by sendBonus", async () => {
    const error = await failure(awsError(400, "RequestError", "no"));
    expect(error.UniqueRequestToken).toBe(TOKEN);
  });

  it("puts the generated UniqueRequestToken on errors when none was given", async () => {
    mturk.reply(awsError(400, "RequestError", "no"));
    const { UniqueRequestToken: _omit, ...input } = bonusInput();
    const error = (await mturk
      .client({ maxAttempts: 1 })
      .sendBonus(input)
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.UniqueRequestToken).toBe(JSON.parse(mturk.requests[0]!.body).UniqueRequestToken);
  });

  it("puts attempts, delay, status and request id in $metadata", async () => {
    const error = await failure(awsError(400, "RequestError", "no"));
    expect(error.$metadata).toEqual({
      attempts: 1,
      totalRetryDelay: 0,
      httpStatusCode: 400,
      requestId: "req-400-RequestError",
    });
  });

  it("reads the request id from x-amzn-request-id when x-amzn-requestid is absent", async () => {
    const error = await failure({
      status: 400,
      headers: { "x-amzn-request-id": "alt-id" },
      body: '{"__type":"RequestError"}',
    });
    expect(error.$metadata.requestId).toBe("alt-id");
  });

  it("does not retry a RequestError", async () => {
    mturk.reply(awsError(400, "RequestError", "no"));
    await expect(mturk.client({ maxAttempts: 5 }).sendBonus(bonusInput())).rejects.toBeInstanceOf(RequestError);
    expect(mturk.requests).toHaveLength(1);
  });

  it.each(["ValidationException", "ParameterValidationError", "SomethingNobodyHasSeenYet"])(
    "does not retry %s",
    async (code) => {
      mturk.reply(awsError(400, code, "no"));
      await expect(mturk.client({ maxAttempts: 5 }).sendBonus(bonusInput())).rejects.toThrow();
      expect(mturk.requests).toHaveLength(1);
    },
  );

  it("does not retry an InvalidSignatureException for a wrong key", async () => {
    mturk.reply(
      awsError(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided.",
      ),
    );
    await expect(mturk.client({ maxAttempts: 5 }).sendBonus(bonusInput())).rejects.toThrow(/does not match/);
    expect(mturk.requests).toHaveLength(1);
  });

  it("leaves $retryable unset on a RequestError", async () => {
    expect((await failure(awsError(400, "RequestError", "no"))).$retryable).toBeUndefined();
  });

  it("marks a ServiceFault $retryable, not throttling", async () => {
    expect((await failure(awsError(500, "ServiceFault", "no"))).$retryable).toEqual({ throttling: false });
  });

  it("marks a ThrottlingException $retryable as throttling", async () => {
    expect((await failure(awsError(400, "ThrottlingException", "Rate exceeded"))).$retryable).toEqual({
      throttling: true,
    });
  });

  describe("outcomeUnknown (the bonus may have been paid)", () => {
    it("is false for a RequestError", async () => {
      expect((await failure(awsError(400, "RequestError", "no"))).outcomeUnknown).toBe(false);
    });

    it("is false for a throttled request", async () => {
      expect((await failure(awsError(429, "ThrottlingException", "Rate exceeded"))).outcomeUnknown).toBe(false);
    });

    it("is true for a ServiceFault", async () => {
      expect((await failure(awsError(500, "ServiceFault", "oops"))).outcomeUnknown).toBe(true);
    });

    it("is true for a 502 page from a proxy", async () => {
      expect((await failure({ status: 502, body: "<html>bad gateway</html>" })).outcomeUnknown).toBe(true);
    });

    it("is true for a 200 that is not MTurk's answer", async () => {
      expect((await failure({ status: 200, body: "<html>portal</html>" })).outcomeUnknown).toBe(true);
    });

    it("stays true when a later attempt fails definitely after an unknown one", async () => {
      mturk.reply(awsError(500, "ServiceFault", "oops"), awsError(400, "RequestError", "Assignment does not exist"));
      const error = (await mturk
        .client({ maxAttempts: 2 })
        .sendBonus(bonusInput())
        .catch((e: unknown) => e)) as MTurkError;
      expect(error.name, "error.name").toBe("RequestError");
      expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    });
  });

  describe("already processed", () => {
    it("resolves alreadyGranted when MTurk reports this token as already processed", async () => {
      mturk.reply(alreadyProcessed(TOKEN));
      const output = await mturk.client().sendBonus(bonusInput());
      expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
      expect(output.UniqueRequestToken, "output.UniqueRequestToken").toEqual(TOKEN);
    });

    it("reports the metadata of the answer that settled it", async () => {
      mturk.reply(alreadyProcessed(TOKEN));
      const output = await mturk.client().sendBonus(bonusInput());
      expect(output.$metadata).toMatchObject({ attempts: 1, httpStatusCode: 400, requestId: "req-400-RequestError" });
    });

    it("throws when the already-processed message names another token", async () => {
      mturk.reply(alreadyProcessed("some-other-token"));
      await expect(mturk.client().sendBonus(bonusInput())).rejects.toBeInstanceOf(RequestError);
    });

    it("throws when a different code carries the already-processed text", async () => {
      mturk.reply(awsError(400, "ValidationException", `The idempotency token "${TOKEN}" has already been processed.`));
      await expect(mturk.client().sendBonus(bonusInput())).rejects.toMatchObject({ name: "ValidationException" });
    });
  });
});
