/**
 * Settling a refused SendBonus by evidence, on both transports: which
 * refusals are the duplicate answer, which are read back from
 * ListBonusPayments, on whose clock, and what the caller is told when
 * nothing settles it.
 */
import { describe, expect, it } from "vitest";
import { RequestError, type MTurkError } from "../../src/errors.js";
import { duplicateVerdict, mentions } from "../../src/settle.js";
import { TRANSPORTS, useFakeMTurk, type CapturedRequest, type Handler } from "./helpers/fake-mturk.js";
import { awsError, bonusInput, OK, TOKEN } from "./helpers/fixtures.js";

const SERVER_AHEAD_MS = 2 * 3600_000;
const serverNow = (): number => Date.now() + SERVER_AHEAD_MS;

/** Answers carry MTurk's clock (two hours ahead of ours) in `Date`. */
function dated<T extends { headers?: Record<string, string> }>(reply: T): T {
  return { ...reply, headers: { ...reply.headers, date: new Date(serverNow()).toUTCString() } };
}

function payment(overrides: Record<string, unknown> = {}) {
  const input = bonusInput();
  return {
    WorkerId: input.WorkerId,
    BonusAmount: "1.5",
    AssignmentId: input.AssignmentId,
    Reason: input.Reason,
    GrantTime: serverNow() / 1000,
    ...overrides,
  };
}

function page(payments: unknown[], NextToken?: string) {
  return dated({
    status: 200,
    headers: { "x-amzn-requestid": "req-list" },
    body: JSON.stringify({ NumResults: payments.length, BonusPayments: payments, ...(NextToken ? { NextToken } : {}) }),
  });
}

const opaque = () => dated(awsError(400, "RequestError", "There was an error with this request. (1700000000000)"));
const worded = () => dated(awsError(400, "RequestError", "This request has already been processed. (1700000000000)"));
const fault = (requestId = "req-fault") =>
  dated({ ...awsError(500, "ServiceFault", "try again"), headers: { "x-amzn-requestid": requestId } });

const operationOf = (request: CapturedRequest): string => request.headers["x-amz-target"]!.split(".")[1]!;

/** SendBonus answers in order; ListBonusPayments pages in order. */
function script(sends: unknown[], pages: unknown[] = []): Handler {
  let send = 0;
  let list = 0;
  return (request) =>
    (operationOf(request) === "SendBonus"
      ? sends[Math.min(send++, sends.length - 1)]
      : pages[Math.min(list++, pages.length - 1)]) as never;
}

