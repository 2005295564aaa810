/** mturk-bonus/testing: msw handlers backed by the simulator's ledger and faults. */
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MTurkClient } from "../src/index.js";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { RequestError, ValidationError } from "../src/errors.js";
import {
  createTestClient,
  FaultSchedule,
  Ledger,
  mockMTurkClient,
  mturkHandlers,
  SIMULATOR_CREDENTIALS,
  TEST_CREDENTIALS,
} from "../src/testing.js";
import { bonus, call } from "./simulator/helpers.js";

const PRODUCTION = "https://mturk-requester.us-east-1.amazonaws.com";
const SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com";
const anyKey = { credentials: { accessKeyId: "AKIDANY", secretAccessKey: "whatever" } };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("mturkHandlers", () => {
  it("pays a bonus sent to the production endpoint into the ledger you pass", async () => {
    const ledger = new Ledger({ balance: "10.00" });
    server.use(...mturkHandlers({ ledger }));
    const answer = await call(PRODUCTION, "SendBonus", bonus({ UniqueRequestToken: "msw-1" }), anyKey);
    expect(answer).toMatchObject({ status: 200, text: "{}" });
    expect(answer.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(ledger.snapshot()).toMatchObject({ balance: "8.80", bonuses: [{ UniqueRequestToken: "msw-1" }] });
  });

  it("answers the sandbox endpoint too", async () => {
    server.use(...mturkHandlers({ ledger: { balance: "3.00" } }));
    expect((await call(SANDBOX, "GetAccountBalance", {}, anyKey)).json).toEqual({
      AvailableBalance: "3.00",
      OnHoldBalance: "0.00",
    });
  });

  it("answers a custom endpoint given as endpoint", async () => {
    server.use(...mturkHandlers({ endpoint: "https://mturk.test.invalid/" }));
    expect((await call("https://mturk.test.invalid", "GetAccountBalance", {}, anyKey)).status).toBe(200);
  });

  it("answers a reused token with the simulator's 'already processed' RequestError", async () => {
    server.use(...mturkHandlers());
    await call(PRODUCTION, "SendBonus", bonus({ UniqueRequestToken: "dup" }), anyKey);
    const answer = await call(PRODUCTION, "SendBonus", bonus({ UniqueRequestToken: "dup" }), anyKey);
    expect(answer).toMatchObject({
      status: 400,
      json: {
        __type: "RequestError",
        Message: expect.stringMatching(/^The idempotency token "dup" has already been processed\. \(\d+\)$/),
      },
    });
  });

  it("pays, then fails the fetch with a network error, for lostAnswer", async () => {
    const ledger = new Ledger();
    server.use(...mturkHandlers({ ledger, faults: [{ kind: "lostAnswer", count: 1 }] }));
    await expect(call(PRODUCTION, "SendBonus", bonus(), anyKey)).rejects.toThrow(TypeError);
    expect(ledger.snapshot().bonuses).toHaveLength(1);
  });

  it("takes faults added mid-test to a FaultSchedule you keep", async () => {
    const faults = new FaultSchedule();
    server.use(...mturkHandlers({ faults }));
    expect((await call(PRODUCTION, "GetAccountBalance", {}, anyKey)).status).toBe(200);
    faults.add([{ kind: "throttle", count: 1 }]);
    expect((await call(PRODUCTION, "GetAccountBalance", {}, anyKey)).json).toEqual({
      __type: "ThrottlingException",
      message: "Rate exceeded",
    });
  });

  it("accepts any credentials when none are configured", async () => {
    server.use(...mturkHandlers());
    expect((await call(PRODUCTION, "GetAccountBalance", {}, anyKey)).status).toBe(200);
  });

  describe("with credentials configured", () => {
    it("accepts requests signed with them", async () => {
      server.use(...mturkHandlers({ credentials: SIMULATOR_CREDENTIALS }));
      expect((await call(PRODUCTION, "GetAccountBalance", {}, { credentials: SIMULATOR_CREDENTIALS })).status).toBe(
        200,
      );
    });

    it("refuses requests signed with another secret", async () => {
      server.use(...mturkHandlers({ credentials: SIMULATOR_CREDENTIALS }));
      const answer = await call(
        PRODUCTION,
        "GetAccountBalance",
        {},
        { credentials: { ...SIMULATOR_CREDENTIALS, secretAccessKey: "x" } },
      );
      expect(answer).toMatchObject({ status: 400, json: { __type: "InvalidSignatureException" } });
    });
  });
});

describe("the README example", () => {
  it("pays once through the real client even when the answer is lost", async () => {
    const ledger = new Ledger({ balance: "20.00" });
    const faults = new FaultSchedule();
    server.use(...mturkHandlers({ ledger, faults }));
    const client = new MTurkClient({
      sandbox: true,
      fetch: globalThis.fetch,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    });
    try {
      faults.add([{ kind: "lostAnswer", count: 1 }]);
      const result = await client.sendBonus({
        WorkerId: "A1",
        AssignmentId: "3X1",
        BonusAmount: "1.00",
        Reason: "thanks",
        UniqueRequestToken: "t-1",
      });
      expect(result.alreadyGranted).toBe(true);
      expect(ledger.snapshot().bonuses).toHaveLength(1);
      expect(ledger.snapshot().balance).toBe("18.80");
    } finally {
      await client.destroy();
    }
  });

  it("verifies the real client's signatures when credentials are configured", async () => {
    server.use(...mturkHandlers({ credentials: SIMULATOR_CREDENTIALS }));
    const client = new MTurkClient({ fetch: globalThis.fetch, credentials: SIMULATOR_CREDENTIALS });
    try {
      expect((await client.getAccountBalance()).AvailableBalance).toBe("10000.00");
    } finally {
      await client.destroy();
    }
  });
});

describe("testing cannot leak to MTurk", () => {
  it("sends a client made without fetch (the node:http transport) through the handlers, opening no socket", async () => {
    const ledger = new Ledger();
    server.use(...mturkHandlers({ ledger }));
    const sockets: unknown[] = [];
    const onSocket = (message: unknown): void => void sockets.push(message);
    subscribe("net.client.socket", onSocket);
    const client = new MTurkClient({ sandbox: true, credentials: { ...TEST_CREDENTIALS } });
    try {
      const result = await client.sendBonus({
        WorkerId: "A1",
        AssignmentId: "3X1",
        BonusAmount: "1.00",
        Reason: "thanks",
      });
      expect(result.alreadyGranted).toBe(false);
      expect(ledger.snapshot().bonuses).toMatchObject([{ WorkerId: "A1", AssignmentId: "3X1" }]);
      expect(sockets).toEqual([]);
    } finally {
      unsubscribe("net.client.socket", onSocket);
      await client.destroy();
    }
  });

  it("fails a request the handlers do not answer instead of sending it to MTurk", async () => {
    server.use(...mturkHandlers({ endpoint: "https://elsewhere.example" }));
    const sockets: unknown[] = [];
    const onSocket = (message: unknown): void => void sockets.push(message);
    subscribe("net.client.socket", onSocket);
    const client = new MTurkClient({
      endpoint: "https://unhandled.example",
      credentials: { ...TEST_CREDENTIALS },
      maxAttempts: 1,
    });
    try {
      const error = await client
        .sendBonus({ WorkerId: "A1", AssignmentId: "3X1", BonusAmount: "1.00", Reason: "thanks" })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: expect.stringMatching(/Error$/) });
      expect(sockets).toEqual([]);
    } finally {
      unsubscribe("net.client.socket", onSocket);
      await client.destroy();
    }
  });

  it("createTestClient() sends through the handlers in one line", async () => {
    const ledger = new Ledger({ balance: "5.00" });
    server.use(...mturkHandlers({ ledger }));
    const client = createTestClient();
    try {
      await client.sendBonus({ WorkerId: "A1", AssignmentId: "3X1", BonusAmount: "1.00", Reason: "thanks" });
      expect(ledger.snapshot()).toMatchObject({ balance: "3.80", bonuses: [{ WorkerId: "A1" }] });
    } finally {
      await client.destroy();
    }
  });
});

