/**
 * The simulator's money code is its own (it imports nothing of the
 * client's), and agrees with the client's on every amount: so a test that
 * compares what the client planned with what the simulated account charged
 * can catch a fee bug on either side.
 */
import { readFileSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feeCents, formatCents, toCents } from "../../src/money.js";
import { Ledger } from "../../src/simulator/ledger.js";
import { centsToDollars, commissionCents, dollarsToCents } from "../../src/simulator/money.js";

describe("the simulator's money", () => {
  it("imports nothing from the client's modules", () => {
    const dir = new URL("../../src/simulator/", import.meta.url);
    const imports = readdirSync(dir)
      .filter((name) => name.endsWith(".ts"))
      .flatMap((name) =>
        [...readFileSync(new URL(name, dir), "utf8").matchAll(/from "(\.\.\/[^"]+)"/g)].map((m) => `${name}: ${m[1]}`),
      );
    expect(imports).toEqual([]);
  });

  it.each([
    ["5", 500],
    ["5.", 500],
    ["0.5", 50],
    ["0.05", 5],
    ["101.42", 10142],
    ["007", 700],
    [".5", undefined],
    ["0.975", undefined],
    ["-1", undefined],
    ["1e2", undefined],
    ["90071992547409.92", undefined],
  ])("reads %s as %s cents", (dollars, cents) => {
    expect(dollarsToCents(dollars)).toBe(cents);
  });

  it.each([
    [0, "0.00"],
    [5, "0.05"],
    [50, "0.50"],
    [10142, "101.42"],
  ])("writes %i cents as %s", (cents, dollars) => {
    expect(centsToDollars(cents)).toBe(dollars);
  });

  // MTurk's pricing: 20%, at least $0.01, half up ($0.104 → $0.10, $0.105 → $0.11).
  it.each([
    [1, 1],
    [4, 1],
    [5, 1],
    [7, 1],
    [8, 2],
    [52, 10],
    [53, 11],
    [100, 20],
    [150, 30],
    [101, 20],
    [103, 21],
  ])("charges a commission on %i cents of %i cents", (bonus, fee) => {
    expect(commissionCents(bonus)).toBe(fee);
  });

  it("agrees with the client's money code on every amount", () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), (cents) => {
        const dollars = formatCents(cents);
        return (
          dollarsToCents(dollars) === toCents(dollars) &&
          centsToDollars(cents) === dollars &&
          (cents === 0 || commissionCents(cents) === feeCents(cents))
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("charges the account the amount plus the client's fee", () => {
    const ledger = new Ledger({ balance: "100.00" });
    const amounts = ["0.01", "0.52", "0.53", "1.5", "19.99"];
    for (const [i, BonusAmount] of amounts.entries()) {
      ledger.payBonus({ WorkerId: `AW${i}`, AssignmentId: `AS${i}`, BonusAmount, Reason: "r" }, `req-${i}`);
    }
    const expected = amounts.reduce((sum, amount) => sum + toCents(amount)! + feeCents(toCents(amount)!), 0);
    expect(ledger.snapshot().spentCents).toBe(expected);
  });
});
