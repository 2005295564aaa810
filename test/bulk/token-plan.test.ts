import { describe, expect, it } from "vitest";
import {
  describePlan,
  formatDollars,
  planPayout,
  shortfallCents,
  TOKEN_REUSE_WINDOW_MS,
  totalsOf,
} from "../../src/bulk/plan.js";
import { JournalState } from "../../src/bulk/journal.js";
import { parseBonusFile, validateRows } from "../../src/bulk/rows.js";
import { contentHash, defaultBatchId, deriveToken, tokensFor } from "../../src/bulk/token.js";

const rows = validateRows([
  { WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1.5", Reason: "thanks" },
  { WorkerId: "A2BBB", AssignmentId: "3X2", BonusAmount: "0.04", Reason: "thanks" },
  { WorkerId: "A3CCC", AssignmentId: "3X3", BonusAmount: "0", Reason: "nothing" },
  { WorkerId: "A4DDD", AssignmentId: "3X4", BonusAmount: "2", Reason: "thanks", UniqueRequestToken: "mine" },
]);

describe("tokens", () => {
  it("are deterministic, at most 64 characters, and depend on namespace and content", () => {
    const row = { WorkerId: "A1AAA", AssignmentId: "3X1", cents: 150, Reason: "thanks" };
    const token = deriveToken("batch-1", row);
    expect(token).toBe(deriveToken("batch-1", { ...row }));
    expect(token.length).toBeLessThanOrEqual(64);
    expect(token).toMatch(/^mtb2-[A-Za-z0-9_-]{43}$/);
    for (const other of [
      deriveToken("batch-2", row),
      deriveToken("batch-1", { ...row, cents: 151 }),
      deriveToken("batch-1", { ...row, Reason: "thanks!" }),
      deriveToken("batch-1", row, 1),
    ]) {
      expect(other).not.toBe(token);
    }
  });

  it("keep a given token, and number identical rows so that allowed duplicates are each paid", () => {
    const dup = validateRows(
      [
        { WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1", Reason: "r" },
        { WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1", Reason: "r" },
      ],
      { allowDuplicates: true },
    );
    const [a, b] = tokensFor(dup, "b");
    expect(a).not.toBe(b);
    expect(tokensFor(rows, "b")[3]).toBe("mine");
  });

  it("derive the batch id from what the rows say, not how the file spells it", () => {
    const crlf = parseBonusFile('\uFEFFWorkerId,AssignmentId,BonusAmount,Reason\r\nA1AAA,3X1,1.5,"thanks"\r\n').rows;
    const lf = parseBonusFile("WorkerId,AssignmentId,BonusAmount,Reason\nA1AAA,3X1,1.50,thanks\n").rows;
    expect(contentHash(crlf)).toBe(contentHash(lf));
    expect(defaultBatchId(crlf)).toMatch(/^b-[0-9a-f]{16}$/);
    const changed = parseBonusFile("WorkerId,AssignmentId,BonusAmount,Reason\nA1AAA,3X1,1.51,thanks\n").rows;
    expect(defaultBatchId(changed)).not.toBe(defaultBatchId(lf));
  });
});

describe("plan", () => {
  it("adds bonuses and fees in cents: 20%, rounded half up, at least one cent", () => {
    expect(totalsOf(rows)).toEqual({ rows: 3, bonusCents: 354, feeCents: 30 + 1 + 40, totalCents: 354 + 71 });
    expect(formatDollars(123456789)).toBe("$1,234,567.89");
    expect(formatDollars(5)).toBe("$0.05");
  });

  it("skips $0 rows, marks journal-paid rows done, old unknown outcomes for reconciliation and the rest for a check", () => {
    const tokens = tokensFor(rows, "b");
    const journal = new JournalState();
    const now = Date.parse("2026-01-02T00:00:00Z");
    journal.get(tokens[0] as string).paid = { via: "sent", at: now };
    journal.get(tokens[1] as string).unknownSince = now - TOKEN_REUSE_WINDOW_MS;
    journal.get("mine").unknownSince = now - TOKEN_REUSE_WINDOW_MS + 1;
    const plan = planPayout(rows, { batchId: "b", contentHash: "h", journal, now, balanceCents: 100 });
    expect(plan.rows.map((p) => p.action)).toEqual(["done", "reconcile", "skip", "send"]);
    expect(planPayout(rows, { batchId: "b", contentHash: "h", now }).rows.map((p) => p.action)).toEqual([
      "check",
      "check",
      "skip",
      "check",
    ]);
    expect(planPayout(rows, { batchId: "b", contentHash: "h", now, payAgain: true }).rows.map((p) => p.action)).toEqual(
      ["send", "send", "skip", "send"],
    );
    expect(plan.toPay).toEqual({ rows: 2, bonusCents: 204, feeCents: 41, totalCents: 245 });
    expect(plan.alreadyPaid.rows).toBe(1);
    expect(shortfallCents(plan)).toBe(145);
    const text = describePlan(plan, { input: "b.csv", target: "sandbox" });
    expect(text).toContain("Grand total    $2.45");
    expect(text).toContain("Short by       $1.45");
    expect(text).toContain("Skipped ($0) on line(s) 3");
  });
});

describe("assignments to list", () => {
  it("are counted alike whether or not the rows are known to name each assignment once", () => {
    const now = Date.parse("2026-01-02T00:00:00Z");
    const lists = [
      rows,
      // Two workers on one assignment, a $0 row sharing an assignment, and a repeated pair allowed as a duplicate.
      validateRows(
        [
          { WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1", Reason: "a" },
          { WorkerId: "A2BBB", AssignmentId: "3X1", BonusAmount: "1", Reason: "b" },
          { WorkerId: "A3CCC", AssignmentId: "3X2", BonusAmount: "0", Reason: "c" },
          { WorkerId: "A4DDD", AssignmentId: "3X2", BonusAmount: "1", Reason: "d" },
          { WorkerId: "A5EEE", AssignmentId: "3X3", BonusAmount: "1", Reason: "e" },
          { WorkerId: "A5EEE", AssignmentId: "3X3", BonusAmount: "1", Reason: "e" },
        ],
        { allowDuplicates: true },
      ),
      // Each assignment once among the rows to pay; a $0 row shares one.
      validateRows([
        { WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1", Reason: "a" },
        { WorkerId: "A2BBB", AssignmentId: "3X1", BonusAmount: "0", Reason: "b" },
        { WorkerId: "A3CCC", AssignmentId: "3X2", BonusAmount: "2", Reason: "c" },
      ]),
    ];
    const counts = lists.map((list) => {
      const checked = planPayout(list, { batchId: "b", contentHash: "h", now });
      const copy = planPayout([...list], { batchId: "b", contentHash: "h", now });
      expect(checked).toEqual(copy);
      return checked.assignmentsToList;
    });
    expect(counts).toEqual([3, 3, 2]);
  });
});

describe("identity", () => {
  it("a row's token depends on the row and the namespace only, never on the other rows or their order", () => {
    const a = validateRows([
      { WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1.5", Reason: "thanks" },
      { WorkerId: "A2BBB", AssignmentId: "3X2", BonusAmount: "2", Reason: "thanks" },
    ]);
    const b = validateRows([
      { WorkerId: "A9ZZZ", AssignmentId: "3X9", BonusAmount: "9", Reason: "late" },
      { WorkerId: "A2BBB", AssignmentId: "3X2", BonusAmount: "2.00", Reason: "thanks" },
      { WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1.50", Reason: "thanks" },
    ]);
    const [a1, a2] = tokensFor(a, "ns");
    const [, b2, b1] = tokensFor(b, "ns");
    expect(b1, "row 1's token, moved to the end").toBe(a1);
    expect(b2, "row 2's token").toBe(a2);
    expect(defaultBatchId(a)).not.toBe(defaultBatchId(b));
    expect(tokensFor(a, "other")[0]).not.toBe(a1);
  });

  it("is the shared definition in src/identity.ts (node:crypto gives the same tokens as the portable hash)", async () => {
    const identity = await import("../../src/identity.js");
    const raw = ["thanks ✓", 'Ünïcødé 🎉 "quoted", comma', "", "x".repeat(4000)]
      .flatMap((Reason, i) => [
        { WorkerId: `A${i}AAA`, AssignmentId: "3X1", BonusAmount: "1.50", Reason },
        { WorkerId: `A${i}AAA`, AssignmentId: "3X1", BonusAmount: "1.50", Reason },
      ])
      .filter((r) => r.Reason !== "");
    const rows = validateRows(raw, { allowDuplicates: true });
    const tokens = tokensFor(rows, "target:https://example.test");
    for (const [i, row] of rows.entries()) {
      expect(tokens[i], `row ${i}`).toBe(identity.deriveToken("target:https://example.test", row, i % 2));
    }
    // Without allowed duplicates no counting is needed, and the first occurrence's token is the same.
    const single = validateRows(raw.filter((_, i) => i % 2 === 0));
    expect(tokensFor(single, "ns", false)).toEqual(single.map((row) => identity.deriveToken("ns", row, 0)));
  });
});
