import { describe, expect, it } from "vitest";
import { availableCents, BalanceCheckError } from "../../src/bulk/balance.js";
import { payBonuses } from "../../src/bulk/pay.js";
import { makeRows, withSimulator } from "./helpers.js";

describe("the start-up balance check", () => {
  it("is retried when it fails for a passing reason, and the payout goes on", async () => {
    // Four 500s: the first call's three attempts, and the second call's first.
    await withSimulator(
      { faults: [{ kind: "serviceFault", count: 4, operation: "GetAccountBalance" }] },
      async (sim, client) => {
        const result = await payBonuses(makeRows(3), { client, target: sim.url, rate: Number.POSITIVE_INFINITY });
        expect(result.complete).toBe(true);
        expect(sim.ledger.bonuses).toHaveLength(3);
      },
    );
  });

  it("says that nothing was paid when it keeps failing", async () => {
    await withSimulator({ faults: [{ kind: "serviceFault", operation: "GetAccountBalance" }] }, async (sim, client) => {
      const error = await payBonuses(makeRows(3), { client, target: sim.url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BalanceCheckError);
      expect((error as Error).message).toMatch(/failed 3 times .*nothing was paid/);
      expect(sim.ledger.counters.byOperation.SendBonus).toBeUndefined();
    });
  }, 30_000);

  it("does not retry a failure that will not pass (bad credentials)", async () => {
    let calls = 0;
    const client = {
      async getAccountBalance(): Promise<never> {
        calls++;
        throw new Error("no");
      },
    };
    await expect(availableCents(client, {}, 1)).rejects.toBeInstanceOf(BalanceCheckError);
    expect(calls).toBe(1);
  });
});
