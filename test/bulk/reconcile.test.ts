import { describe, expect, it } from "vitest";
import { decide, type ListedPayment, type RowView } from "../../src/bulk/reconcile.js";

const bonus = { WorkerId: "A1", AssignmentId: "3X", cents: 100, Reason: "r" };
const payment = (at: number, extra: Partial<ListedPayment> = {}): ListedPayment => ({
  WorkerId: "A1",
  AssignmentId: "3X",
  BonusAmount: "1.00",
  Reason: "r",
  GrantTime: new Date(at),
  ...extra,
});
const opts = { payAgain: false, marginMs: 0 };

describe("decide", () => {
  it("counts listed payments by bonusKey: identical rows are never both settled by one payment", () => {
    const rows: RowView[] = [
      { bonus, kind: "fresh" },
      { bonus, kind: "fresh" },
      { bonus, kind: "fresh" },
    ];
    expect(decide(rows, [payment(1)], opts)).toEqual(["listed", "send", "send"]);
    expect(decide(rows, [payment(1), payment(2)], opts)).toEqual(["listed", "listed", "send"]);
    // Another amount or reason is another bonus.
    expect(decide(rows, [payment(1, { BonusAmount: "1.01" }), payment(1, { Reason: "R" })], opts)).toEqual([
      "send",
      "send",
      "send",
    ]);
  });

  it("journal-paid rows use up their payments first; rows with a send of their own come before fresh ones", () => {
    const rows: RowView[] = [
      { bonus, kind: "paid", firstSend: 0 },
      { bonus, kind: "fresh" },
      { bonus, kind: "reconcile", firstSend: 5 },
    ];
    expect(decide(rows, [payment(1), payment(6)], opts)).toEqual(["none", "send", "reconciled"]);
  });

  it("waits while an identical row's outcome is unknown", () => {
    expect(
      decide(
        [
          { bonus, kind: "unsettled" },
          { bonus, kind: "fresh" },
        ],
        [payment(1)],
        opts,
      ),
    ).toEqual(["none", "blocked"]);
  });

  it("when paying again on purpose, only payments since this journal's first send count, on MTurk's clock", () => {
    const rows: RowView[] = [{ bonus, kind: "reconcile", firstSend: 10_000 }];
    expect(decide(rows, [payment(1_000)], { payAgain: true, marginMs: 100 })).toEqual(["send"]);
    expect(decide(rows, [payment(9_950)], { payAgain: true, marginMs: 100 })).toEqual(["reconciled"]);
  });
});
