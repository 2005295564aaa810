/** Client construction, destroy(), per-attempt credentials and pagination, for both transports. */
import { describe, expect, it } from "vitest";
import { MTurkClient as EdgeClient } from "../../src/edge.js";
import { CredentialsProviderError, MTurkError, ValidationError } from "../../src/errors.js";
import { MTurkClient } from "../../src/index.js";
import { OK, bonusInput, CREDENTIALS } from "./helpers/fixtures.js";
import { TRANSPORTS, useFakeMTurk } from "./helpers/fake-mturk.js";

describe("client options", () => {
  it.each([
    ["maxAttempts", { maxAttempts: 0 }],
    ["maxAttempts", { maxAttempts: 101 }],
    ["maxAttempts", { maxAttempts: 1.5 }],
    ["timeoutMs", { timeoutMs: 0 }],
    ["timeoutMs", { timeoutMs: Number.NaN }],
    ["timeoutMs", { timeoutMs: 2 ** 31 }],
    ["region", { region: "sandbox" }],
    ["region", { region: "US_EAST_1" }],
    ["endpoint", { endpoint: "http://example.com" }],
  ])("rejects a bad %s", (field, options) => {
    expect(() => new MTurkClient({ credentials: CREDENTIALS, ...options })).toThrow(
      expect.objectContaining({ name: "ValidationError", field }),
    );
  });

  it("constructs without touching the network or the credentials", () => {
    expect(() => new MTurkClient()).not.toThrow();
  });

  it("builds the edge client with the same options", () => {
    expect(() => new EdgeClient({ sandbox: true, credentials: CREDENTIALS })).not.toThrow();
  });
});

