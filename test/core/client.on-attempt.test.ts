/** The onAttempt hook: one event per HTTP attempt, no secrets, and a failing logger changes nothing. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { MTurkClient, type AttemptEvent } from "../../src/index.js";
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from "../../src/simulator/index.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({});
});
afterAll(async () => {
  await sim.close();
});

const bonus = {
  WorkerId: "A1HOOK",
  AssignmentId: "3HOOK1",
  BonusAmount: "0.10",
  Reason: "thanks",
  UniqueRequestToken: "hook-1",
};

it("reports each attempt with operation, status, request id, error name and the wait before a retry, and nothing secret", async () => {
  const events: AttemptEvent[] = [];
  const client = new MTurkClient({
    endpoint: sim.url,
    credentials: SIMULATOR_CREDENTIALS,
    onAttempt: (event) => events.push(event),
  });
  try {
    sim.control({ reset: true, faults: [{ kind: "serviceFault", count: 1, operation: "SendBonus" }] });
    await client.sendBonus(bonus);
  } finally {
    await client.destroy();
  }
  expect(events).toEqual([
    expect.objectContaining({
      operation: "SendBonus",
      attempt: 1,
      status: 500,
      error: "ServiceFault",
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      waitMs: expect.any(Number),
    }),
    expect.objectContaining({
      operation: "SendBonus",
      attempt: 2,
      status: 200,
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      error: undefined,
      waitMs: undefined,
    }),
  ]);
  expect(JSON.stringify(events)).not.toContain(SIMULATOR_CREDENTIALS.secretAccessKey);
  expect(Object.keys(events[0] as object).sort()).toEqual([
    "attempt",
    "elapsedMs",
    "error",
    "operation",
    "requestId",
    "status",
    "waitMs",
  ]);
});

it("ignores a logger that throws: the payment's outcome is unchanged", async () => {
  const client = new MTurkClient({
    endpoint: sim.url,
    credentials: SIMULATOR_CREDENTIALS,
    onAttempt: () => {
      throw new Error("logger broke");
    },
  });
  try {
    sim.control({ reset: true });
    expect(await client.sendBonus({ ...bonus, UniqueRequestToken: "hook-2" })).toMatchObject({ alreadyGranted: false });
    expect(sim.ledger.bonuses).toHaveLength(1);
  } finally {
    await client.destroy();
  }
});
