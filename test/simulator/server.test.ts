/** The simulator over real sockets: wire format, faults, /__ledger and /__control. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { bonus, call } from "./helpers.js";

const signing = { credentials: SIMULATOR_CREDENTIALS };
let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator({ balance: "100.00", seed: 1 });
});

afterEach(async () => {
  await sim.close();
});

async function control(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${sim.url}/__control`, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("the API endpoint", () => {
  it("listens on 127.0.0.1", () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("pays a signed SendBonus and answers 200 {} with request id, Date and JSON 1.1 content type", async () => {
    const answer = await call(sim.url, "SendBonus", bonus(), signing);
    expect(answer).toMatchObject({ status: 200, text: "{}" });
    expect(answer.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(Date.parse(answer.headers.get("date") ?? "")).not.toBeNaN();
    expect(sim.ledger.bonuses).toHaveLength(1);
  });

  it("refuses a request signed with another secret and counts it", async () => {
    const answer = await call(sim.url, "SendBonus", bonus(), {
      credentials: { ...SIMULATOR_CREDENTIALS, secretAccessKey: "nope" },
    });
    expect(answer.status).toBe(400);
    expect(answer.json?.__type).toBe("InvalidSignatureException");
    expect(sim.ledger).toMatchObject({ bonuses: [], counters: { signatureFailures: 1 } });
  });

  it("refuses a body changed after signing and pays nothing", async () => {
    const answer = await call(sim.url, "SendBonus", bonus(), {
      ...signing,
      tamperedBody: JSON.stringify(bonus({ BonusAmount: "9.00" })),
    });
    expect(answer).toMatchObject({ status: 400, json: { __type: "InvalidSignatureException" } });
    expect(sim.ledger.bonuses).toHaveLength(0);
  });

  it("refuses a request signed for another region", async () => {
    const answer = await call(sim.url, "GetAccountBalance", {}, { ...signing, region: "eu-west-1" });
    expect(answer.json).toMatchObject({
      __type: "InvalidSignatureException",
      message: "Credential should be scoped to a valid region. ",
    });
  });

  it("answers UnknownOperationException for a target it does not implement", async () => {
    const answer = await call(sim.url, "CreateHIT", {}, signing);
    expect(answer).toMatchObject({ status: 400, json: { __type: "UnknownOperationException" } });
  });

  it("refuses a content type other than application/x-amz-json-1.1", async () => {
    const answer = await call(sim.url, "GetAccountBalance", {}, { ...signing, contentType: "application/json" });
    expect(answer).toMatchObject({ status: 400, json: { __type: "UnknownOperationException" } });
  });

  it("answers SerializationException for a body that is not a JSON object", async () => {
    const answer = await call(sim.url, "SendBonus", undefined, { ...signing, rawBody: "[1,2" });
    expect(answer.json?.__type).toBe("SerializationException");
  });
});

describe("faults on the wire", () => {
  it("serviceFault answers 500 ServiceFault and pays nothing", async () => {
    sim.control({ faults: [{ kind: "serviceFault", count: 1 }] });
    const answer = await call(sim.url, "SendBonus", bonus(), signing);
    expect(answer.status).toBe(500);
    expect(answer.json).toMatchObject({
      __type: "ServiceFault",
      Message: expect.stringMatching(/Try your call again\. \(\d+\)$/),
    });
    expect(sim.ledger).toMatchObject({ bonuses: [], counters: { faults: { serviceFault: 1 } } });
  });

  it("throttle answers ThrottlingException 'Rate exceeded' with the configured status", async () => {
    sim.control({ faults: [{ kind: "throttle", count: 1, status: 429 }] });
    const answer = await call(sim.url, "SendBonus", bonus(), signing);
    expect(answer).toMatchObject({ status: 429, json: { __type: "ThrottlingException", message: "Rate exceeded" } });
  });

  it("lostAnswer pays the bonus and then closes the connection without answering", async () => {
    sim.control({ faults: [{ kind: "lostAnswer", count: 1 }] });
    await expect(call(sim.url, "SendBonus", bonus({ UniqueRequestToken: "t-lost" }), signing)).rejects.toThrow();
    expect(sim.ledger.bonuses).toMatchObject([{ UniqueRequestToken: "t-lost" }]);
  });

  it("proxy502 answers an HTML 502 page and pays nothing", async () => {
    sim.control({ faults: [{ kind: "proxy502", count: 1 }] });
    const answer = await call(sim.url, "SendBonus", bonus(), signing);
    expect(answer.status).toBe(502);
    expect(answer.headers.get("content-type")).toBe("text/html");
    expect(answer.text).toContain("<h1>502 Bad Gateway</h1>");
    expect(sim.ledger.bonuses).toHaveLength(0);
  });

  it.each([
    ["namespacedType", "com.amazonaws.mturk#RequestError"],
    ["urlType", "RequestError:http://internal.amazon.com/coral/com.amazonaws.mturk/"],
  ])("%s spells __type as %s", async (kind, type) => {
    sim.control({ faults: [{ kind: kind as "urlType", count: 1 }] });
    const answer = await call(sim.url, "SendBonus", bonus(), signing);
    expect(answer).toMatchObject({
      status: 400,
      json: { __type: type, TurkErrorCode: "AWS.MechanicalTurk.SimulatedRequestError" },
    });
  });

  it("headerOnly names the error only in X-Amzn-ErrorType", async () => {
    sim.control({ faults: [{ kind: "headerOnly", count: 1 }] });
    const answer = await call(sim.url, "SendBonus", bonus(), signing);
    expect(answer.headers.get("x-amzn-errortype")).toBe("RequestError");
    expect(answer.json).not.toHaveProperty("__type");
  });

  it("truncated answers a 500 whose JSON body is cut short", async () => {
    sim.control({ faults: [{ kind: "truncated", count: 1 }] });
    const answer = await call(sim.url, "SendBonus", bonus(), signing);
    expect(answer.status).toBe(500);
    expect(answer.text.startsWith('{"__type":"Service')).toBe(true);
    expect(answer.json).toBeUndefined();
  });

  it("empty500 answers a 500 with no body", async () => {
    sim.control({ faults: [{ kind: "empty500", count: 1 }] });
    expect(await call(sim.url, "SendBonus", bonus(), signing)).toMatchObject({ status: 500, text: "" });
  });

  it("delay still answers, with the operation's own answer", async () => {
    sim.control({ faults: [{ kind: "delay", ms: 1, count: 1 }] });
    await expect(call(sim.url, "SendBonus", bonus(), signing)).resolves.toMatchObject({ status: 200, text: "{}" });
    expect(sim.ledger.counters.faults).toEqual({ delay: 1 });
  });

  it("delay pays before the held-back answer is sent", async () => {
    sim.control({ faults: [{ kind: "delay", ms: 600_000, count: 1 }] });
    const pending = call(sim.url, "SendBonus", bonus({ UniqueRequestToken: "t-held" }), signing).catch(
      (e: unknown) => e,
    );
    await vi.waitFor(() => expect(sim.ledger.counters.requests).toBe(1));
    expect(sim.ledger.bonuses).toMatchObject([{ UniqueRequestToken: "t-held" }]);
    await sim.close();
    await pending;
    sim = await startSimulator();
  });

  it("a fault limited to SendBonus leaves other operations alone", async () => {
    sim.control({ faults: [{ kind: "serviceFault", count: 1, operation: "SendBonus" }] });
    expect((await call(sim.url, "GetAccountBalance", {}, signing)).status).toBe(200);
    expect((await call(sim.url, "SendBonus", bonus(), signing)).status).toBe(500);
  });

  it("faults given at start are armed", async () => {
    const faulty = await startSimulator({ faults: [{ kind: "throttle", count: 1 }] });
    try {
      expect((await call(faulty.url, "GetAccountBalance", {}, signing)).json?.__type).toBe("ThrottlingException");
    } finally {
      await faulty.close();
    }
  });

  it("close() ends a delayed answer's connection instead of waiting for it", async () => {
    sim.control({ faults: [{ kind: "delay", ms: 600_000, count: 1 }] });
    const pending = call(sim.url, "SendBonus", bonus(), signing);
    // Closed only once the request is in, so the refusal below comes from close() cutting it, not from a closed port.
    await vi.waitFor(() => expect(sim.ledger.counters.requests).toBe(1));
    await sim.close();
    await expect(pending).rejects.toThrow(TypeError);
    sim = await startSimulator();
  });
});

describe("test-only routes", () => {
  it("GET /__ledger answers the snapshot without a signature", async () => {
    await call(sim.url, "SendBonus", bonus({ UniqueRequestToken: "t1" }), signing);
    const response = await fetch(`${sim.url}/__ledger`);
    expect(await response.json()).toMatchObject({
      balance: "98.80",
      bonuses: [{ WorkerId: "AWORKER1", BonusAmount: "1.00", UniqueRequestToken: "t1" }],
      counters: { requests: 1, paid: 1, byOperation: { SendBonus: 1 } },
      faults: [],
    });
  });

  it("POST /__control arms faults and reports them", async () => {
    const { status, json } = await control({ faults: [{ kind: "serviceFault", count: 2 }] });
    expect(status).toBe(200);
    expect(json.faults).toEqual([{ kind: "serviceFault", count: 2 }]);
  });

  it("POST /__control refuses a bad fault and keeps the schedule", async () => {
    await control({ faults: [{ kind: "throttle", count: 1 }] });
    const { status, json } = await control({ faults: [{ kind: "nope" }] });
    expect(status).toBe(400);
    expect(json.error).toMatch(/kind must be one of/);
    expect(sim.ledger.faults).toEqual([{ kind: "throttle", count: 1 }]);
  });

  it("POST /__control refuses a malformed balance and applies nothing of the action", async () => {
    const { status } = await control({ faults: [{ kind: "throttle", count: 1 }], balance: "lots" });
    expect(status).toBe(400);
    expect(sim.ledger).toMatchObject({ balance: "100.00", faults: [] });
  });

  it("POST /__control refuses a negative clock advance and applies nothing of the action", async () => {
    const { status } = await control({ faults: [{ kind: "throttle", count: 1 }], advanceClockMs: -1 });
    expect(status).toBe(400);
    expect(sim.ledger.faults).toEqual([]);
  });

  it("POST /__control sets the balance", async () => {
    await control({ balance: "0.50" });
    expect((await call(sim.url, "GetAccountBalance", {}, signing)).json).toEqual({
      AvailableBalance: "0.50",
      OnHoldBalance: "0.00",
    });
  });

  it("POST /__control advances the clock past the token window, so the same token pays again", async () => {
    await call(sim.url, "SendBonus", bonus({ UniqueRequestToken: "day-1" }), signing);
    await control({ advanceClockMs: 24 * 60 * 60 * 1000 });
    expect((await call(sim.url, "SendBonus", bonus({ UniqueRequestToken: "day-1" }), signing)).status).toBe(200);
    expect(sim.ledger.bonuses).toHaveLength(2);
  });

  it("POST /__control reset forgets bonuses, tokens, counters and faults", async () => {
    await call(sim.url, "SendBonus", bonus({ UniqueRequestToken: "t1" }), signing);
    await control({ faults: [{ kind: "throttle" }] });
    const { json } = await control({ reset: true });
    expect(json).toMatchObject({ balance: "100.00", bonuses: [], faults: [], counters: { requests: 0 } });
  });
});

describe("credentials", () => {
  it("requires the configured session token", async () => {
    const session = { accessKeyId: "AKIDSESSION", secretAccessKey: "s", sessionToken: "tok" };
    const secured = await startSimulator({ credentials: session });
    try {
      expect((await call(secured.url, "GetAccountBalance", {}, { credentials: session })).status).toBe(200);
      const { sessionToken: _, ...withoutToken } = session;
      expect((await call(secured.url, "GetAccountBalance", {}, { credentials: withoutToken })).json?.__type).toBe(
        "UnrecognizedClientException",
      );
    } finally {
      await secured.close();
    }
  });
});
