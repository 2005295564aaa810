/**
 * The retry cases of the ecosystem's public suites (`cases/retry.ts`):
 * classification run against the client on both transports, the
 * Retry-After resolution and the clock-skew rule on the functions that
 * implement them, and the same rules once more over the wire.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MTurkError } from "../../src/errors.js";
import { clockOffset, retryAfterMs } from "../../src/retry.js";
import { TRANSPORTS, useFakeMTurk } from "../core/helpers/fake-mturk.js";
import { bonusInput, OK } from "../core/helpers/fixtures.js";
import {
  CLASSIFICATION_CASES,
  CLOCK_SKEW_CASES,
  CLOCK_SKEW_CODES,
  RETRY_AFTER_CASES,
  RETRY_AFTER_DELAY_CASE,
  type ClassificationCase,
} from "./cases/retry.js";
import { cite } from "./sources.js";

const title = (c: { id: string; source: { repo: string; path: string; commit: string } }) =>
  `${c.id} (${cite(c.source)})`;
const BALANCE = {
  status: 200,
  headers: { "content-type": "application/x-amz-json-1.1" },
  body: '{"AvailableBalance":"1.00"}',
};

function answer(c: ClassificationCase) {
  return {
    status: c.status,
    headers: { "content-type": "application/x-amz-json-1.1" },
    body: c.code === undefined ? "" : JSON.stringify({ __type: c.code, message: "m" }),
  };
}

describe.each(TRANSPORTS)("retry conformance over %s", (transport) => {
  const mturk = useFakeMTurk(transport);

  beforeEach(() => {
    // No jitter: retries without waiting, so the cases run at once.
    vi.spyOn(Math, "random").mockReturnValue(0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(CLASSIFICATION_CASES.filter((c) => c.skip === undefined).map((c) => [title(c), c] as const))(
    "%s",
    async (_title, c) => {
      mturk.reply(answer(c), BALANCE);
      const retried: Array<MTurkError | undefined> = [];
      const outcome = await mturk
        .client({ maxAttempts: 2 })
        .getAccountBalance({ beforeAttempt: (_n, retryOf) => void retried.push(retryOf) })
        .then(
          () => "retried",
          (e: MTurkError) => e,
        );
      if (c.kind === undefined) {
        expect(
          typeof outcome === "object" && outcome.$retryable,
          'typeof outcome === "object" && outcome.$retryable',
        ).toBe(undefined);
        expect(mturk.requests.length, "mturk.requests.length").toBe(1);
      } else {
        expect(outcome, "outcome").toBe("retried");
        expect(retried[1]?.$retryable, "retried[1]?.$retryable").toEqual({ throttling: c.kind === "throttling" });
      }
    },
  );

  it.skip.each(CLASSIFICATION_CASES.filter((c) => c.skip !== undefined).map((c) => [title(c), c.skip] as const))(
    "%s — skipped: %s",
    () => undefined,
  );

  it(`waits what Retry-After asks when both hint headers are sent (${cite(RETRY_AFTER_CASES[9]!.source)})`, async () => {
    mturk.reply({ ...OK, status: 503, headers: { "retry-after": "1", "x-amz-retry-after": "9999" }, body: "" }, OK);
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.$metadata.attempts, "output.$metadata.attempts").toBe(2);
    expect(output.$metadata.totalRetryDelay, "output.$metadata.totalRetryDelay").toBe(1000);
  });

  it.skip(`${title(RETRY_AFTER_DELAY_CASE)} — skipped: ${RETRY_AFTER_DELAY_CASE.skip}`, () => undefined);

  it(`learns the signing clock from the Date of any answer, a success included (${cite(CLOCK_SKEW_CASES[0]!.source)})`, async () => {
    const server = Date.now() + 10 * 60_000;
    mturk.reply({ ...OK, headers: { ...OK.headers, date: new Date(server).toUTCString() } });
    const client = mturk.client();
    await client.sendBonus(bonusInput());
    await client.sendBonus(bonusInput());
    const signedAt = mturk.requests[1]!.headers["x-amz-date"]!.replace(
      /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
      "$1-$2-$3T$4:$5:$6Z",
    );
    expect(Math.abs(Date.parse(signedAt) - server)).toBeLessThan(60_000);
  });

  it.each(CLOCK_SKEW_CODES.codes)(
    `retries %s with a skew message once the clock is corrected (${cite(CLOCK_SKEW_CODES.source)})`,
    async (code) => {
      const server = Date.now() + 3_600_000;
      mturk.reply(
        {
          status: 400,
          headers: { "content-type": "application/x-amz-json-1.1", date: new Date(server).toUTCString() },
          body: JSON.stringify({
            __type: code,
            message: "Signature expired: 20260101T000000Z is now earlier than 20260101T010000Z",
          }),
        },
        OK,
      );
      expect((await mturk.client().sendBonus(bonusInput())).$metadata.attempts).toBe(2);
    },
  );

  it.skip(`the SDK's skew codes without a skew message (${cite(CLOCK_SKEW_CODES.source)}) — skipped: ${CLOCK_SKEW_CODES.withoutSkewMessage}`, () =>
    undefined);
  it.skip(`any error whose Date corrected the clock (${cite(CLOCK_SKEW_CODES.source)}) — skipped: ${CLOCK_SKEW_CODES.anyErrorCorrectingTheClock}`, () =>
    undefined);
});

describe("Retry-After resolution", () => {
  // Whole seconds: HTTP dates have no milliseconds.
  const now = Date.parse("2026-03-17T17:37:54Z");

  it.each(RETRY_AFTER_CASES.map((c) => [title(c), c] as const))("%s", (_title, c) => {
    const headers = c.headers(now);
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(retryAfterMs((name) => lower[name], now)).toBe(c.waitMs);
  });
});

describe("the clock-skew rule", () => {
  const now = Date.parse("2026-03-17T17:37:54.339Z");
  const current = 100;

  it.each(CLOCK_SKEW_CASES.map((c) => [title(c), c] as const))("%s", (_title, c) => {
    const server = new Date(now + current + c.differenceMs).toISOString();
    // Skewed: the offset becomes server minus local time (getUpdatedSystemClockOffset); otherwise it stays.
    expect(clockOffset(server, now, current)).toBe(c.skewed ? current + c.differenceMs : current);
  });
});
