import { describe, expect, it } from "vitest";
import { replay } from "../../src/bulk/journal.js";
import { planPayout } from "../../src/bulk/plan.js";
import { countsOf, resultOf, Tally } from "../../src/bulk/tally.js";
import type { PayoutProgress, RowResult } from "../../src/bulk/types.js";
import { failed, header, intent, paid, row } from "./helpers.js";

describe("a row's result", () => {
  const planned = { row: row(), index: 0, token: "tok", action: "send" as const };

  it("of a paid row says how it is known paid, with the request id that paid it", () => {
    const state = replay([header(), intent("tok"), paid("tok", undefined, { requestId: "req-1", attempts: 2 })]);
    const result = resultOf(planned, "paid", state.tokens.get("tok"));
    expect(result, "paid").toMatchObject({
      status: "paid",
      via: "sent",
      requestId: "req-1",
      sends: 1,
      httpAttempts: 2,
      token: "tok",
    });
    expect(result.error, "no error on a paid row").toBeUndefined();
  });

  it("of a failed row carries its last error and answer", () => {
    const state = replay([header(), intent("tok"), failed("tok", false, undefined, { requestId: "req-2" })]);
    const result = resultOf(planned, "failed", state.tokens.get("tok"));
    expect(result.error?.name, "last error").toBe("RequestError");
    expect(result.requestId, "last answer").toBe("req-2");
  });

  it("says when a paid outcome could not be journaled, and when it was paid before this run", () => {
    const state = replay([header(), intent("tok"), paid("tok")]);
    expect(
      resultOf(planned, "paid", state.tokens.get("tok"), { unjournaled: true }).outcomeJournaled,
      "not journaled",
    ).toBe(false);
    expect(resultOf(planned, "paid", state.tokens.get("tok"), { earlierRun: true }).earlierRun, "earlier run").toBe(
      true,
    );
  });

  it("of a skipped ($0) row has no token, no sends and no error", () => {
    const result = resultOf(
      { row: row({ BonusAmount: "0.00", cents: 0 }), index: 0, action: "skip" },
      "skipped",
      undefined,
    );
    expect(result, "skipped").toMatchObject({ status: "skipped", sends: 0, httpAttempts: 0 });
    expect("token" in result, "no token").toBe(false);
  });
});

describe("the tally", () => {
  it("counts rows by status", () => {
    const statuses = ["paid", "paid", "skipped", "failed", "pending"] as const;
    const rows = statuses.map((status) => ({ status }) as RowResult);
    expect(countsOf(rows, 1)).toEqual({ rows: 5, paid: 2, paidNow: 1, skipped: 1, failed: 1, pending: 1 });
  });

  it("reports each settled row and the progress, and settles the rows left as pending (not reached) or failed (errored)", () => {
    const rows = [row({ line: 2 }), row({ line: 3, WorkerId: "A2WORKER" }), row({ line: 4, WorkerId: "A3WORKER" })];
    const plan = planPayout(rows, { batchId: "b", contentHash: "c", namespace: "ns", now: 0 });
    const results: RowResult[] = [];
    const progress: PayoutProgress[] = [];
    const tally = new Tally(
      plan,
      replay([]),
      { onResult: (r) => results.push(r), onProgress: (p) => progress.push(p) },
      performance.now(),
      5,
      () => ({ inFlight: 0, rateLimit: 5 }),
    );
    const [first, second] = plan.rows;
    tally.settle(first as (typeof plan.rows)[number], "paid");
    tally.errored((second as (typeof plan.rows)[number]).index);
    const outcome = tally.finish({ stoppedBy: "stopped" });
    expect(
      results.map((r) => r.status),
      "statuses in input order",
    ).toEqual(["paid", "failed", "pending"]);
    expect(progress.at(0), "progress after the first row").toMatchObject({
      total: 3,
      paid: 1,
      remaining: 2,
      paidCents: 100,
    });
    expect(outcome.complete, "complete").toBe(false);
    expect(outcome.stoppedBy, "why it stopped").toBe("stopped");
    expect(outcome.paidNow, "paid now").toEqual({ rows: 1, bonusCents: 100, feeCents: 20, totalCents: 120 });
  });
});
