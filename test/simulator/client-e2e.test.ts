/**
 * The real client against the simulator over real sockets, on both Node
 * transports: retries, idempotency and error paths end to end, asserted on
 * the simulator's ledger.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  MTurkClient,
  RequestError,
  ServiceFault,
  TransportError,
  type MTurkClientOptions,
  type SendBonusInput,
} from "../../src/index.js";
import { SIMULATOR_CREDENTIALS, startSimulator, type FaultSpec, type Simulator } from "../../src/simulator/index.js";

const transports: [string, Partial<MTurkClientOptions>][] = [
  ["node:http", {}],
  ["fetch", { fetch: globalThis.fetch }],
];

let serial = 0;
function bonus(overrides: Partial<SendBonusInput> = {}): SendBonusInput & { UniqueRequestToken: string } {
  serial++;
  return {
    WorkerId: `AE2EWORKER${serial}`,
    AssignmentId: `E2EASSIGNMENT${serial}`,
    BonusAmount: "1.00",
    Reason: "end to end",
    UniqueRequestToken: `e2e-token-${serial}`,
    ...overrides,
  };
}

describe.each(transports)("MTurkClient over %s against the simulator", (_name, transport) => {
  let sim: Simulator;
  let client: MTurkClient;
  const extraClients: MTurkClient[] = [];

  function clientFor(target: Simulator, options: Partial<MTurkClientOptions> = {}): MTurkClient {
    const made = new MTurkClient({
      endpoint: target.url,
      credentials: SIMULATOR_CREDENTIALS,
      ...transport,
      ...options,
    });
    extraClients.push(made);
    return made;
  }

  function arm(...faults: FaultSpec[]): void {
    sim.control({ faults });
  }

  function paidWith(token: string): number {
    return sim.ledger.bonuses.filter((b) => b.UniqueRequestToken === token).length;
  }

  beforeAll(async () => {
    sim = await startSimulator({ balance: "1000.00", seed: 7 });
    client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS, ...transport });
  });

  afterEach(() => {
    sim.control({ clearFaults: true });
  });

  afterAll(async () => {
    await Promise.all([client, ...extraClients].map((c) => c.destroy()));
    await sim.close();
  });

  it("pays a bonus once and reports the simulator's request id", async () => {
    const input = bonus();
    const result = await client.sendBonus(input);
    expect(result).toMatchObject({
      UniqueRequestToken: input.UniqueRequestToken,
      alreadyGranted: false,
      $metadata: { httpStatusCode: 200, attempts: 1 },
    });
    expect(sim.ledger.bonuses.find((b) => b.UniqueRequestToken === input.UniqueRequestToken)?.requestId).toBe(
      result.$metadata.requestId,
    );
  });

  it("generates a token when none is given and pays once", async () => {
    const { UniqueRequestToken: _, ...input } = bonus();
    const result = await client.sendBonus(input);
    expect(paidWith(result.UniqueRequestToken)).toBe(1);
  });

  it("settles a lost answer as alreadyGranted with exactly one ledger entry", async () => {
    arm({ kind: "lostAnswer", count: 1 });
    const input = bonus();
    const result = await client.sendBonus(input);
    expect(result).toMatchObject({ alreadyGranted: true, $metadata: { attempts: 2 } });
    expect(paidWith(input.UniqueRequestToken)).toBe(1);
  });

  it("settles an answer slower than the timeout as alreadyGranted, paid once", async () => {
    // The delayed answer never comes within the test (close() cancels it), so only the client's own timeout can end the attempt.
    arm({ kind: "delay", ms: 600_000, count: 1 });
    const impatient = clientFor(sim, { timeoutMs: 500 });
    const input = bonus();
    const result = await impatient.sendBonus(input);
    expect(result).toMatchObject({ alreadyGranted: true, $metadata: { attempts: 2 } });
    expect(paidWith(input.UniqueRequestToken)).toBe(1);
  });

  it.each(["serviceFault", "throttle", "proxy502", "truncated", "empty500"] as const)(
    "retries past a %s answer with the same token and pays once",
    async (kind) => {
      arm({ kind, count: 1 });
      const input = bonus();
      expect(await client.sendBonus(input)).toMatchObject({ alreadyGranted: false, $metadata: { attempts: 2 } });
      expect(paidWith(input.UniqueRequestToken)).toBe(1);
    },
  );

  it("gives up after maxAttempts ServiceFaults, reporting the token and paying nothing", async () => {
    arm({ kind: "serviceFault", count: 3 });
    const input = bonus();
    const error = await client.sendBonus(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceFault);
    expect(error).toMatchObject({
      UniqueRequestToken: input.UniqueRequestToken,
      $metadata: { attempts: 3, httpStatusCode: 500 },
    });
    expect(paidWith(input.UniqueRequestToken)).toBe(0);
  });

  it.each(["namespacedType", "urlType", "headerOnly"] as const)(
    "reads the %s error form as a RequestError and does not retry",
    async (kind) => {
      arm({ kind, count: 1 });
      const error = await client.sendBonus(bonus()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestError);
      expect(error).toMatchObject({
        TurkErrorCode: "AWS.MechanicalTurk.SimulatedRequestError",
        $metadata: { attempts: 1 },
      });
    },
  );

  it("reports short funds as a RequestError with the InsufficientFunds code and pays nothing", async () => {
    const input = bonus({ BonusAmount: "5000.00" });
    const error = await client.sendBonus(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({
      TurkErrorCode: "AWS.MechanicalTurk.InsufficientFunds",
      $metadata: { attempts: 1, httpStatusCode: 400 },
    });
    expect(paidWith(input.UniqueRequestToken)).toBe(0);
  });

  it("answers a reused token with alreadyGranted instead of paying again", async () => {
    const input = bonus();
    await client.sendBonus(input);
    expect((await client.sendBonus(input)).alreadyGranted).toBe(true);
    expect(paidWith(input.UniqueRequestToken)).toBe(1);
  });

  it("reports a bonus to the wrong worker as a RequestError", async () => {
    const input = bonus();
    await client.sendBonus(input);
    const other = { ...input, WorkerId: "AINTRUDER", UniqueRequestToken: `${input.UniqueRequestToken}-b` };
    await expect(client.sendBonus(other)).rejects.toBeInstanceOf(RequestError);
    expect(paidWith(other.UniqueRequestToken)).toBe(0);
  });

  it("is refused with InvalidSignatureException when signing with the wrong secret, without retrying", async () => {
    const wrong = clientFor(sim, { credentials: { ...SIMULATOR_CREDENTIALS, secretAccessKey: "not-the-secret" } });
    const input = bonus();
    const error = await wrong.sendBonus(input).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InvalidSignatureException", $metadata: { attempts: 1, httpStatusCode: 400 } });
    expect(paidWith(input.UniqueRequestToken)).toBe(0);
  });

  it("is refused with UnrecognizedClientException for an unknown access key", async () => {
    const stranger = clientFor(sim, { credentials: { accessKeyId: "AKIDSTRANGER", secretAccessKey: "x" } });
    await expect(stranger.getAccountBalance()).rejects.toMatchObject({ name: "UnrecognizedClientException" });
  });

  it("corrects its clock from the Date header when the server's clock is 10 minutes ahead", async () => {
    const ahead = await startSimulator({ now: () => Date.now() + 10 * 60_000 });
    try {
      const skewed = clientFor(ahead);
      const input = bonus();
      expect(await skewed.sendBonus(input)).toMatchObject({ alreadyGranted: false, $metadata: { attempts: 2 } });
      expect(ahead.ledger.bonuses).toHaveLength(1);
    } finally {
      await ahead.close();
    }
  });

  it("signs the session token the simulator requires", async () => {
    const session = { accessKeyId: "AKIDSESSION", secretAccessKey: "session-secret", sessionToken: "session-token" };
    const secured = await startSimulator({ credentials: session });
    try {
      expect((await clientFor(secured, { credentials: session }).getAccountBalance()).AvailableBalance).toBe(
        "10000.00",
      );
    } finally {
      await secured.close();
    }
  });

  it("reads the balance the ledger holds", async () => {
    expect((await client.getAccountBalance()).AvailableBalance).toBe(sim.ledger.balance);
  });

  it("pages through ListBonusPayments until every bonus is seen", async () => {
    const input = bonus();
    for (let i = 0; i < 3; i++)
      await client.sendBonus({ ...input, UniqueRequestToken: `${input.UniqueRequestToken}-${i}` });
    const seen = [];
    for await (const payment of client.paginateBonusPayments({ AssignmentId: input.AssignmentId, MaxResults: 2 }))
      seen.push(payment);
    expect(seen).toHaveLength(3);
    expect(seen[0]).toMatchObject({ WorkerId: input.WorkerId, BonusAmount: "1.00", GrantTime: expect.any(Date) });
  });

  it("reports a refused connection as a TransportError that paid nothing", async () => {
    const gone = await startSimulator();
    const url = gone.url;
    await gone.close();
    const orphan = new MTurkClient({ endpoint: url, credentials: SIMULATOR_CREDENTIALS, maxAttempts: 1, ...transport });
    extraClients.push(orphan);
    const error = await orphan.sendBonus(bonus()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ outcomeUnknown: false });
  });
});
