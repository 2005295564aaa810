/** createQueueConsumer: what it does to each Cloudflare message, and what reaches the dead-letter queue. */
import { describe, expect, it } from "vitest";
import { RequestError, ServiceFault, ValidationError } from "../../src/errors.js";
import { deriveToken } from "../../src/identity.js";
import { createQueueConsumer } from "../../src/queue/index.js";
import type { Rejection } from "../../src/queue/rejection.js";
import { bonus, fakeClient, fakeMessage } from "./helpers.js";

interface Env {
  DLQ?: { send(body: Rejection, options?: { contentType?: string }): Promise<void> };
}

function deadLetterQueue(fail = false) {
  const letters: { body: Rejection; options: unknown }[] = [];
  return {
    letters,
    async send(body: Rejection, options?: { contentType?: string }) {
      if (fail) throw new Error("queue unavailable");
      letters.push({ body: JSON.parse(JSON.stringify(body)) as Rejection, options });
    },
  };
}

const refuse = (): RequestError =>
  new RequestError({
    message: "This Requester has insufficient funds in their account to complete this transaction.",
    TurkErrorCode: "AWS.MechanicalTurk.InsufficientFunds",
    $metadata: { httpStatusCode: 400, requestId: "req-1" },
  });

describe("createQueueConsumer", () => {
  it("creates the client once and reuses it for every batch", async () => {
    let created = 0;
    const client = fakeClient();
    const consumer = createQueueConsumer<Env>({
      client: () => {
        created++;
        return client;
      },
    });
    for (let i = 0; i < 3; i++) await consumer.queue({ queue: "bonuses", messages: [fakeMessage(bonus(i))] }, {});
    expect(created).toBe(1);
    expect(client.sent).toHaveLength(3);
  });

  it("acknowledges paid and already-granted bonuses and retries unsettled ones with a backoff delay", async () => {
    const client = fakeClient((input) =>
      input.AssignmentId === "3ASSIGN1"
        ? "paid"
        : input.AssignmentId === "3ASSIGN2"
          ? "alreadyGranted"
          : new ServiceFault({ message: "x" }),
    );
    const messages = [fakeMessage(bonus(1)), fakeMessage(bonus(2)), fakeMessage(bonus(3), { attempts: 2 })];
    await createQueueConsumer({ client: () => client, random: () => 0.999 }).queue({ queue: "q", messages }, {});
    expect(messages.map((m) => [m.acked, m.retried])).toEqual([
      [true, undefined],
      [true, undefined],
      [false, { delaySeconds: 10 }],
    ]);
  });

  it("sends a refused bonus to the dead-letter binding with its error, then acknowledges it", async () => {
    const dlq = deadLetterQueue();
    const rejected: Rejection[] = [];
    const message = fakeMessage(bonus(1), { attempts: 2, timestamp: new Date("2026-11-20T10:00:00Z"), id: "msg-1" });
    const consumer = createQueueConsumer<Env>({
      client: () => fakeClient(refuse),
      deadLetter: (env) => env.DLQ,
      onRejected: (rejection) => void rejected.push(rejection),
      now: () => Date.parse("2026-11-20T11:00:00Z"),
    });
    await consumer.queue({ queue: "q", messages: [message] }, { DLQ: dlq });
    expect(message.acked).toBe(true);
    expect(message.retried).toBeUndefined();
    expect(dlq.letters).toHaveLength(1);
    const { body, options } = dlq.letters[0]!;
    expect(options).toEqual({ contentType: "json" });
    expect(body).toEqual({
      bonus: bonus(1),
      error: {
        name: "RequestError",
        message: "This Requester has insufficient funds in their account to complete this transaction.",
        TurkErrorCode: "AWS.MechanicalTurk.InsufficientFunds",
        httpStatusCode: 400,
        requestId: "req-1",
      },
      UniqueRequestToken: deriveToken("target:https://mturk-requester.us-east-1.amazonaws.com", {
        WorkerId: "AWORKER1",
        AssignmentId: "3ASSIGN1",
        cents: 125,
        Reason: "Thank you",
      }),
      messageId: "msg-1",
      attempts: 2,
      enqueuedAt: "2026-11-20T10:00:00.000Z",
      rejectedAt: "2026-11-20T11:00:00.000Z",
    });
    expect(rejected).toEqual([body]);
  });

  it("dead-letters an invalid body with the field and rule, without sending anything", async () => {
    const dlq = deadLetterQueue();
    const client = fakeClient();
    const message = fakeMessage({ WorkerId: "AWORKER1", AssignmentId: "3A", BonusAmount: 1.5, Reason: "x" });
    await createQueueConsumer<Env>({ client: () => client, deadLetter: (env) => env.DLQ }).queue(
      { queue: "q", messages: [message] },
      { DLQ: dlq },
    );
    expect(client.sent).toEqual([]);
    expect(message.acked).toBe(true);
    expect(dlq.letters[0]!.body.error).toMatchObject({
      name: "ValidationError",
      field: "BonusAmount",
      rule: expect.stringContaining("string"),
    });
    expect(dlq.letters[0]!.body.UniqueRequestToken).toBeUndefined();
  });

  it("without a dead-letter binding, retries a refusal so that max_retries moves it to the queue's own DLQ, and tells onRejected", async () => {
    const rejected: Rejection[] = [];
    const message = fakeMessage(bonus(1));
    await createQueueConsumer({
      client: () => fakeClient(refuse),
      onRejected: (r) => void rejected.push(r),
      random: () => 0,
    }).queue({ queue: "q", messages: [message] }, {});
    expect(message.acked).toBe(false);
    expect(message.retried).toEqual({ delaySeconds: 3 });
    expect(rejected).toHaveLength(1);
  });

  it("never acknowledges a refusal the dead-letter queue or onRejected did not take", async () => {
    const failingQueue = fakeMessage(bonus(1));
    await createQueueConsumer<Env>({ client: () => fakeClient(refuse), deadLetter: (env) => env.DLQ }).queue(
      { queue: "q", messages: [failingQueue] },
      { DLQ: deadLetterQueue(true) },
    );
    expect(failingQueue.acked).toBe(false);
    expect(failingQueue.retried).toBeDefined();

    const dlq = deadLetterQueue();
    const failingHook = fakeMessage(bonus(2));
    const consumer = createQueueConsumer<Env>({
      client: () => fakeClient(refuse),
      deadLetter: (env) => env.DLQ,
      onRejected: () => {
        throw new Error("hook down");
      },
    });
    await consumer.queue({ queue: "q", messages: [failingHook] }, { DLQ: dlq });
    expect(failingHook.acked).toBe(false);
    expect(failingHook.retried).toBeDefined();
  });

  it("derives tokens in the namespace given, and refuses a malformed namespace before paying anything", async () => {
    const client = fakeClient();
    await createQueueConsumer({ client: () => client, namespace: "batch-2026" }).queue(
      { queue: "q", messages: [fakeMessage(bonus(1))] },
      {},
    );
    expect(client.sent[0]!.UniqueRequestToken).toBe(
      deriveToken("batch-2026", { WorkerId: "AWORKER1", AssignmentId: "3ASSIGN1", cents: 125, Reason: "Thank you" }),
    );

    const untouched = fakeClient();
    const message = fakeMessage(bonus(1));
    const bad = createQueueConsumer({ client: () => untouched, namespace: "has spaces" });
    await expect(bad.queue({ queue: "q", messages: [message] }, {})).rejects.toBeInstanceOf(ValidationError);
    expect(untouched.sent).toEqual([]);
    expect(message.acked).toBe(false);
  });
});
