/** The simulated account's rules: fees, idempotency tokens, funds, workers. */
import { describe, expect, it } from "vitest";
import { Ledger, TOKEN_TTL_MS, type BonusInput } from "../../src/simulator/ledger.js";

const BONUS: BonusInput = { WorkerId: "AW1", BonusAmount: "1.00", AssignmentId: "AS1", Reason: "thanks" };

function ledgerAt(start = 1_700_000_000_000, options: { balance?: string; assignments?: Record<string, string> } = {}) {
  let now = start;
  const ledger = new Ledger({ ...options, now: () => now });
  return { ledger, tick: (ms: number) => (now += ms) };
}

describe("Ledger", () => {
  it("starts with $10,000.00", () => {
    expect(new Ledger().snapshot().balance).toBe("10000.00");
  });

  it("draws the amount plus the 20% fee from the balance", () => {
    const { ledger } = ledgerAt(undefined, { balance: "10.00" });
    ledger.payBonus({ ...BONUS, BonusAmount: "1.50" }, "r1");
    expect(ledger.snapshot()).toMatchObject({ balanceCents: 1000 - 150 - 30, spentCents: 180 });
  });

  it("charges at least one cent of fee", () => {
    const { ledger } = ledgerAt(undefined, { balance: "1.00" });
    ledger.payBonus({ ...BONUS, BonusAmount: "0.01" }, "r1");
    expect(ledger.balanceCents).toBe(98);
  });

  it("records the bonus with a canonical amount, its token, time and request id", () => {
    const { ledger } = ledgerAt(5_000);
    ledger.payBonus({ ...BONUS, BonusAmount: "2.5", UniqueRequestToken: "t1" }, "req-1");
    expect(ledger.snapshot().bonuses).toEqual([
      {
        ...BONUS,
        BonusAmount: "2.50",
        UniqueRequestToken: "t1",
        grantTime: 5_000,
        amountCents: 250,
        feeCents: 50,
        requestId: "req-1",
      },
    ]);
  });

  it("refuses a token it has seen, naming the request that paid it, and pays nothing", () => {
    const { ledger } = ledgerAt();
    ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r1");
    const before = ledger.balanceCents;
    expect(ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r2")).toEqual({
      ok: false,
      reason: "duplicate",
      token: "t1",
      originalRequestId: "r1",
    });
    expect(ledger.balanceCents).toBe(before);
  });

  it("refuses a seen token even for a different bonus, as the token is account-wide", () => {
    const { ledger } = ledgerAt();
    ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r1");
    const other = { WorkerId: "AW2", BonusAmount: "3.00", AssignmentId: "AS2", Reason: "x", UniqueRequestToken: "t1" };
    expect(ledger.payBonus(other, "r2").ok).toBe(false);
  });

  it("forgets a token 24 hours after it was used", () => {
    const { ledger, tick } = ledgerAt();
    ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r1");
    tick(TOKEN_TTL_MS);
    expect(ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r2").ok).toBe(true);
  });

  it("still knows a token just under 24 hours old", () => {
    const { ledger, tick } = ledgerAt();
    ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r1");
    tick(TOKEN_TTL_MS - 1);
    expect(ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r2").ok).toBe(false);
  });

  it("counts advanceClock towards token expiry", () => {
    const { ledger } = ledgerAt();
    ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r1");
    ledger.advanceClock(TOKEN_TTL_MS);
    expect(ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r2").ok).toBe(true);
  });

  it("pays every call without a token, as the real service does", () => {
    const { ledger } = ledgerAt();
    ledger.payBonus(BONUS, "r1");
    ledger.payBonus(BONUS, "r2");
    expect(ledger.snapshot().bonuses).toHaveLength(2);
  });

  it("refuses a bonus whose amount plus fee exceeds the balance", () => {
    const { ledger } = ledgerAt(undefined, { balance: "1.19" });
    expect(ledger.payBonus(BONUS, "r1")).toEqual({ ok: false, reason: "insufficientFunds" });
    expect(ledger.balanceCents).toBe(119);
  });

  it("pays a bonus whose amount plus fee is exactly the balance", () => {
    const { ledger } = ledgerAt(undefined, { balance: "1.20" });
    expect(ledger.payBonus(BONUS, "r1").ok).toBe(true);
    expect(ledger.balanceCents).toBe(0);
  });

  it("does not consume the token of a refused bonus", () => {
    const { ledger } = ledgerAt(undefined, { balance: "0.00" });
    ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r1");
    ledger.setBalance("5.00");
    expect(ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r2").ok).toBe(true);
  });

  it("refuses a worker who did not do a listed assignment", () => {
    const { ledger } = ledgerAt(undefined, { assignments: { AS1: "AOTHER" } });
    expect(ledger.payBonus(BONUS, "r1")).toEqual({ ok: false, reason: "wrongWorker", boundWorker: "AOTHER" });
  });

  it("binds an unlisted assignment to the first worker paid on it", () => {
    const { ledger } = ledgerAt();
    ledger.payBonus(BONUS, "r1");
    expect(ledger.payBonus({ ...BONUS, WorkerId: "AW2" }, "r2")).toMatchObject({ ok: false, reason: "wrongWorker" });
  });

  it("refuses a $0 bonus", () => {
    expect(ledgerAt().ledger.payBonus({ ...BONUS, BonusAmount: "0.00" }, "r1")).toEqual({
      ok: false,
      reason: "zeroAmount",
    });
  });

  it("lists an assignment's bonuses oldest first", () => {
    const { ledger } = ledgerAt();
    ledger.payBonus({ ...BONUS, BonusAmount: "1.00" }, "r1");
    ledger.payBonus({ ...BONUS, AssignmentId: "AS2" }, "r2");
    ledger.payBonus({ ...BONUS, BonusAmount: "2.00" }, "r3");
    expect(ledger.bonusesFor("AS1").map((b) => b.BonusAmount)).toEqual(["1.00", "2.00"]);
  });

  it("resets to the starting balance with no bonuses, tokens or counters", () => {
    const { ledger } = ledgerAt(undefined, { balance: "50.00" });
    ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r1");
    ledger.counters.requests = 3;
    ledger.reset();
    expect(ledger.snapshot()).toMatchObject({ balance: "50.00", bonuses: [], counters: { requests: 0 } });
    expect(ledger.payBonus({ ...BONUS, UniqueRequestToken: "t1" }, "r2").ok).toBe(true);
  });

  it("rejects a malformed starting balance", () => {
    expect(() => new Ledger({ balance: "$5" })).toThrow(TypeError);
  });

  it("gives snapshots that later payments do not change", () => {
    const { ledger } = ledgerAt();
    const snapshot = ledger.snapshot();
    ledger.payBonus(BONUS, "r1");
    expect(snapshot.bonuses).toHaveLength(0);
  });
});
