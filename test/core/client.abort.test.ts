/** The caller's AbortSignal, for both transports: before, during a request, and during the wait between attempts. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortError, type MTurkError } from "../../src/errors.js";
import { OK, bonusInput, TOKEN } from "./helpers/fixtures.js";
import { TRANSPORTS, useFakeMTurk } from "./helpers/fake-mturk.js";

/** A bound on tests that must end at once; a call that ignored the abort would hang past it. */
const PROMPT = { timeout: 5_000 };

describe.each(TRANSPORTS)("abort over %s", (transport) => {
  const mturk = useFakeMTurk(transport);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Aborts `controller` from inside the backoff computation, i.e. once the client has decided to wait. */
  function abortWhenBackingOff(controller: AbortController): void {
    const random = Math.random.bind(Math);
    vi.spyOn(Math, "random").mockImplementation(() => {
      if (new Error().stack?.includes("backoffDelay"))
        setTimeout(() => controller.abort(new Error("caller gave up")), 0);
      return random();
    });
  }

  describe("a signal aborted before the call", () => {
    it("rejects with an AbortError", async () => {
      mturk.reply(OK);
      await expect(mturk.client().sendBonus(bonusInput(), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
        AbortError,
      );
    });

    it("sends nothing", async () => {
      mturk.reply(OK);
      await mturk
        .client()
        .sendBonus(bonusInput(), { signal: AbortSignal.abort() })
        .catch(() => undefined);
      expect(mturk.requests).toHaveLength(0);
    });

    it("reports zero attempts and a known outcome", async () => {
      const error = (await mturk
        .client()
        .sendBonus(bonusInput(), { signal: AbortSignal.abort() })
        .catch((e: unknown) => e)) as AbortError;
      expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(0);
      expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(false);
    });
  });

  describe("an abort while the credentials provider is asked", () => {
    it("ends the call as aborted even when the provider then fails, and sends nothing", async () => {
      mturk.reply(OK);
      const controller = new AbortController();
      const credentials = async () => {
        controller.abort(new Error("caller gave up"));
        throw new Error("vault unreachable");
      };
      const error = await mturk
        .client({ credentials })
        .sendBonus(bonusInput(), { signal: controller.signal })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
      expect(mturk.requests).toHaveLength(0);
    });
  });

  describe("an abort during a request", () => {
    async function abortedInFlight(): Promise<AbortError> {
      mturk.reply({ kind: "hang" });
      const controller = new AbortController();
      const call = mturk
        .client()
        .sendBonus(bonusInput(), { signal: controller.signal })
        .catch((e: unknown) => e);
      await mturk.received(1);
      controller.abort(new Error("caller gave up"));
      return (await call) as AbortError;
    }

    it("rejects with an AbortError at once", PROMPT, async () => {
      expect(await abortedInFlight()).toBeInstanceOf(AbortError);
    });

    it("says the bonus may have been paid", PROMPT, async () => {
      expect((await abortedInFlight()).outcomeUnknown).toBe(true);
    });

    it("carries the token to retry with", PROMPT, async () => {
      expect((await abortedInFlight()).UniqueRequestToken).toBe(TOKEN);
    });

    it("keeps the signal's reason as the cause", PROMPT, async () => {
      expect(((await abortedInFlight()).cause as Error).message).toBe("caller gave up");
    });

    it("is not retried", PROMPT, async () => {
      const error = await abortedInFlight();
      expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(1);
      expect(mturk.requests.length, "mturk.requests.length").toBe(1);
    });

    it("is an abort, not a timeout, when the caller's signal is AbortSignal.timeout", PROMPT, async () => {
      mturk.reply({ kind: "hang" });
      const error = await mturk
        .client()
        .sendBonus(bonusInput(), { signal: AbortSignal.timeout(200) })
        .catch((e: unknown) => e);
      expect(error, "error class").toBeInstanceOf(AbortError);
      expect(((error as MTurkError).cause as Error).name, "(error.cause as Error).name").toBe("TimeoutError");
    });
  });

  describe("an abort during the wait between attempts", () => {
    async function abortedWhileWaiting(): Promise<AbortError> {
      // The server asks for 15 s; only the abort can end the wait in time.
      mturk.reply({ status: 503, headers: { "x-amz-retry-after": "15000" }, body: "" }, OK);
      const controller = new AbortController();
      abortWhenBackingOff(controller);
      return (await mturk
        .client()
        .sendBonus(bonusInput(), { signal: controller.signal })
        .catch((e: unknown) => e)) as AbortError;
    }

    it("rejects with an AbortError at once", PROMPT, async () => {
      expect(await abortedWhileWaiting()).toBeInstanceOf(AbortError);
    });

    it("makes no further attempt", PROMPT, async () => {
      const error = await abortedWhileWaiting();
      expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(1);
      expect(mturk.requests.length, "mturk.requests.length").toBe(1);
    });

    it("counts no wait that did not complete", PROMPT, async () => {
      expect((await abortedWhileWaiting()).$metadata.totalRetryDelay).toBe(0);
    });

    it("says the bonus may have been paid after a 503", PROMPT, async () => {
      expect((await abortedWhileWaiting()).outcomeUnknown).toBe(true);
    });

    it("carries the token to retry with", PROMPT, async () => {
      expect((await abortedWhileWaiting()).UniqueRequestToken).toBe(TOKEN);
    });
  });

  it("ignores a signal that never fires", async () => {
    mturk.reply(OK);
    const output = await mturk.client().sendBonus(bonusInput(), { signal: new AbortController().signal });
    expect(output.alreadyGranted).toBe(false);
  });
});
