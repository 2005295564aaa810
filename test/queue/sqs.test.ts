/**
 * createSqsHandler with SQS-shaped events against the simulator: partial
 * batch responses, a redelivered batch, faults, refusals for the redrive
 * policy, and the read-back once MTurk has forgotten a token.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { MTurkClient } from "../../src/index.js";
import { createSqsHandler, type Rejection, type SqsEvent } from "../../src/queue/index.js";
import {
  SIMULATOR_CREDENTIALS,
  startSimulator,
  TOKEN_TTL_MS,
  type FaultSpec,
  type Simulator,
} from "../../src/simulator/index.js";
import { bonus } from "./helpers.js";

const HOUR = 3_600_000;
let sim: Simulator | undefined;
let client: MTurkClient | undefined;

afterEach(async () => {
  await client?.destroy();
  await sim?.close();
  client = undefined;
  sim = undefined;
});

async function setUp(
  options: { faults?: FaultSpec[]; assignments?: Record<string, string> } = {},
): Promise<{ sim: Simulator; client: MTurkClient }> {
  sim = await startSimulator({ seed: 3, ...options });
  client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS });
  return { sim, client };
}

function event(
  bodies: (string | object)[],
  options: { receiveCount?: number; sentAt?: number; ids?: string[] } = {},
): SqsEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: options.ids?.[i] ?? `msg-${i}`,
      body: typeof body === "string" ? body : JSON.stringify(body),
      attributes: {
        SentTimestamp: String(options.sentAt ?? Date.now()),
        ApproximateReceiveCount: String(options.receiveCount ?? 1),
      },
    })),
  };
}

describe("createSqsHandler", () => {
  it("pays each bonus once, reports only refusals as failures, and refuses them again when the batch is redelivered", async () => {
    const { sim, client } = await setUp({ assignments: { "3TAKEN": "AOWNER" } });
    const rejected: Rejection[] = [];
    const handler = createSqsHandler({ client: () => client, onRejected: (r) => void rejected.push(r) });
    const bodies = [
      bonus(1),
      bonus(2, { UniqueRequestToken: "event-2" }),
      bonus(1),
      { WorkerId: "AOTHER", AssignmentId: "3TAKEN", BonusAmount: "2.00", Reason: "Not theirs" },
      "{not json",
      { ...bonus(3), BonusAmount: "-1" },
    ];

    const first = await handler(event(bodies));
    expect(first.batchItemFailures).toEqual([
      { itemIdentifier: "msg-3" },
      { itemIdentifier: "msg-4" },
      { itemIdentifier: "msg-5" },
    ]);
    expect(sim.ledger.bonuses.map((b) => b.AssignmentId).sort()).toEqual(["3ASSIGN1", "3ASSIGN2"]);

    // The same batch again, as after a Lambda timeout: nothing more is paid, the refusals come back.
    const again = await handler(event(bodies, { receiveCount: 2 }));
    expect(again.batchItemFailures).toEqual(first.batchItemFailures);
    expect(sim.ledger.bonuses).toHaveLength(2);
    expect(sim.ledger.counters.duplicates).toBeGreaterThanOrEqual(2);

    expect(rejected.map((r) => [r.messageId, r.error.name, r.attempts])).toEqual([
      ["msg-3", "RequestError", 1],
      ["msg-4", "ValidationError", 1],
      ["msg-5", "ValidationError", 1],
      ["msg-3", "RequestError", 2],
      ["msg-4", "ValidationError", 2],
      ["msg-5", "ValidationError", 2],
    ]);
    expect(rejected[1]).toMatchObject({
      bonus: "{not json",
      error: { field: "body", message: "body is not JSON: a message body must be a JSON SendBonus input" },
    });
    expect(rejected[2]!.error).toMatchObject({ field: "BonusAmount" });
  });

  it("returns unsettled records as failures, and the redelivery pays them exactly once", async () => {
    // Three throttles exhaust the client's three attempts for the first bonus; a lost answer hits the next.
    const { sim, client } = await setUp({
      faults: [
        { kind: "throttle", count: 3, operation: "SendBonus" },
        { kind: "lostAnswer", count: 1, operation: "SendBonus" },
      ],
    });
    const handler = createSqsHandler({ client: () => client, concurrency: 1 });
    const bodies = [bonus(1), bonus(2), bonus(3)];
    const first = await handler(event(bodies));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: "msg-0" }]);
    const second = await handler(event(bodies, { receiveCount: 2 }));
    expect(second.batchItemFailures).toEqual([]);
    expect(sim.ledger.bonuses.map((b) => b.AssignmentId).sort()).toEqual(["3ASSIGN1", "3ASSIGN2", "3ASSIGN3"]);
    expect(sim.ledger.counters.faults).toMatchObject({ throttle: 3, lostAnswer: 1 });
  });

  it("after MTurk has forgotten the token, settles a redelivered message by reading back instead of paying it again", async () => {
    // MTurk's clock, which the client learns from its answers; the local clock stays where it is.
    let ahead = 0;
    sim = await startSimulator({ now: () => Date.now() + ahead });
    const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS });
    try {
      const handler = createSqsHandler({ client: () => client });
      const sentAt = Date.now();
      expect((await handler(event([bonus(1), bonus(2)], { sentAt }))).batchItemFailures).toEqual([]);
      expect(sim.ledger.bonuses).toHaveLength(2);

      // A day and an hour later by MTurk's clock: the tokens are forgotten. The local clock does not know.
      ahead = TOKEN_TTL_MS + HOUR;
      await client.getAccountBalance();
      const redelivered = await handler(event([bonus(1), bonus(3)], { sentAt, receiveCount: 5 }));
      expect(redelivered.batchItemFailures).toEqual([]);
      expect(sim.ledger.bonuses.map((b) => b.AssignmentId).sort()).toEqual(["3ASSIGN1", "3ASSIGN2", "3ASSIGN3"]);
      expect(sim.ledger.counters.byOperation.ListBonusPayments).toBe(2);

      // Without the read-back the simulator, like MTurk, pays the same token again: the rule is what prevents it.
      const careless = createSqsHandler({ client: () => client, settleAfterMs: Number.POSITIVE_INFINITY });
      await careless(event([bonus(2)], { sentAt, receiveCount: 6 }));
      expect(sim.ledger.bonuses.filter((b) => b.AssignmentId === "3ASSIGN2")).toHaveLength(2);
    } finally {
      await client.destroy();
    }
  });

  it("leaves unsent what the Lambda has no time left for, and returns it as failures", async () => {
    const { sim, client } = await setUp();
    const handler = createSqsHandler({ client: () => client });
    const almostOut = { getRemainingTimeInMillis: () => 5_000 };
    const result = await handler(event([bonus(1), bonus(2)]), almostOut);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "msg-0" }, { itemIdentifier: "msg-1" }]);
    expect(sim.ledger.counters.byOperation.SendBonus ?? 0).toBe(0);
    expect(
      (await handler(event([bonus(1)], { receiveCount: 2 }), { getRemainingTimeInMillis: () => 60_000 }))
        .batchItemFailures,
    ).toEqual([]);
    expect(sim.ledger.bonuses).toHaveLength(1);
  });

  it("reads back a record whose SentTimestamp is missing, rather than guess it is young", async () => {
    const { sim, client } = await setUp();
    const handler = createSqsHandler({ client: () => client });
    const record = {
      messageId: "m",
      body: JSON.stringify(bonus(1)),
      attributes: {},
    } as unknown as SqsEvent["Records"][number];
    expect((await handler({ Records: [record] })).batchItemFailures).toEqual([]);
    expect(sim.ledger.counters.byOperation.ListBonusPayments).toBe(1);
    expect(sim.ledger.bonuses).toHaveLength(1);
  });
});

describe("the README's Lambda handler (examples/queue-lambda/handler.ts)", () => {
  it("pays from SQS events against the simulator, and a redelivered event pays nothing more", async () => {
    sim = await startSimulator({ seed: 5, assignments: { "3TAKEN": "AOWNER" } });
    const saved = { ...process.env };
    Object.assign(process.env, {
      MTURK_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.accessKeyId,
      MTURK_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.secretAccessKey,
      MTURK_ENDPOINT: sim.url,
    });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const { handler } = await import("../../examples/queue-lambda/handler.js");
      const bodies = [
        bonus(1),
        bonus(2),
        bonus(1),
        { WorkerId: "AOTHER", AssignmentId: "3TAKEN", BonusAmount: "2.00", Reason: "Not theirs" },
      ];
      expect(await handler(event(bodies))).toEqual({ batchItemFailures: [{ itemIdentifier: "msg-3" }] });
      expect(await handler(event(bodies, { receiveCount: 2 }))).toEqual({
        batchItemFailures: [{ itemIdentifier: "msg-3" }],
      });
      expect(sim.ledger.bonuses.map((b) => b.AssignmentId).sort()).toEqual(["3ASSIGN1", "3ASSIGN2"]);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(String(warn.mock.calls[0]![0])).toContain('"RequestError"');
      expect(String(warn.mock.calls[0]![0])).not.toContain(SIMULATOR_CREDENTIALS.secretAccessKey);
    } finally {
      warn.mockRestore();
      process.env = saved;
    }
  });
});