describe.each(TRANSPORTS)("settling a refused SendBonus over %s", (transport) => {
  const mturk = useFakeMTurk(transport);
  const operations = () => mturk.requests.map(operationOf);

  it("reads back after a lost answer and finds the payment on a later page: paid, settled by read-back", async () => {
    mturk.reply(script([fault(), opaque()], [page([payment({ WorkerId: "AOTHER1" })], "p2"), page([payment()])]));
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
    expect(output.settledBy, "output.settledBy").toBe("read-back");
    expect(operations()).toEqual(["SendBonus", "SendBonus", "ListBonusPayments", "ListBonusPayments"]);
  });

  it("keeps the duplicate answer's 400 in $metadata of an alreadyGranted result, with settledBy saying why", async () => {
    mturk.reply(
      script([
        fault(),
        dated(awsError(400, "RequestError", `The idempotency token "${TOKEN}" has already been processed.`)),
      ]),
    );
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
    expect(output.settledBy, "output.settledBy").toBe("duplicate-token");
    expect(output.$metadata.httpStatusCode, "output.$metadata.httpStatusCode").toBe(400);
    expect(output.$metadata.attempts, "output.$metadata.attempts").toBe(2);
  });

  it("compares GrantTime on MTurk's clock, learned from Date, not on a local clock two hours behind", async () => {
    // Granted a minute after our first attempt by MTurk's clock; by ours, two hours in the future: either way after it.
    // And one granted an hour before the first attempt by MTurk's clock, which by ours would fall inside the window.
    const before = payment({ GrantTime: (serverNow() - 3600_000) / 1000 });
    mturk.reply(script([fault(), opaque()], [page([before])]));
    const error = (await mturk
      .client()
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error, "error class").toBeInstanceOf(RequestError);
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(false);
  });

  it.each([
    ["another worker", { WorkerId: "AOTHER1" }],
    ["another amount", { BonusAmount: "1.51" }],
    ["another reason", { Reason: "Thanks for the careful work!" }],
  ])("does not take a payment to %s for this one: the refusal stands", async (_label, overrides) => {
    mturk.reply(script([fault(), opaque()], [page([payment(overrides)])]));
    const error = (await mturk
      .client()
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.name, "error.name").toBe("RequestError");
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(false);
  });

  it("leaves a duplicate-worded refusal that the listing contradicts as outcomeUnknown", async () => {
    mturk.reply(script([fault(), worded()], [page([])]));
    const error = (await mturk
      .client()
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.name, "error.name").toBe("RequestError");
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
  });

  it("reports outcomeUnknown, never a plain failure, when the read-back itself fails", async () => {
    mturk.reply(script([fault(), opaque()], [dated(awsError(400, "AccessDeniedException", "no listing for you"))]));
    const error = (await mturk
      .client()
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.name, "error.name").toBe("RequestError");
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    expect(error.UniqueRequestToken, "error.UniqueRequestToken").toEqual(TOKEN);
    expect(error.message).toContain("ListBonusPayments read-back failed");
  });

  it("recognises an answer naming an earlier attempt's request id as the duplicate answer, without a read-back", async () => {
    mturk.reply(
      script([
        fault("req-original-7"),
        dated(awsError(400, "RequestError", "Request req-original-7 was processed earlier.")),
      ]),
    );
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.settledBy, "output.settledBy").toBe("duplicate-token");
    expect(operations(), "operations()").toEqual(["SendBonus", "SendBonus"]);
  });

  it("reads back a caller's token refused in duplicate words on the first attempt, and leaves it open when the payment is older than the call", async () => {
    mturk.reply(script([worded()], [page([payment({ GrantTime: (serverNow() - 3600_000) / 1000 })])]));
    const error = (await mturk
      .client()
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    expect(operations(), "operations()").toEqual(["SendBonus", "ListBonusPayments"]);
  });

  it("finds it when told when the token was first sent", async () => {
    mturk.reply(script([worded()], [page([payment({ GrantTime: (serverNow() - 3600_000) / 1000 })])]));
    const client = mturk.client();
    const output = await client.sendBonus(bonusInput(), { tokenFirstSentAt: new Date(serverNow() - 3600_000 - 1000) });
    expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
    expect(output.settledBy, "output.settledBy").toBe("read-back");
  });

  it("does not read back a plain refusal of a first attempt, nor a duplicate-worded refusal of its own fresh token", async () => {
    mturk.reply(script([opaque()]));
    await mturk
      .client()
      .sendBonus(bonusInput())
      .catch(() => undefined);
    mturk.reply(script([worded()]));
    const { UniqueRequestToken: _omit, ...fresh } = bonusInput();
    const error = (await mturk
      .client()
      .sendBonus(fresh)
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(false);
    expect(operations(), "operations()").toEqual(["SendBonus", "SendBonus"]);
  });

  it("does not read back after an abort, a throttled or a failing service", async () => {
    mturk.reply(script([fault(), dated(awsError(400, "ThrottlingException", "Rate exceeded"))]));
    const error = (await mturk
      .client({ maxAttempts: 2 })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    expect(operations(), "operations()").toEqual(["SendBonus", "SendBonus"]);
  });

  it("resolves a plain success as settled by the response", async () => {
    mturk.reply(OK);
    expect((await mturk.client().sendBonus(bonusInput())).settledBy).toBe("response");
  });
});

describe("duplicateVerdict", () => {
  const refused = (message: string, TurkErrorCode?: string) =>
    new RequestError({ message, ...(TurkErrorCode ? { TurkErrorCode } : {}) });

  it.each<[string, string, string[], string]>([
    [
      "the token, MTurk's observed form",
      `The idempotency token "tok-1" has already been processed. (1626172412406)`,
      [],
      "duplicate",
    ],
    ["the token alone", "Duplicate request tok-1", [], "duplicate"],
    ["an earlier request id", "See request 4b1a-99 for the original.", ["4b1a-99"], "duplicate"],
    ["'already been processed' without the token", "This request has already been processed.", [], "maybe"],
    ["'already exists'", 'The HIT with ID "3X" already exists.', [], "maybe"],
    [
      "insufficient funds",
      "This Requester has insufficient funds in their account to complete this transaction.",
      [],
      "refusal",
    ],
    ["a longer token that contains ours", 'The idempotency token "tok-12" has already been processed.', [], "maybe"],
  ])("reads a RequestError naming %s", (_label, message, ids, verdict) => {
    expect(duplicateVerdict(refused(message), "tok-1", ids)).toBe(verdict);
  });

  it("reads a duplicate-like TurkErrorCode as maybe", () => {
    expect(
      duplicateVerdict(refused("There was an error with this request.", "AWS.MechanicalTurk.DuplicateRequest"), "t"),
    ).toBe("maybe");
  });

  it("never calls another code a duplicate", () => {
    expect(duplicateVerdict(new RequestError({ message: "tok-1" }), "tok-1")).toBe("duplicate");
    expect(
      duplicateVerdict(
        Object.assign(new RequestError({ message: "tok-1 already processed" }), { name: "ValidationException" }),
        "tok-1",
      ),
    ).toBe("refusal");
  });
});

describe("mentions", () => {
  it("does not find a short token inside MTurk's epoch-ms suffix", () => {
    expect(mentions("There was an error with this request. (1626172412406)", "1")).toBe(false);
  });

  it("finds a token quoted, bracketed or at either end", () => {
    expect(['"t.1" x', "(t.1)", "t.1", "x t.1"].map((text) => mentions(text, "t.1"))).toEqual([true, true, true, true]);
  });

  it("treats regular-expression characters in a token literally", () => {
    expect([mentions("token a+b", "a+b"), mentions("token aab", "a+b")]).toEqual([true, false]);
  });
});
