import { describe, expect, it } from "vitest";
import { payBonuses } from "../../src/bulk/pay.js";
import { expectLedgerMatches, makeRows, withSimulator } from "./helpers.js";

describe("when MTurk throttles", () => {
  it("slows down when MTurk throttles, and still pays every row once", async () => {
    const rows = makeRows(60);
    await withSimulator(
      { faults: [{ kind: "throttle", probability: 0.5, operation: "SendBonus" }], seed: 3 },
      async (sim, client) => {
        let lowest = Number.POSITIVE_INFINITY;
        const result = await payBonuses(rows, {
          client,
          target: sim.url,
          rate: 200,
          concurrency: 8,
          retryDelayMs: 1,
          maxSendsPerRow: 20,
          onProgress: (p) => (lowest = Math.min(lowest, p.rateLimit)),
        });
        expect(result.complete).toBe(true);
        expect(lowest).toBeLessThan(200);
        expectLedgerMatches(sim.ledger.bonuses, result);
      },
    );
  }, 30_000);

  it("slows down on a throttled attempt that the client's own retry then pays", async () => {
    const rows = makeRows(3).filter((row) => row.BonusAmount !== "0");
    await withSimulator({ faults: [{ kind: "throttle", count: 1, operation: "SendBonus" }] }, async (sim, client) => {
      let lowest = Number.POSITIVE_INFINITY;
      const result = await payBonuses(rows, {
        client,
        target: sim.url,
        rate: 200,
        concurrency: 1,
        onProgress: (p) => (lowest = Math.min(lowest, p.rateLimit)),
      });
      // One row (whichever sent first) needed a second attempt; the others one.
      expect(
        result.rows.map((r) => r.status),
        "statuses",
      ).toEqual(rows.map(() => "paid"));
      expect(result.rows.map((r) => r.httpAttempts).sort(), "HTTP attempts").toEqual(
        rows.map((_, i) => (i === rows.length - 1 ? 2 : 1)),
      );
      expect(lowest).toBeLessThan(200);
      expectLedgerMatches(sim.ledger.bonuses, result);
    });
  });
});
