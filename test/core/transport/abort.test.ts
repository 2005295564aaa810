/**
 * No listener accumulates on an `AbortSignal` at any concurrency: many calls
 * sharing one signal (the usual way to cancel a batch) hang one listener on
 * it while they run, and none once they are done, on both transports,
 * whether the calls are sending or waiting to retry. Before, each attempt
 * added its own, and Node warned (`MaxListenersExceededWarning`) from 11.
 */
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchAbort } from "../../../src/transport/abort.js";
import { awsError, bonusInput, OK } from "../helpers/fixtures.js";
import { TRANSPORTS, useFakeMTurk } from "../helpers/fake-mturk.js";

const CALLS = 64;
const listeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

describe.each(TRANSPORTS)(
  "%s transport: one signal shared by %i concurrent calls".replace("%i", String(CALLS)),
  (transport) => {
    const mturk = useFakeMTurk(transport);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    beforeEach(() => {
      warnings.length = 0;
      process.on("warning", onWarning);
    });
    afterEach(() => {
      process.off("warning", onWarning);
    });

    /** Runs CALLS calls on one signal; the server answers none until all have arrived, and `during` counts listeners then. */
    async function run(firstAnswer: Parameters<typeof mturk.reply>[0]) {
      const signal = new AbortController().signal;
      let during = -1;
      let duringRetries = -1;
      let release!: () => void;
      const allArrived = new Promise<void>((resolve) => (release = resolve));
      mturk.reply(async (request, index) => {
        if (index === CALLS - 1) {
          // Let the other requests' handlers register before counting.
          await new Promise((resolve) => setTimeout(resolve, 20));
          during = listeners(signal);
          release();
        }
        await allArrived;
        // The first retry: every other call is waiting to retry or sending again.
        if (index === CALLS) duringRetries = listeners(signal);
        return typeof firstAnswer === "function" ? firstAnswer(request, index) : index < CALLS ? firstAnswer : OK;
      });
      const client = mturk.client({ maxAttempts: 2 });
      // Settled, not all paid: 64 retries at once exceed the client's retry budget, by design.
      const results = await Promise.allSettled(
        Array.from({ length: CALLS }, (_, i) =>
          client.sendBonus(bonusInput({ UniqueRequestToken: `shared-signal-${i}` }), { signal }),
        ),
      );
      return { during, duringRetries, after: listeners(signal), settled: results.length };
    }

    it("hangs one listener on the signal while the calls send, and none after", async () => {
      const { during, after, settled } = await run(OK);
      expect({ during, after, settled }).toEqual({ during: 1, after: 0, settled: CALLS });
    });

    it("hangs one listener while the calls wait to retry, and none after", async () => {
      const { duringRetries, after, settled } = await run(awsError(500, "ServiceFault", "try again"));
      expect({ duringRetries, after, settled }).toEqual({ duringRetries: 1, after: 0, settled: CALLS });
    });

    it("raises no MaxListenersExceededWarning", async () => {
      await run(OK);
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    });
  },
);

describe("watchAbort", () => {
  it("tells every watcher the reason, through one listener", () => {
    const controller = new AbortController();
    const seen: unknown[] = [];
    watchAbort(controller.signal, (reason) => seen.push(["a", reason]));
    watchAbort(controller.signal, (reason) => seen.push(["b", reason]));
    const count = listeners(controller.signal);
    controller.abort("stop");
    expect(count, "count").toBe(1);
    expect(seen, "seen").toEqual([
      ["a", "stop"],
      ["b", "stop"],
    ]);
  });

  it("removes the listener when the last watcher stops", () => {
    const { signal } = new AbortController();
    const stops = Array.from({ length: 20 }, () => watchAbort(signal, () => undefined));
    const counts = [listeners(signal)];
    for (const stop of stops) stop();
    counts.push(listeners(signal));
    watchAbort(signal, () => undefined)();
    counts.push(listeners(signal));
    expect(counts).toEqual([1, 0, 0]);
  });

  it("ignores a second stop", () => {
    const { signal } = new AbortController();
    const stop = watchAbort(signal, () => undefined);
    const other = watchAbort(signal, () => undefined);
    stop();
    stop();
    const count = listeners(signal);
    other();
    expect(count, "count").toBe(1);
    expect(listeners(signal), "listeners(signal)").toBe(0);
  });
});