describe.each(TRANSPORTS)("client lifecycle over %s", (transport) => {
  const mturk = useFakeMTurk(transport);

  it("fails a call made after destroy() with ClientDestroyedError", async () => {
    mturk.reply(OK);
    const client = mturk.client();
    await client.sendBonus(bonusInput());
    await client.destroy();
    const error = (await client.sendBonus(bonusInput()).catch((e: unknown) => e)) as MTurkError;
    expect(error, "error class").toBeInstanceOf(MTurkError);
    expect(error.name, "error.name").toBe("ClientDestroyedError");
    expect(mturk.requests.length, "mturk.requests.length").toBe(1);
  });

  it("can be destroyed twice after a call", async () => {
    mturk.reply(OK);
    const client = mturk.client();
    await client.sendBonus(bonusInput());
    await client.destroy();
    await expect(client.destroy()).resolves.toBeUndefined();
  });

  it("can be destroyed before any call and twice", async () => {
    const client = mturk.client();
    await client.destroy();
    await expect(client.destroy()).resolves.toBeUndefined();
  });

  it("rejects invalid input before any I/O", async () => {
    mturk.reply(OK);
    await expect(mturk.client().sendBonus(bonusInput({ BonusAmount: "0.975" }))).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(mturk.requests).toHaveLength(0);
  });

  it("asks a provider of expiring credentials again before each attempt", async () => {
    mturk.reply({ status: 503, body: "" }, OK);
    let calls = 0;
    // Inside the 5-minute refresh window: never reused.
    const expiring = () => {
      calls++;
      return { ...CREDENTIALS, expiration: new Date(Date.now() + 60_000) };
    };
    await mturk.client({ credentials: expiring }).sendBonus(bonusInput());
    expect(calls).toBe(2);
  });

  it("asks a provider once for 20 bonuses when its credentials do not expire (a credential_process runs once)", async () => {
    mturk.reply(OK);
    let calls = 0;
    const client = mturk.client({
      credentials: async () => {
        calls++;
        return CREDENTIALS;
      },
    });
    for (let i = 0; i < 20; i++) await client.sendBonus(bonusInput({ UniqueRequestToken: `t-${i}` }));
    expect(calls, "calls").toBe(1);
    expect(mturk.requests.length, "mturk.requests.length").toBe(20);
  });

  it("shares one provider call among concurrent calls", async () => {
    mturk.reply(OK);
    let calls = 0;
    const client = mturk.client({
      credentials: async () => {
        calls++;
        return { ...CREDENTIALS, expiration: new Date(Date.now() + 3600_000) };
      },
    });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.sendBonus(bonusInput({ UniqueRequestToken: `c-${i}` }))),
    );
    expect(calls).toBe(1);
  });

  it("recovers from a failed refresh at the next call", async () => {
    mturk.reply(OK);
    let calls = 0;
    const client = mturk.client({
      credentials: async () => {
        if (++calls === 1) throw new Error("SSO token expired");
        return CREDENTIALS;
      },
    });
    const first = await client.sendBonus(bonusInput()).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(CredentialsProviderError);
    await client.sendBonus(bonusInput());
    await client.sendBonus(bonusInput({ UniqueRequestToken: "other" }));
    expect(calls, "calls").toBe(2);
    expect(mturk.requests.length, "mturk.requests.length").toBe(2);
  });

  it("accepts an async credentials provider", async () => {
    mturk.reply(OK);
    const output = await mturk.client({ credentials: async () => CREDENTIALS }).sendBonus(bonusInput());
    expect(output.$metadata.attempts).toBe(1);
  });

  it("fails with a ValidationError and no I/O when the provider returns nothing", async () => {
    mturk.reply(OK);
    const error = (await mturk
      .client({ credentials: () => undefined as never })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.name, "error.name").toBe("ValidationError");
    expect(error.UniqueRequestToken, "error.UniqueRequestToken").toEqual(bonusInput().UniqueRequestToken);
    expect(mturk.requests.length, "mturk.requests.length").toBe(0);
  });

  it("keeps outcomeUnknown when the provider fails before a retry", async () => {
    mturk.reply({ status: 503, body: "" }, OK);
    let calls = 0;
    const credentials = () => {
      if (calls++ > 0) throw new Error("vault unreachable");
      return { ...CREDENTIALS, expiration: new Date(Date.now() + 60_000) };
    };
    const error = (await mturk
      .client({ credentials })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error, "error class").toBeInstanceOf(MTurkError);
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(1);
    expect(error.UniqueRequestToken, "error.UniqueRequestToken").toEqual(bonusInput().UniqueRequestToken);
  });

  it("follows NextToken across pages", async () => {
    const payment = (n: number) => ({
      WorkerId: "A1",
      BonusAmount: `${n}.00`,
      AssignmentId: "3X",
      Reason: "r",
      GrantTime: 1,
    });
    mturk.reply(
      {
        status: 200,
        body: JSON.stringify({ NumResults: 2, BonusPayments: [payment(1), payment(2)], NextToken: "p2" }),
      },
      { status: 200, body: JSON.stringify({ NumResults: 1, BonusPayments: [payment(3)] }) },
    );
    const amounts: string[] = [];
    for await (const bonus of mturk.client().paginateBonusPayments({ AssignmentId: "3X" }))
      amounts.push(bonus.BonusAmount);
    expect(amounts, "amounts").toEqual(["1.00", "2.00", "3.00"]);
    expect(JSON.parse(mturk.requests[1]!.body).NextToken, "JSON.parse(mturk.requests[1]!.body).NextToken").toBe("p2");
  });

  it("stops paging with an UnexpectedResponseError when a NextToken comes back again", async () => {
    const page = { status: 200, body: JSON.stringify({ NumResults: 0, BonusPayments: [], NextToken: "same" }) };
    mturk.reply(page, page, page);
    const pages = async (): Promise<void> => {
      for await (const _ of mturk.client().paginateBonusPayments({ AssignmentId: "3X" })) void _;
    };
    await expect(pages()).rejects.toMatchObject({ name: "UnexpectedResponseError" });
    expect(mturk.requests).toHaveLength(2);
  });

  it("reports a payment without a valid GrantTime as an UnexpectedResponseError", async () => {
    const payment = { WorkerId: "A1", BonusAmount: "1.00", AssignmentId: "3X", Reason: "r", GrantTime: "not a time" };
    mturk.reply({ status: 200, body: JSON.stringify({ NumResults: 1, BonusPayments: [payment] }) });
    await expect(mturk.client().listBonusPayments({ AssignmentId: "3X" })).rejects.toMatchObject({
      name: "UnexpectedResponseError",
    });
  });

  it("reports a malformed balance answer as an UnexpectedResponseError", async () => {
    mturk.reply({ status: 200, body: '{"AvailableBalance":12}' });
    await expect(mturk.client().getAccountBalance()).rejects.toMatchObject({ name: "UnexpectedResponseError" });
  });
});

describe.each(TRANSPORTS)("MTurk's clock over %s", (transport) => {
  const mturk = useFakeMTurk(transport);

  it("is unknown before any answer, then read from the Date of any answer, success or error", async () => {
    const client = mturk.client({ maxAttempts: 1 });
    expect(client.serverTime()).toBeUndefined();
    const twoHoursAhead = new Date(Date.now() + 2 * 3_600_000);
    mturk.reply({ status: 200, headers: { date: twoHoursAhead.toUTCString() }, body: "{}" });
    await client.sendBonus(bonusInput());
    const learned = client.serverTime()!.getTime() - Date.now();
    expect(Math.abs(learned - 2 * 3_600_000)).toBeLessThan(60_000);

    const oneHourBehind = new Date(Date.now() - 3_600_000);
    mturk.reply({
      status: 400,
      headers: { date: oneHourBehind.toUTCString() },
      body: JSON.stringify({ __type: "RequestError", Message: "no" }),
    });
    await expect(client.sendBonus(bonusInput())).rejects.toThrow();
    expect(Math.abs(client.serverTime()!.getTime() - Date.now() + 3_600_000)).toBeLessThan(60_000);
  });
});
