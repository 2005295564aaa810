/** One batch through the core: tokens, bounded concurrency, slowing down, duplicates, and the read-back after 23 hours. */
import { describe, expect, it } from "vitest";
import { MTurkError, RequestError, ServiceFault } from "../../src/errors.js";
import { defaultNamespace, deriveToken } from "../../src/identity.js";
import { settleBatch } from "../../src/queue/batch.js";
import { settleDeliveries, unwrapReplay } from "../../src/queue/core.js";
import type { Delivery } from "../../src/queue/types.js";
import { bonus, fakeClient, ORIGIN, type FakeClient } from "./helpers.js";

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 20, 12);

function deliveries(bodies: unknown[], enqueuedAt = NOW - 1000, attempts = 1): Delivery[] {
  return bodies.map((body, i) => ({ id: `m${i}`, body, enqueuedAt, attempts }));
}

function context(client: FakeClient, now = NOW) {
  return { client, namespace: defaultNamespace(ORIGIN), now: () => now, settleAfterMs: 23 * HOUR };
}

const throttling = (): MTurkError =>
  new MTurkError({ name: "ThrottlingException", message: "Rate exceeded", $retryable: { throttling: true } });

describe("tokens", () => {
  it("gives a message without a token the bulk payer's token for the same bonus, and keeps a message's own", async () => {
    const client = fakeClient();
    await settleBatch(deliveries([bonus(1), bonus(2, { UniqueRequestToken: "event-2" })]), context(client));
    const expected = deriveToken(
      defaultNamespace(ORIGIN),
      { WorkerId: "AWORKER1", AssignmentId: "3ASSIGN1", cents: 125, Reason: "Thank you" },
      0,
    );
    expect(client.sent.map((s) => s.UniqueRequestToken).sort()).toEqual([expected, "event-2"].sort());
  });

  it("derives the same token for every redelivery and for the same bonus written differently", async () => {
    const client = fakeClient();
    await settleBatch(deliveries([bonus(1)]), context(client));
    await settleBatch(deliveries([bonus(1, { BonusAmount: "01.25" })], NOW - 5 * HOUR, 4), context(client));
    await settleBatch(deliveries([{ ...bonus(1), BonusAmount: "1.25" }]), context(client));
    expect(new Set(client.sent.map((s) => s.UniqueRequestToken)).size).toBe(1);
  });

  it("sends a duplicated event after its twin has its answer, never alongside it", async () => {
    const client = fakeClient((_input, call) => (call === 0 ? "paid" : "alreadyGranted"));
    const settled = await settleBatch(deliveries([bonus(1), bonus(2), bonus(1), bonus(3), bonus(1)]), context(client), {
      concurrency: 6,
    });
    const sameToken = client.sent.map((s, i) => ({ s, i })).filter(({ s }) => s.AssignmentId === "3ASSIGN1");
    expect(sameToken).toHaveLength(3);
    expect(client.sameTokenOverlaps).toBe(0);
    expect(settled.map((s) => s.action.type)).toEqual(["ack", "ack", "ack", "ack", "ack"]);
    expect(settled.filter((s) => s.outcome.kind === "alreadyGranted").length).toBeGreaterThanOrEqual(2);
  });
});

