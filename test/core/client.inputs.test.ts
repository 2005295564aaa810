/**
 * What is validated is what is sent: the client takes one snapshot of the
 * caller's own enumerable fields, on both transports.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { TRANSPORTS, useFakeMTurk } from "./helpers/fake-mturk.js";
import { bonusInput, OK } from "./helpers/fixtures.js";

describe.each(TRANSPORTS)("inputs over %s", (transport) => {
  const mturk = useFakeMTurk(transport);

  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).UniqueRequestToken;
  });

  it("never reads an inherited UniqueRequestToken: a polluted Object.prototype does not make calls share a token", async () => {
    mturk.reply(OK);
    (Object.prototype as Record<string, unknown>).UniqueRequestToken = "polluted-token";
    const client = mturk.client();
    const { UniqueRequestToken: _omit, ...input } = bonusInput();
    const outputs = [await client.sendBonus(input), await client.sendBonus(input), await client.sendBonus(input)];
    delete (Object.prototype as Record<string, unknown>).UniqueRequestToken;
    const sent = mturk.requests.map((r) => JSON.parse(r.body).UniqueRequestToken as string);
    expect(new Set(sent).size).toBe(3);
    expect(sent).not.toContain("polluted-token");
    expect(outputs.map((o) => o.UniqueRequestToken)).toEqual(sent);
  });

  it("reads a getter once: the amount checked is the amount sent", async () => {
    mturk.reply(OK);
    const amounts = ["1.00", "1000.00"];
    let reads = 0;
    const input = { ...bonusInput() } as Record<string, unknown>;
    delete input.BonusAmount;
    Object.defineProperty(input, "BonusAmount", { enumerable: true, get: () => amounts[Math.min(reads++, 1)] });
    await mturk.client().sendBonus(input as never);
    expect(reads, "reads").toBe(1);
    expect(JSON.parse(mturk.requests[0]!.body).BonusAmount, "JSON.parse(mturk.requests[0]!.body).BonusAmount").toBe(
      "1.00",
    );
  });

  it("refuses a getter whose one reading is bad, before any I/O", async () => {
    mturk.reply(OK);
    const input = { ...bonusInput() } as Record<string, unknown>;
    delete input.BonusAmount;
    let reads = 0;
    Object.defineProperty(input, "BonusAmount", { enumerable: true, get: () => (reads++ === 0 ? "1.005" : "1.00") });
    await expect(mturk.client().sendBonus(input as never)).rejects.toBeInstanceOf(ValidationError);
    expect(mturk.requests).toHaveLength(0);
  });

  it("ignores non-enumerable fields, as it ignores inherited ones", async () => {
    mturk.reply(OK);
    const input = { ...bonusInput() } as Record<string, unknown>;
    delete input.UniqueRequestToken;
    Object.defineProperty(input, "UniqueRequestToken", { enumerable: false, value: "hidden-token" });
    const output = await mturk.client().sendBonus(input as never);
    expect(JSON.parse(mturk.requests[0]!.body).UniqueRequestToken).not.toBe("hidden-token");
    expect(output.UniqueRequestToken).toBe(JSON.parse(mturk.requests[0]!.body).UniqueRequestToken);
  });

  it("pages with an own NextToken only", async () => {
    (Object.prototype as Record<string, unknown>).NextToken = "inherited-page";
    try {
      mturk.reply({ status: 200, body: JSON.stringify({ NumResults: 0, BonusPayments: [] }) });
      const pages = [];
      for await (const payment of mturk.client().paginateBonusPayments({ AssignmentId: "3X" })) pages.push(payment);
      expect(Object.hasOwn(JSON.parse(mturk.requests[0]!.body) as object, "NextToken")).toBe(false);
    } finally {
      delete (Object.prototype as Record<string, unknown>).NextToken;
    }
  });
});
