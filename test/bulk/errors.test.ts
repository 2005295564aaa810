import { describe, expect, it } from "vitest";
import { isMTurkError, MTurkError, RequestError } from "../../src/errors.js";
import { BalanceCheckError, InsufficientBalanceError } from "../../src/bulk/balance.js";
import { JournalError } from "../../src/bulk/journal.js";
import { planPayout } from "../../src/bulk/plan.js";
import { InvalidRowsError } from "../../src/bulk/rows.js";
import { row } from "./helpers.js";

describe("bulk errors are one family with the client's", () => {
  const plan = planPayout([row({ BonusAmount: "10.00", cents: 1000 })], {
    batchId: "b",
    contentHash: "c",
    namespace: "ns",
    now: 0,
    balanceCents: 500,
  });
  const cause = new RequestError({
    message: "denied",
    $metadata: { httpStatusCode: 400, requestId: "r1", attempts: 1 },
  });
  const errors = {
    InvalidRowsError: new InvalidRowsError([{ line: 2, field: "BonusAmount", message: "bad" }]),
    JournalError: new JournalError("in use", "locked"),
    BalanceCheckError: new BalanceCheckError(cause, 3),
    InsufficientBalanceError: new InsufficientBalanceError(plan),
  };

  it("every one is an MTurkError, keeps its name, and says it was the caller's side", () => {
    for (const [name, error] of Object.entries(errors)) {
      expect(error, name).toBeInstanceOf(MTurkError);
      expect(isMTurkError(error), `${name} is branded`).toBe(true);
      expect(error.name, "name").toBe(name);
      expect(error.outcomeUnknown, `${name}: nothing was paid`).toBe(false);
    }
  });

  it("keeps its own fields", () => {
    expect(errors.InvalidRowsError.problems, "problems").toHaveLength(1);
    expect(errors.JournalError.reason, "reason").toBe("locked");
    expect(errors.InsufficientBalanceError.shortfallCents, "shortfall: $10 + $2 fees - $5").toBe(700);
    expect(errors.InsufficientBalanceError.plan, "plan").toBe(plan);
    expect(errors.BalanceCheckError.cause, "cause").toBe(cause);
    expect(errors.BalanceCheckError.$metadata.requestId, "the failed call's metadata").toBe("r1");
    expect(errors.BalanceCheckError.message, "message").toMatch(
      /failed 3 times \(RequestError: denied\); nothing was paid/,
    );
  });
});