describe("concurrency", () => {
  it("keeps at most `concurrency` bonuses in flight", async () => {
    const client = fakeClient();
    await settleBatch(deliveries(Array.from({ length: 20 }, (_, i) => bonus(i))), context(client), { concurrency: 3 });
    expect(client.sent).toHaveLength(20);
    expect(client.maxInFlight).toBe(3);
  });

  it("defaults to six in flight, Cloudflare's limit of open connections per invocation", async () => {
    const client = fakeClient();
    await settleBatch(deliveries(Array.from({ length: 30 }, (_, i) => bonus(i))), context(client));
    expect(client.maxInFlight).toBe(6);
  });

  it("narrows to one bonus at a time once MTurk throttles, and asks for a longer delay for the throttled ones", async () => {
    const client = fakeClient((_input, call) => (call < 4 ? throttling() : "paid"));
    const settled = await settleBatch(deliveries(Array.from({ length: 24 }, (_, i) => bonus(i))), context(client), {
      concurrency: 4,
      throttlePauseMs: 0,
      random: () => 0.999,
    });
    expect(client.inFlightAtStart.slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(client.inFlightAtStart.slice(8).every((n) => n === 0)).toBe(true);
    const retried = settled.filter((s) => s.action.type === "retry");
    expect(retried).toHaveLength(4);
    for (const s of retried) expect(s.action).toEqual({ type: "retry", delaySeconds: 30 });
  });
});

describe("outcomes", () => {
  it("refuses an invalid body without sending anything, naming the field", async () => {
    const client = fakeClient();
    const [settled] = await settleBatch(deliveries([{ ...bonus(1), BonusAmount: "1.255" }]), context(client));
    expect(client.sent).toEqual([]);
    expect(settled!.action).toMatchObject({ type: "reject", error: { name: "ValidationError", field: "BonusAmount" } });
  });

  it("refuses what MTurk refuses and redelivers what failed, backing off with the delivery count", async () => {
    const client = fakeClient((input) =>
      input.AssignmentId === "3ASSIGN1"
        ? new RequestError({ message: "insufficient funds", TurkErrorCode: "AWS.MechanicalTurk.InsufficientFunds" })
        : new ServiceFault({ message: "x" }),
    );
    const [refused, failed] = await settleBatch(deliveries([bonus(1), bonus(2)], NOW, 3), context(client), {
      random: () => 0.999,
    });
    expect(refused!.action).toMatchObject({
      type: "reject",
      error: { name: "RequestError", TurkErrorCode: "AWS.MechanicalTurk.InsufficientFunds" },
    });
    expect(refused!.outcome).toMatchObject({ kind: "refused", token: expect.stringMatching(/^mtb2-/) });
    expect(failed!.action).toEqual({ type: "retry", delaySeconds: 20 });
  });

  it("sends nothing once the batch's time budget is spent: the rest is redelivered, unsent", async () => {
    const client = fakeClient();
    const settled = await settleBatch(deliveries([bonus(1), { nonsense: true }, bonus(2)]), context(client), {
      timeBudgetMs: 0,
    });
    expect(client.sent).toEqual([]);
    expect(settled.map((s) => s.action.type)).toEqual(["retry", "reject", "retry"]);
    expect(settled[0]!.outcome).toMatchObject({ kind: "failed", error: { name: "BatchTimeBudgetError" } });
  });

  it("never throws: a client that throws a non-error is a redelivery", async () => {
    const client = fakeClient(() => {
      throw "boom";
    });
    const [settled] = await settleBatch(deliveries([bonus(1)]), context(client));
    expect(settled!.action.type).toBe("retry");
  });
});

describe("the 23-hour rule", () => {
  const paid = {
    WorkerId: "AWORKER1",
    AssignmentId: "3ASSIGN1",
    BonusAmount: "1.25",
    Reason: "Thank you",
    GrantTime: new Date(NOW - 30 * HOUR),
  };

  it("does not read back a message younger than 23 hours", async () => {
    const client = fakeClient();
    await settleBatch(deliveries([bonus(1)], NOW - 22 * HOUR), context(client));
    expect(client.listed).toEqual([]);
    expect(client.sent).toHaveLength(1);
  });

  it("acknowledges an older message that ListBonusPayments shows paid, without sending it", async () => {
    const client = fakeClient(() => "paid", { payments: [paid] });
    const [settled] = await settleBatch(deliveries([bonus(1)], NOW - 23 * HOUR), context(client));
    expect(client.listed).toEqual(["3ASSIGN1"]);
    expect(client.sent).toEqual([]);
    expect(settled!.outcome).toMatchObject({ kind: "settled", payment: paid });
    expect(settled!.action).toEqual({ type: "ack" });
  });

  it("matches by worker, assignment, amount in cents and reason: another bonus on the assignment is not this one", async () => {
    const others = [
      { ...paid, BonusAmount: "1.26" },
      { ...paid, Reason: "Thank you!" },
      { ...paid, WorkerId: "AOTHER" },
    ];
    const client = fakeClient(() => "paid", { payments: others });
    const [settled] = await settleBatch(deliveries([bonus(1)], NOW - 40 * HOUR), context(client));
    expect(client.sent).toHaveLength(1);
    expect(settled!.outcome.kind).toBe("paid");
    const sameCents = fakeClient(() => "paid", { payments: [{ ...paid, BonusAmount: "1.2" }] });
    await settleBatch(deliveries([bonus(1, { BonusAmount: "1.20" })], NOW - 40 * HOUR), context(sameCents));
    expect(sameCents.sent).toEqual([]);
  });

  it("judges age by MTurk's clock once known, not the local one", async () => {
    const late = fakeClient(() => "paid", { payments: [paid], serverTime: new Date(NOW + 24 * HOUR) });
    await settleBatch(deliveries([bonus(1)], NOW - HOUR), context(late));
    expect(late.sent).toEqual([]);
    const early = fakeClient(() => "paid", { payments: [paid], serverTime: new Date(NOW - 24 * HOUR) });
    await settleBatch(deliveries([bonus(1)], NOW - 2 * HOUR), context(early, NOW + 24 * HOUR));
    expect(early.listed).toEqual([]);
  });

  it("redelivers instead of sending when the read-back fails", async () => {
    const client = fakeClient();
    client.paginateBonusPayments = async function* () {
      yield* [];
      throw new ServiceFault({ message: "down" });
    };
    const [settled] = await settleBatch(deliveries([bonus(1)], NOW - 30 * HOUR), context(client));
    expect(client.sent).toEqual([]);
    expect(settled!.action.type).toBe("retry");
  });

  it("reads back a dead-lettered rejection replayed into the queue, by its first enqueue time", async () => {
    const replay = {
      bonus: bonus(1),
      error: { name: "RequestError", message: "insufficient funds" },
      messageId: "m0",
      attempts: 1,
      enqueuedAt: new Date(NOW - 48 * HOUR).toISOString(),
      rejectedAt: new Date(NOW - 47 * HOUR).toISOString(),
    };
    expect(unwrapReplay({ id: "r", body: replay, enqueuedAt: NOW, attempts: 1 })).toEqual({
      id: "r",
      body: bonus(1),
      enqueuedAt: NOW - 48 * HOUR,
      attempts: 1,
    });
    const client = fakeClient(() => "paid", { payments: [paid] });
    const [settled] = await settleDeliveries(
      [{ id: "r", body: replay, enqueuedAt: NOW, attempts: 1 }],
      { client, namespace: "n" },
      { client: () => client, now: () => NOW },
    );
    expect(client.sent).toEqual([]);
    expect(settled!.outcome.kind).toBe("settled");
  });

  it("takes any { bonus, enqueuedAt } as a replay, and an unreadable enqueuedAt as old", () => {
    const raw = { bonus: bonus(1), enqueuedAt: "2026-11-18T12:00:00.000Z" };
    expect(unwrapReplay({ id: "r", body: raw, enqueuedAt: NOW, attempts: 1 }).enqueuedAt).toBe(
      Date.parse(raw.enqueuedAt),
    );
    expect(
      unwrapReplay({ id: "r", body: { ...raw, enqueuedAt: "yesterday-ish" }, enqueuedAt: NOW, attempts: 1 }).enqueuedAt,
    ).toBeNaN();
    expect(unwrapReplay({ id: "r", body: bonus(1), enqueuedAt: NOW, attempts: 1 }).body).toEqual(bonus(1));
  });
});
