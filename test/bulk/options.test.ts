import { describe, expect, it } from "vitest";
import { isMTurkError, ValidationError } from "../../src/errors.js";
import { settingsOf } from "../../src/bulk/options.js";
import { checkNames } from "../../src/bulk/options.js";
import { RateLimiter } from "../../src/bulk/rate.js";
import type { BulkClient } from "../../src/bulk/types.js";

const client = {} as BulkClient;

function refusal(check: () => unknown): ValidationError {
  try {
    check();
  } catch (error) {
    expect(error, "the class").toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("payout options", () => {
  it("default to 4 calls at once, 5 requests per second, 6 sends per row, 1 s before a retry", () => {
    expect(settingsOf({ client })).toEqual({
      concurrency: 4,
      rate: 5,
      maxSends: 6,
      retryDelayMs: 1000,
      payAgain: false,
    });
  });

  it("accept Infinity as the rate (no client-side limit), and 0 as the retry delay", () => {
    expect(settingsOf({ client, rate: Number.POSITIVE_INFINITY, retryDelayMs: 0 })).toMatchObject({
      rate: Number.POSITIVE_INFINITY,
      retryDelayMs: 0,
    });
  });

  it("refuse numbers out of range with a ValidationError naming the option and its rule", () => {
    const concurrency = refusal(() => settingsOf({ client, concurrency: 1.5 }));
    expect(concurrency.field, "field").toBe("concurrency");
    expect(concurrency.message, "message").toBe("concurrency is number 1.5: it must be a positive whole number");
    expect(refusal(() => settingsOf({ client, rate: 0 })).message, "rate").toMatch(
      /^rate is number 0: it must be a positive number$/,
    );
    expect(refusal(() => settingsOf({ client, maxSendsPerRow: -1 })).field, "maxSendsPerRow").toBe("maxSendsPerRow");
    expect(
      refusal(() => settingsOf({ client, concurrency: Number.POSITIVE_INFINITY })).field,
      "no infinite concurrency",
    ).toBe("concurrency");
    expect(refusal(() => settingsOf({ client, retryDelayMs: Number.NaN })).message, "retryDelayMs").toMatch(
      /retryDelayMs is number NaN: it must be 0 or more/,
    );
    expect(refusal(() => new RateLimiter({ rate: -1 })).field, "the limiter's own check").toBe("rate");
  });

  it("refuse a malformed batch id or namespace before anything else", () => {
    const batchId = refusal(() => checkNames({ batchId: "-x" }));
    expect(batchId.field, "batch id field").toBe("batchId");
    expect(batchId.message, "batch id").toMatch(/^batchId is "-x": it must be 1 to 64 letters/);
    expect(refusal(() => checkNames({ namespace: "a b" })).message, "namespace").toMatch(
      /^namespace is "a b": it must be 1 to 128 letters/,
    );
    expect(() => checkNames({ batchId: "study-1", namespace: "lab:2026/a" }), "well-formed").not.toThrow();
    expect(isMTurkError(refusal(() => checkNames({ batchId: "" }))), "one error family").toBe(true);
  });
});
