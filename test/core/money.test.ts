/** Money in integer cents: parsing, formatting, the fee, and exact round-trips (fast-check). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feeCents, formatCents, formatDollars, toCents } from "../../src/money.js";

const RUNS = { numRuns: 500 };

describe("toCents", () => {
  it.each([
    ["5", 500],
    ["5.", 500],
    ["5.5", 550],
    ["5.05", 505],
    ["0.29", 29],
    ["0.07", 7],
    ["007.10", 710],
    ["0", 0],
    ["90071992547409.91", Number.MAX_SAFE_INTEGER],
  ])("reads %s as %i cents", (amount, cents) => {
    expect(toCents(amount)).toBe(cents);
  });

  it.each([".5", "0.975", "-1", "1e2", "$1", "", "1.2.3", "90071992547409.92", "1".repeat(400)])(
    "refuses %j",
    (amount) => {
      expect(toCents(amount)).toBeUndefined();
    },
  );
});

describe("formatCents", () => {
  it.each([
    [0, "0.00"],
    [1, "0.01"],
    [10, "0.10"],
    [150, "1.50"],
    [10142, "101.42"],
    [Number.MAX_SAFE_INTEGER, "90071992547409.91"],
  ])("writes %i cents as %s", (cents, amount) => {
    expect(formatCents(cents)).toBe(amount);
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, Infinity])("throws a RangeError for %d", (cents) => {
    expect(() => formatCents(cents)).toThrow(RangeError);
  });
});

describe("formatDollars", () => {
  it.each([
    [0, "$0.00"],
    [5, "$0.05"],
    [123456, "$1,234.56"],
    [100000000, "$1,000,000.00"],
  ])("formats %d cents as %s for people", (cents, text) => {
    expect(formatDollars(cents)).toBe(text);
  });
});

describe("feeCents", () => {
  it.each([
    [1, 1], // 0.2 cents: the one-cent minimum
    [4, 1],
    [5, 1],
    [52, 10], // 10.4 rounds down
    [53, 11], // 10.6 rounds up
    [100, 20],
    [10142, 2028], // 2028.4
    [10143, 2029], // 2028.6
  ])("charges %i cents a fee of %i", (cents, fee) => {
    expect(feeCents(cents)).toBe(fee);
  });
});

describe("properties", () => {
  it("round-trips any cents through the wire form exactly", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (cents) => toCents(formatCents(cents)) === cents),
      RUNS,
    );
  });

  const amount = fc
    .tuple(fc.stringMatching(/^[0-9]{1,14}$/), fc.constantFrom("", "."), fc.stringMatching(/^[0-9]{0,2}$/))
    .map(([whole, dot, fraction]) => (fraction === "" ? whole + dot : `${whole}.${fraction}`));

  it("reads any model-valid amount to the exact cents BigInt arithmetic gives", () => {
    fc.assert(
      fc.property(amount, (text) => {
        const [whole = "", fraction = ""] = text.split(".");
        expect(toCents(text)).toBe(Number(BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"))));
      }),
      RUNS,
    );
  });

  it("formats any model-valid amount to the same value with two decimals", () => {
    fc.assert(
      fc.property(amount, (text) => {
        const formatted = formatCents(toCents(text)!);
        expect(/^\d+\.\d\d$/.test(formatted), "/^\\d+\\.\\d\\d$/.test(formatted)").toBe(true);
        expect(toCents(formatted), "toCents(formatted)").toEqual(toCents(text));
      }),
      RUNS,
    );
  });

  it("charges 20% rounded half up, at least one cent", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (cents) => {
        const exact = (BigInt(cents) * 2n + 5n) / 10n; // floor(c/5 + 1/2)
        expect(feeCents(cents)).toBe(Math.max(1, Number(exact)));
      }),
      RUNS,
    );
  });
});
