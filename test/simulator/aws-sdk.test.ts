/**
 * The official AWS SDK (@aws-sdk/client-mturk) talks to the simulator: its
 * signer is accepted and it parses every answer into the error it models.
 * This pins the simulator's wire format to a client nobody here wrote.
 */
import {
  GetAccountBalanceCommand,
  ListBonusPaymentsCommand,
  MTurkClient,
  RequestError,
  SendBonusCommand,
  ServiceFault,
} from "@aws-sdk/client-mturk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from "../../src/simulator/index.js";

let sim: Simulator;
let sdk: MTurkClient;

beforeAll(async () => {
  sim = await startSimulator({ balance: "50.00" });
  sdk = new MTurkClient({ region: "us-east-1", endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  sdk.destroy();
  await sim.close();
});

const input = { WorkerId: "ASDK1", BonusAmount: "2.00", AssignmentId: "ASDKASSIGN", Reason: "sdk" };

describe("@aws-sdk/client-mturk against the simulator", () => {
  it("pays a bonus and reads the request id", async () => {
    const output = await sdk.send(new SendBonusCommand({ ...input, UniqueRequestToken: "sdk-1" }));
    expect(output.$metadata).toMatchObject({
      httpStatusCode: 200,
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("sees a reused token as a modeled RequestError", async () => {
    const error = await sdk
      .send(new SendBonusCommand({ ...input, UniqueRequestToken: "sdk-1" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).message).toMatch(
      /^The idempotency token "sdk-1" has already been processed\. \(\d+\)$/,
    );
  });

  it("reads the balance", async () => {
    expect(await sdk.send(new GetAccountBalanceCommand({}))).toMatchObject({
      AvailableBalance: "47.60",
      OnHoldBalance: "0.00",
    });
  });

  it("reads bonus payments with GrantTime as a Date", async () => {
    const output = await sdk.send(new ListBonusPaymentsCommand({ AssignmentId: "ASDKASSIGN" }));
    expect(output.NumResults).toBe(1);
    expect(output.BonusPayments?.[0]).toMatchObject({ WorkerId: "ASDK1", BonusAmount: "2.00", Reason: "sdk" });
    expect(output.BonusPayments?.[0]?.GrantTime).toBeInstanceOf(Date);
  });

  it("sees a ServiceFault fault as the modeled ServiceFault", async () => {
    sim.control({ faults: [{ kind: "serviceFault", count: 1 }] });
    await expect(sdk.send(new GetAccountBalanceCommand({}))).rejects.toBeInstanceOf(ServiceFault);
  });

  it.each(["namespacedType", "urlType", "headerOnly"] as const)(
    "sees the %s form as the modeled RequestError",
    async (kind) => {
      sim.control({ faults: [{ kind, count: 1 }] });
      await expect(sdk.send(new GetAccountBalanceCommand({}))).rejects.toBeInstanceOf(RequestError);
    },
  );

  it("sees throttling as ThrottlingException", async () => {
    sim.control({ faults: [{ kind: "throttle", count: 1 }] });
    await expect(sdk.send(new GetAccountBalanceCommand({}))).rejects.toMatchObject({ name: "ThrottlingException" });
  });

  it("sees a validation failure as ValidationException", async () => {
    await expect(sdk.send(new SendBonusCommand({ ...input, BonusAmount: "0.9752" }))).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringMatching(/^1 validation error detected: Value '0\.9752' at 'bonusAmount'/),
    });
  });

  it("sees a wrong secret as InvalidSignatureException", async () => {
    const wrong = new MTurkClient({
      region: "us-east-1",
      endpoint: sim.url,
      credentials: { ...SIMULATOR_CREDENTIALS, secretAccessKey: "wrong" },
      maxAttempts: 1,
    });
    try {
      await expect(wrong.send(new GetAccountBalanceCommand({}))).rejects.toMatchObject({
        name: "InvalidSignatureException",
      });
    } finally {
      wrong.destroy();
    }
  });
});
