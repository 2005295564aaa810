/** SendBonus, GetAccountBalance and ListBonusPayments answers, as the service gives them. */
import { describe, expect, it } from "vitest";
import { Ledger } from "../../src/simulator/ledger.js";
import { runOperation } from "../../src/simulator/operations.js";
import type { OperationName } from "../../src/simulator/protocol.js";
import { bonus } from "./helpers.js";

const NOW = 1_700_000_000_123;
const ctx = { requestId: "11111111-2222-3333-4444-555555555555", now: NOW };

function run(operation: OperationName, input: Record<string, unknown>, ledger = new Ledger({ now: () => NOW })) {
  const response = runOperation(ledger, operation, input, ctx);
  return { ...response, json: JSON.parse(response.body || "null") as Record<string, unknown> };
}

describe("SendBonus", () => {
  it("answers 200 with {} and the standard headers", () => {
    const answer = run("SendBonus", bonus());
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("{}");
    expect(answer.headers).toMatchObject({
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-requestid": ctx.requestId,
    });
  });

  it("refuses an over-precise amount in the service's words", () => {
    expect(run("SendBonus", bonus({ BonusAmount: "0.9752" })).json).toEqual({
      __type: "ValidationException",
      message:
        "1 validation error detected: Value '0.9752' at 'bonusAmount' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$",
    });
  });

  it("refuses a missing Reason as null", () => {
    const { Reason: _, ...input } = bonus();
    expect(run("SendBonus", input).json.message).toBe(
      "1 validation error detected: Value null at 'reason' failed to satisfy constraint: Member must not be null",
    );
  });

  it("lists every violation, counted", () => {
    const message = run("SendBonus", bonus({ WorkerId: "w1", UniqueRequestToken: "x".repeat(65) })).json.message;
    expect(message).toMatch(
      /^2 validation errors detected: Value 'w1' at 'workerId' failed to satisfy constraint: Member must satisfy regular expression pattern: \^A\[A-Z0-9\]\+\$; /,
    );
    expect(message).toContain(
      "at 'uniqueRequestToken' failed to satisfy constraint: Member must have length less than or equal to 64",
    );
  });

  it("answers SerializationException for a number where a string belongs", () => {
    expect(run("SendBonus", bonus({ BonusAmount: 1 })).json.__type).toBe("SerializationException");
  });

  it("validates before it pays", () => {
    const ledger = new Ledger({ now: () => NOW });
    run("SendBonus", bonus({ BonusAmount: "$1" }), ledger);
    expect(ledger.snapshot()).toMatchObject({ bonuses: [], counters: { validationFailures: 1 } });
  });

  it("answers a reused token with the 'already processed' RequestError naming it", () => {
    const ledger = new Ledger({ now: () => NOW });
    run("SendBonus", bonus({ UniqueRequestToken: "tok-1" }), ledger);
    const answer = run("SendBonus", bonus({ UniqueRequestToken: "tok-1" }), ledger);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      __type: "RequestError",
      Message: `The idempotency token "tok-1" has already been processed. (${NOW})`,
    });
    expect(ledger.snapshot().counters).toMatchObject({ paid: 1, duplicates: 1, requestErrors: 1 });
  });

  it("answers short funds with the InsufficientFunds RequestError", () => {
    const answer = run("SendBonus", bonus({ BonusAmount: "20000" }));
    expect(answer.json).toEqual({
      __type: "RequestError",
      Message: `This Requester has insufficient funds in their account to complete this transaction. (${NOW})`,
      TurkErrorCode: "AWS.MechanicalTurk.InsufficientFunds",
    });
  });

  it("answers a worker who did not do the assignment with a RequestError", () => {
    const ledger = new Ledger({ now: () => NOW, assignments: { ASSIGNMENT1: "AREAL" } });
    expect(run("SendBonus", bonus(), ledger).json).toMatchObject({
      __type: "RequestError",
      Message: expect.stringMatching(/did not work on assignment ASSIGNMENT1/),
    });
  });
});

describe("GetAccountBalance", () => {
  it("answers the available and on-hold balance as dollar strings", () => {
    const ledger = new Ledger({ balance: "12.50", now: () => NOW });
    run("SendBonus", bonus({ BonusAmount: "1.00" }), ledger);
    expect(run("GetAccountBalance", {}, ledger).json).toEqual({ AvailableBalance: "11.30", OnHoldBalance: "0.00" });
  });
});

describe("ListBonusPayments", () => {
  function ledgerWith(n: number) {
    let now = NOW;
    const ledger = new Ledger({ now: () => now });
    for (let i = 1; i <= n; i++) {
      now += 1000;
      ledger.payBonus({ WorkerId: "AW1", BonusAmount: `${i}`, AssignmentId: "AS1", Reason: `r${i}` }, `q${i}`);
    }
    return ledger;
  }

  it("lists an assignment's bonuses with GrantTime in epoch seconds", () => {
    expect(run("ListBonusPayments", { AssignmentId: "AS1" }, ledgerWith(1)).json).toEqual({
      NumResults: 1,
      BonusPayments: [
        { WorkerId: "AW1", BonusAmount: "1.00", AssignmentId: "AS1", Reason: "r1", GrantTime: (NOW + 1000) / 1000 },
      ],
    });
  });

  it("pages with MaxResults and NextToken until every bonus is seen once", () => {
    const ledger = ledgerWith(5);
    const seen: string[] = [];
    let token: unknown;
    for (let page = 0; page < 10; page++) {
      const answer = run(
        "ListBonusPayments",
        { AssignmentId: "AS1", MaxResults: 2, ...(token ? { NextToken: token } : {}) },
        ledger,
      ).json;
      seen.push(...(answer.BonusPayments as { Reason: string }[]).map((b) => b.Reason));
      token = answer.NextToken;
      if (token === undefined) break;
    }
    expect(seen).toEqual(["r1", "r2", "r3", "r4", "r5"]);
  });

  it("answers an empty page for an assignment with no bonuses", () => {
    expect(run("ListBonusPayments", { AssignmentId: "NONE" }).json).toEqual({ NumResults: 0, BonusPayments: [] });
  });

  it("refuses MaxResults above 100", () => {
    expect(run("ListBonusPayments", { AssignmentId: "AS1", MaxResults: 101 }).json.message).toMatch(
      /Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100/,
    );
  });

  it("refuses a NextToken from another assignment", () => {
    const ledger = ledgerWith(3);
    const token = run("ListBonusPayments", { AssignmentId: "AS1", MaxResults: 1 }, ledger).json.NextToken;
    expect(run("ListBonusPayments", { AssignmentId: "AS2", NextToken: token }, ledger).json.__type).toBe(
      "RequestError",
    );
  });

  it("refuses a call naming neither HITId nor AssignmentId", () => {
    expect(run("ListBonusPayments", {}).json.__type).toBe("RequestError");
  });
});