describe("mockMTurkClient", () => {
  const bonusInput = { WorkerId: "A1", AssignmentId: "3X1", BonusAmount: "1.00", Reason: "thanks" };

  it("answers every MTurkClient from stubs, matching inputs, and records the calls", async () => {
    const mturk = mockMTurkClient();
    const client = new MTurkClient({ sandbox: true, credentials: { ...TEST_CREDENTIALS } });
    try {
      mturk.on("sendBonus").resolves({ alreadyGranted: false });
      mturk
        .on("sendBonus", { WorkerId: "A2" })
        .rejects(new RequestError({ message: "This worker did not do this assignment" }));
      mturk.on("getAccountBalance").resolvesOnce({ AvailableBalance: "1.00" }).resolves({ AvailableBalance: "0.00" });
      expect(await client.sendBonus({ ...bonusInput, UniqueRequestToken: "t-1" })).toMatchObject({
        UniqueRequestToken: "t-1",
        alreadyGranted: false,
        $metadata: { httpStatusCode: 200 },
      });
      await expect(client.sendBonus({ ...bonusInput, WorkerId: "A2" })).rejects.toThrow("did not do this assignment");
      expect((await client.getAccountBalance()).AvailableBalance).toBe("1.00");
      expect((await client.getAccountBalance()).AvailableBalance).toBe("0.00");
      expect(mturk.calls("sendBonus").map((call) => call.input.WorkerId)).toEqual(["A1", "A2"]);
    } finally {
      mturk.restore();
      await client.destroy();
    }
  });

  it("validates inputs as the real client does, and refuses a call nobody stubbed", async () => {
    const mturk = mockMTurkClient();
    const client = new MTurkClient({ sandbox: true, credentials: { ...TEST_CREDENTIALS } });
    try {
      await expect(client.sendBonus({ ...bonusInput, BonusAmount: 1.5 as unknown as string })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(client.sendBonus(bonusInput)).rejects.toThrow("mockMTurkClient: no stub answers sendBonus");
    } finally {
      mturk.restore();
      await client.destroy();
    }
  });

  it("pages paginateBonusPayments through stubbed listBonusPayments, and restore() puts the real methods back", async () => {
    const mturk = mockMTurkClient();
    const client = new MTurkClient({ sandbox: true, credentials: { ...TEST_CREDENTIALS } });
    const payment = {
      WorkerId: "A1",
      AssignmentId: "3X1",
      BonusAmount: "1.00",
      Reason: "thanks",
      GrantTime: new Date(0),
    };
    try {
      mturk
        .on("listBonusPayments")
        .resolvesOnce({ BonusPayments: [payment], NextToken: "p2" })
        .resolves({ BonusPayments: [payment] });
      const seen = [];
      for await (const p of client.paginateBonusPayments({ AssignmentId: "3X1" })) seen.push(p);
      expect(seen).toHaveLength(2);
      expect(mturk.calls("listBonusPayments").map((call) => call.input.NextToken)).toEqual([undefined, "p2"]);
    } finally {
      mturk.restore();
      await client.destroy();
    }
    expect(Object.hasOwn(MTurkClient.prototype, "sendBonus")).toBe(false);
  });
});
