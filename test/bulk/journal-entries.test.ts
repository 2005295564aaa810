import { describe, expect, it } from "vitest";
import { RequestError } from "../../src/errors.js";
import { failedEntry, intentEntry, notSentEntry, paidEntry, replay, unknownSince } from "../../src/bulk/journal.js";
import { journaledError } from "../../src/bulk/policy.js";
import { header, row } from "./helpers.js";

const times = { at: "2026-01-01T00:00:00.000Z", srv: "2026-01-01T00:00:01.000Z" };

describe("the entries a send journals", () => {
  it("an intent carries the row's fields with the first send only (a long Reason is not journaled again)", () => {
    const first = intentEntry("tok", row(), 0, times);
    const again = intentEntry("tok", row(), 1, times);
    expect(first, "first send").toEqual({
      t: "intent",
      token: "tok",
      line: 2,
      WorkerId: "A1WORKER",
      AssignmentId: "3ASSIGNMENT1",
      BonusAmount: "1.00",
      Reason: "Thanks",
      n: 1,
      ...times,
    });
    expect(again, "second send").toEqual({ t: "intent", token: "tok", n: 2, ...times });
  });

  it("a paid outcome keeps the request id, the attempts, and whether an earlier send with the token paid", () => {
    expect(paidEntry("tok", { alreadyGranted: true, $metadata: { requestId: "r1", attempts: 2 } }, times)).toEqual({
      t: "outcome",
      token: "tok",
      status: "paid",
      alreadyGranted: true,
      requestId: "r1",
      attempts: 2,
      ...times,
    });
  });

  it("a failed outcome keeps the error and the failed call's request id and attempts", () => {
    const error = new RequestError({ message: "no", $metadata: { requestId: "r2", attempts: 1 } });
    expect(failedEntry("tok", error, journaledError(error), times)).toEqual({
      t: "outcome",
      token: "tok",
      status: "failed",
      attempts: 1,
      requestId: "r2",
      error: journaledError(error),
      ...times,
    });
  });

  it("a send stopped before it left leaves the token settled as not paid, for sure", () => {
    const state = replay([header(), intentEntry("tok", row(), 0, times), notSentEntry("tok", times)]);
    const token = state.get("tok");
    expect(unknownSince(token), "nothing may have paid").toBeUndefined();
    expect(token.paid, "not paid").toBeUndefined();
    expect(token.lastError?.name, "why").toBe("NotSent");
  });
});
