/**
 * Retries, for both transports: which failures are retried, that every
 * attempt carries the same token, backoff values (jitter pinned with a
 * Math.random spy), Retry-After, the retry budget and clock-skew correction.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MTurkError, TimeoutError, TransportError } from "../../src/errors.js";
import { OK, alreadyProcessed, awsError, bonusInput, CREDENTIALS, TOKEN } from "./helpers/fixtures.js";
import { TRANSPORTS, useFakeMTurk, type Reply } from "./helpers/fake-mturk.js";
import { amzDateToMs, authOf, recomputeSignature } from "./helpers/wire.js";

const tokensOf = (requests: Array<{ body: string }>): string[] =>
  requests.map((r) => JSON.parse(r.body).UniqueRequestToken as string);

/** A port nothing listens on. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function skewed(serverTime: number, code = "InvalidSignatureException", message?: string): Reply {
  const stamp = new Date(serverTime).toISOString().replace(/[-:]|\.\d{3}/g, "");
  return {
    ...awsError(
      403,
      code,
      message ?? `Signature expired: 20200101T000000Z is now earlier than ${stamp} (${stamp} - 5 min.)`,
    ),
    headers: { "content-type": "application/x-amz-json-1.1", date: new Date(serverTime).toUTCString() },
  };
}

describe.each(TRANSPORTS)("retries over %s", (transport) => {
  const mturk = useFakeMTurk(transport);
  beforeEach(() => {
    // Jitter pinned: transient waits are floor(0.1 * 100 * 2^n), throttled ones floor(0.1 * 500 * 2^n).
    vi.spyOn(Math, "random").mockReturnValue(0.1);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("retries a ServiceFault with the same token", async () => {
    mturk.reply(awsError(500, "ServiceFault", "try again"), OK);
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.$metadata.attempts).toBe(2);
    expect(tokensOf(mturk.requests)).toEqual([TOKEN, TOKEN]);
  });

  it("awaits beforeAttempt before every attempt, with the failure that led to each retry", async () => {
    mturk.reply(awsError(500, "ServiceFault", "try again"), awsError(400, "ThrottlingException", "Rate exceeded"), OK);
    const seen: Array<[number, string | undefined, number]> = [];
    await mturk.client().sendBonus(bonusInput(), {
      beforeAttempt: (attempt, retryOf) => {
        seen.push([attempt, retryOf?.name, mturk.requests.length]);
      },
    });
    expect(seen).toEqual([
      [1, undefined, 0],
      [2, "ServiceFault", 1],
      [3, "ThrottlingException", 2],
    ]);
  });

  it("ends the call with the error beforeAttempt throws, sending nothing more", async () => {
    mturk.reply(awsError(500, "ServiceFault", "try again"), OK);
    const stop = new Error("limiter closed");
    const error = await mturk
      .client()
      .sendBonus(bonusInput(), {
        beforeAttempt: (attempt) => {
          if (attempt === 2) throw stop;
        },
      })
      .catch((e: unknown) => e);
    expect(error, "error").toEqual(stop);
    expect(mturk.requests.length, "mturk.requests.length").toBe(1);
  });

  it("reports an abort while beforeAttempt waits as an AbortError", async () => {
    const controller = new AbortController();
    const error = await mturk
      .client()
      .sendBonus(bonusInput(), {
        signal: controller.signal,
        beforeAttempt: () => {
          controller.abort();
          return Promise.reject(controller.signal.reason);
        },
      })
      .catch((e: unknown) => e);
    expect((error as MTurkError).name, "error.name").toBe("AbortError");
    expect(mturk.requests.length, "mturk.requests.length").toBe(0);
  });

  it.each([500, 502, 503, 504])("retries an HTTP %i", async (status) => {
    mturk.reply({ status, body: "<html>oops</html>" }, OK);
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.$metadata.attempts).toBe(2);
  });

  it("does not retry an HTTP 501", async () => {
    mturk.reply({ status: 501, body: "" }, OK);
    await expect(mturk.client().sendBonus(bonusInput())).rejects.toBeInstanceOf(MTurkError);
    expect(mturk.requests).toHaveLength(1);
  });

  it("retries an HTTP 429", async () => {
    mturk.reply({ status: 429, body: "" }, OK);
    expect((await mturk.client().sendBonus(bonusInput())).$metadata.attempts).toBe(2);
  });

  it.each([
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
  ])("retries %s as throttling", async (code) => {
    mturk.reply(awsError(400, code, "Rate exceeded"), OK);
    const output = await mturk.client().sendBonus(bonusInput());
    // Throttling waits from the 500 ms base: floor(0.1 * 500).
    expect(output.$metadata.attempts, "output.$metadata.attempts").toBe(2);
    expect(output.$metadata.totalRetryDelay, "output.$metadata.totalRetryDelay").toBe(50);
  });

  it("waits from the 100 ms base for a transient failure", async () => {
    mturk.reply(awsError(503, "ServiceUnavailable", "busy"), OK);
    expect((await mturk.client().sendBonus(bonusInput())).$metadata.totalRetryDelay).toBe(10);
  });

  it("doubles the backoff ceiling on each retry", async () => {
    mturk.reply({ status: 503, body: "" });
    const error = (await mturk
      .client({ maxAttempts: 4 })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.$metadata.totalRetryDelay).toBe(10 + 20 + 40);
  });

  it("stops after maxAttempts and reports them", async () => {
    mturk.reply({ status: 503, body: "" });
    const error = (await mturk
      .client({ maxAttempts: 4 })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(mturk.requests.length, "mturk.requests.length").toBe(4);
    expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(4);
    expect(error.$metadata.httpStatusCode, "error.$metadata.httpStatusCode").toBe(503);
  });

  it("makes 3 attempts by default", async () => {
    mturk.reply({ status: 503, body: "" });
    await expect(mturk.client().sendBonus(bonusInput())).rejects.toBeInstanceOf(MTurkError);
    expect(mturk.requests).toHaveLength(3);
  });

  it("makes one attempt with maxAttempts 1", async () => {
    mturk.reply({ status: 503, body: "" });
    await expect(mturk.client({ maxAttempts: 1 }).sendBonus(bonusInput())).rejects.toBeInstanceOf(MTurkError);
    expect(mturk.requests).toHaveLength(1);
  });

  it("never changes the token across attempts", async () => {
    mturk.reply(
      { status: 503, body: "" },
      { kind: "destroy" },
      awsError(400, "ThrottlingException", "Rate exceeded"),
      awsError(500, "ServiceFault", "x"),
      OK,
    );
    const { UniqueRequestToken: _omit, ...input } = bonusInput();
    const output = await mturk.client({ maxAttempts: 5 }).sendBonus(input);
    expect(tokensOf(mturk.requests)).toEqual(Array(5).fill(output.UniqueRequestToken));
  });

  it("sends the identical body on every attempt", async () => {
    mturk.reply({ status: 503, body: "" }, awsError(500, "ServiceFault", "x"), OK);
    await mturk.client().sendBonus(bonusInput());
    expect(new Set(mturk.requests.map((r) => r.body)).size).toBe(1);
  });

  it("signs every retry validly", async () => {
    mturk.reply({ status: 503, body: "" }, OK);
    await mturk.client().sendBonus(bonusInput());
    expect(authOf(mturk.requests[1]!).signature).toBe(recomputeSignature(mturk.requests[1]!, CREDENTIALS));
  });

  it("resolves alreadyGranted when a retry finds the first attempt paid", async () => {
    mturk.reply(awsError(500, "ServiceFault", "lost"), alreadyProcessed(TOKEN));
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
    expect(output.$metadata.attempts, "output.$metadata.attempts").toBe(2);
  });

  describe("network failures", () => {
    it("retries when the socket closes before the answer", async () => {
      mturk.reply({ kind: "destroy" }, OK);
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.attempts).toBe(2);
    });

    it("retries a connection reset", async () => {
      mturk.reply({ kind: "reset" }, OK);
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.attempts).toBe(2);
    });

    it("reports a lost answer as a TransportError whose outcome is unknown", async () => {
      mturk.reply({ kind: "destroy" });
      const error = (await mturk
        .client({ maxAttempts: 2 })
        .sendBonus(bonusInput())
        .catch((e: unknown) => e)) as MTurkError;
      expect(error, "error class").toBeInstanceOf(TransportError);
      expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
      expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(2);
    });

    it("retries a per-attempt timeout", async () => {
      mturk.reply({ kind: "hang" }, OK);
      const output = await mturk.client({ timeoutMs: 300 }).sendBonus(bonusInput());
      expect(output.$metadata.attempts).toBe(2);
      expect(tokensOf(mturk.requests)).toEqual([TOKEN, TOKEN]);
    });

    it("reports a timed-out attempt as a TimeoutError whose outcome is unknown", async () => {
      mturk.reply({ kind: "hang" });
      const error = (await mturk
        .client({ timeoutMs: 300, maxAttempts: 1 })
        .sendBonus(bonusInput())
        .catch((e: unknown) => e)) as TransportError;
      expect(error.name, "error.name").toBe("TimeoutError");
      expect(error.code, "error.code").toBe("TimeoutError");
      expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    });

    it("gives a timed-out attempt the exported TimeoutError class, a TransportError", async () => {
      mturk.reply({ kind: "hang" });
      const error = await mturk
        .client({ timeoutMs: 300, maxAttempts: 1 })
        .sendBonus(bonusInput())
        .catch((e: unknown) => e);
      expect(error, "error class").toBeInstanceOf(TimeoutError);
      expect(error, "error class").toBeInstanceOf(TransportError);
    });

    it("retries a refused connection and reports that nothing was sent", async () => {
      const port = await refusedPort();
      const error = (await mturk
        .client({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 })
        .sendBonus(bonusInput())
        .catch((e: unknown) => e)) as TransportError;
      expect(error.code, "error.code").toBe("ECONNREFUSED");
      expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(2);
      expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(false);
    });
  });

  describe("Retry-After", () => {
    it("waits the Retry-After seconds when longer than the backoff", async () => {
      mturk.reply({ status: 503, headers: { "retry-after": "1" }, body: "" }, OK);
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.totalRetryDelay).toBe(1000);
    });

    it("waits the x-amz-retry-after milliseconds when longer than the backoff", async () => {
      mturk.reply({ status: 429, headers: { "x-amz-retry-after": "120" }, body: "" }, OK);
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.totalRetryDelay).toBe(120);
    });

    it("keeps the backoff when the server asks for less", async () => {
      mturk.reply({ status: 429, headers: { "x-amz-retry-after": "1" }, body: "" }, OK);
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.totalRetryDelay).toBe(50);
    });

    it("does not retry when Retry-After is beyond the 20 s cap", async () => {
      mturk.reply({ status: 503, headers: { "retry-after": "21" }, body: "" }, OK);
      const error = (await mturk
        .client()
        .sendBonus(bonusInput())
        .catch((e: unknown) => e)) as MTurkError;
      expect(mturk.requests.length, "mturk.requests.length").toBe(1);
      expect(error.$metadata.httpStatusCode, "error.$metadata.httpStatusCode").toBe(503);
      expect(error.$retryable, "error.$retryable").toEqual({ throttling: false });
    });

    it("does not retry when x-amz-retry-after is beyond the 20 s cap", async () => {
      mturk.reply({ status: 429, headers: { "x-amz-retry-after": "20001" }, body: "" }, OK);
      await expect(mturk.client().sendBonus(bonusInput())).rejects.toBeInstanceOf(MTurkError);
      expect(mturk.requests).toHaveLength(1);
    });

    it("ignores Retry-After on an answer that is not retried", async () => {
      mturk.reply({ ...awsError(400, "RequestError", "no"), headers: { "retry-after": "1" } }, OK);
      await expect(mturk.client().sendBonus(bonusInput())).rejects.toMatchObject({ name: "RequestError" });
      expect(mturk.requests).toHaveLength(1);
    });
  });

  describe("retry budget", () => {
    beforeEach(() => {
      vi.spyOn(Math, "random").mockReturnValue(0);
    });

    it("stops retrying transient failures after 50 retries (500 tokens at 10 each)", async () => {
      mturk.reply({ status: 503, body: "" });
      const error = (await mturk
        .client({ maxAttempts: 100 })
        .sendBonus(bonusInput())
        .catch((e: unknown) => e)) as MTurkError;
      expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(51);
      expect(mturk.requests.length, "mturk.requests.length").toBe(51);
    });

    it("does not retry at all once the budget is spent", async () => {
      mturk.reply({ status: 503, body: "" });
      const client = mturk.client({ maxAttempts: 100 });
      await client.sendBonus(bonusInput()).catch(() => undefined);
      const error = (await client.sendBonus(bonusInput()).catch((e: unknown) => e)) as MTurkError;
      expect(error.$metadata.attempts).toBe(1);
    });

    it("charges 5 tokens per throttling retry", async () => {
      mturk.reply({ status: 429, body: "" });
      const client = mturk.client({ maxAttempts: 100 });
      await client.sendBonus(bonusInput()).catch(() => undefined); // 99 retries: 495 tokens
      const error = (await client.sendBonus(bonusInput()).catch((e: unknown) => e)) as MTurkError;
      expect(error.$metadata.attempts).toBe(2); // the last 5 tokens pay one more retry
    });

    it("refunds the last retry's cost when a call succeeds", async () => {
      const client = mturk.client({ maxAttempts: 100 });
      mturk.reply(...Array<Reply>(49).fill({ status: 503, body: "" }), OK);
      await client.sendBonus(bonusInput()); // 490 spent, 10 refunded: 20 left
      mturk.requests.length = 0;
      mturk.reply({ status: 503, body: "" });
      const error = (await client.sendBonus(bonusInput()).catch((e: unknown) => e)) as MTurkError;
      expect(error.$metadata.attempts).toBe(3);
    });

    it("refunds the last retry's cost when a retry settles as already granted", async () => {
      const client = mturk.client({ maxAttempts: 100 });
      mturk.reply(...Array<Reply>(49).fill({ status: 503, body: "" }), alreadyProcessed(TOKEN));
      const output = await client.sendBonus(bonusInput()); // 490 spent, 10 refunded: 20 left
      expect(output.alreadyGranted).toBe(true);
      mturk.requests.length = 0;
      mturk.reply({ status: 503, body: "" });
      const error = (await client.sendBonus(bonusInput()).catch((e: unknown) => e)) as MTurkError;
      expect(error.$metadata.attempts).toBe(3);
    });

    it("is per client", async () => {
      mturk.reply({ status: 503, body: "" });
      await mturk
        .client({ maxAttempts: 100 })
        .sendBonus(bonusInput())
        .catch(() => undefined);
      const error = (await mturk
        .client({ maxAttempts: 3 })
        .sendBonus(bonusInput())
        .catch((e: unknown) => e)) as MTurkError;
      expect(error.$metadata.attempts).toBe(3);
    });
  });

  describe("clock skew", () => {
    const HOUR = 3_600_000;

    it("re-signs with the server's clock and retries", async () => {
      const serverTime = Date.now() + HOUR;
      mturk.reply(skewed(serverTime), OK);
      const output = await mturk.client().sendBonus(bonusInput());
      expect(output.$metadata.attempts).toBe(2);
      expect(Math.abs(amzDateToMs(mturk.requests[1]!.headers["x-amz-date"]!) - serverTime)).toBeLessThan(60_000);
    });

    it("signs the corrected retry validly", async () => {
      mturk.reply(skewed(Date.now() - HOUR), OK);
      await mturk.client().sendBonus(bonusInput());
      expect(authOf(mturk.requests[1]!).signature).toBe(recomputeSignature(mturk.requests[1]!, CREDENTIALS));
    });

    it("retries a clock-skew error without waiting", async () => {
      mturk.reply(skewed(Date.now() + HOUR), OK);
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.totalRetryDelay).toBe(0);
    });

    it("retries RequestTimeTooSkewed", async () => {
      mturk.reply(
        skewed(
          Date.now() + HOUR,
          "RequestTimeTooSkewed",
          "The difference between the request time and the current time is too large (time too skewed).",
        ),
        OK,
      );
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.attempts).toBe(2);
    });

    it("does not retry again when the offset did not change", async () => {
      mturk.reply(skewed(Date.now() + HOUR));
      const error = (await mturk
        .client({ maxAttempts: 5 })
        .sendBonus(bonusInput())
        .catch((e: unknown) => e)) as MTurkError;
      expect(error.name, "error.name").toBe("InvalidSignatureException");
      expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(2);
    });

    it("does not retry a clock-skew error without a usable server Date", async () => {
      mturk.reply({
        ...awsError(
          403,
          "InvalidSignatureException",
          "Signature expired: 20200101T000000Z is now earlier than 20200101T001000Z",
        ),
        headers: { date: "not a date" },
      });
      await expect(mturk.client({ maxAttempts: 5 }).sendBonus(bonusInput())).rejects.toMatchObject({
        name: "InvalidSignatureException",
      });
      expect(mturk.requests).toHaveLength(1);
    });

    it("does not retry when the server's Date is within five minutes", async () => {
      mturk.reply(skewed(Date.now() + 60_000), OK);
      await expect(mturk.client({ maxAttempts: 5 }).sendBonus(bonusInput())).rejects.toMatchObject({
        name: "InvalidSignatureException",
      });
      expect(mturk.requests).toHaveLength(1);
    });

    it("keeps the corrected clock for the next call", async () => {
      const serverTime = Date.now() + HOUR;
      // Every answer carries the server's clock: a real server's Date would reset it otherwise.
      const datedOK = { ...OK, headers: { ...OK.headers, date: new Date(serverTime).toUTCString() } };
      mturk.reply(skewed(serverTime), datedOK);
      const client = mturk.client();
      await client.sendBonus(bonusInput());
      mturk.reply(datedOK);
      await client.sendBonus(bonusInput());
      expect(Math.abs(amzDateToMs(mturk.requests[2]!.headers["x-amz-date"]!) - serverTime)).toBeLessThan(60_000);
    });

    it("learns the signing clock from the Date of a successful answer too, as the AWS SDKs do", async () => {
      const serverTime = Date.now() + HOUR;
      mturk.reply({ ...OK, headers: { ...OK.headers, date: new Date(serverTime).toUTCString() } });
      const client = mturk.client();
      await client.sendBonus(bonusInput());
      await client.sendBonus(bonusInput());
      expect(Math.abs(amzDateToMs(mturk.requests[1]!.headers["x-amz-date"]!) - serverTime)).toBeLessThan(60_000);
    });

    it("retries AccessDeniedException with a skew message, one of the SDKs' clock-skew codes", async () => {
      mturk.reply(
        skewed(
          Date.now() + HOUR,
          "AccessDeniedException",
          "Signature expired: 20200101T000000Z is now earlier than 20200101T001000Z",
        ),
        OK,
      );
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.attempts).toBe(2);
    });

    it("does not retry AccessDeniedException without a skew message", async () => {
      mturk.reply(
        skewed(
          Date.now() + HOUR,
          "AccessDeniedException",
          "User is not authorized to perform mturk-requester:SendBonus",
        ),
        OK,
      );
      await expect(mturk.client().sendBonus(bonusInput())).rejects.toMatchObject({ name: "AccessDeniedException" });
    });
  });
});
