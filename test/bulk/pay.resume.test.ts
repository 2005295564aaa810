import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { InsufficientBalanceError, payBonuses, previewPayout, type BulkClient } from "../../src/bulk/pay.js";
import { JournalError, readJournal, type JournalEntry } from "../../src/bulk/journal.js";
import { validateRows, InvalidRowsError } from "../../src/bulk/rows.js";
import { contentHash, defaultBatchId, tokensFor } from "../../src/bulk/token.js";
import { MTurkClient } from "../../src/index.js";
import { SIMULATOR_CREDENTIALS, startSimulator } from "../../src/simulator/index.js";
import {
  expectLedgerMatches,
  failed,
  header,
  intentFor,
  journalOf,
  makeRows,
  paid,
  simNamespace,
  tempDir,
  withSimulator,
} from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());
const HOUR = 60 * 60 * 1000;

/** `n` valid rows, their batch id and tokens in namespace `ns`, and a clock the test moves forward. */
function batchOf(n: number, ns: string) {
  const raw = makeRows(n);
  const rows = validateRows(raw);
  const batchId = defaultBatchId(rows);
  let offset = 0;
  return {
    raw,
    rows,
    batchId,
    tokens: tokensFor(rows, ns),
    now: () => Date.now() + offset,
    advance: (ms: number) => (offset += ms),
  };
}

/** A simulator whose whole clock (Date headers, ledger, token window) the test moves, and a client for it. */
async function movableSimulator() {
  let offset = 0;
  const sim = await startSimulator({ now: () => Date.now() + offset, maxClockSkewMs: 72 * HOUR });
  const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS });
  return {
    sim,
    client,
    advance: (ms: number) => (offset += ms),
    close: async () => {
      await client.destroy();
      await sim.close();
    },
  };
}

describe("resume after a crash", () => {
  it("re-sends a row with an intent and no outcome (killed mid-send) with the same token: paid once", async () => {
    const raw = makeRows(5);
    const rows = validateRows(raw);
    const batchId = defaultBatchId(rows);
    await withSimulator({}, async (sim, client) => {
      const tokens = tokensFor(rows, simNamespace(sim));
      // What a kill -9 right after the request left: an intent, the payment made, no outcome, and a torn line.
      const [row0] = rows;
      await client.sendBonus({
        WorkerId: row0!.WorkerId,
        AssignmentId: row0!.AssignmentId,
        BonusAmount: row0!.BonusAmount,
        Reason: row0!.Reason,
        UniqueRequestToken: tokens[0],
      });
      const journal = tmp.path("crash.jsonl");
      const at = new Date().toISOString();
      const torn = journalOf(intentFor(rows[1]!, tokens[1]!, at)).slice(0, 30);
      writeFileSync(
        journal,
        journalOf(
          header({ batchId, content: contentHash(rows), target: sim.url, namespace: simNamespace(sim), at }),
          intentFor(row0!, tokens[0]!, at),
        ) + torn,
      );
      const result = await payBonuses(raw, { client, journal, target: sim.url, rate: 1000 });
      expect(result.complete).toBe(true);
      expect(result.rows[0]).toMatchObject({ status: "paid", via: "duplicate-token", sends: 2 });
      expectLedgerMatches(sim.ledger.bonuses, result);
      // The crashed row is settled by its token alone; the four never sent are looked for first.
      expect(sim.ledger.counters.byOperation.ListBonusPayments).toBe(4);
    });
  });

  it("checks ListBonusPayments before re-sending a row whose token is older than 24 hours (MTurk's clock)", async () => {
    const moving = await movableSimulator();
    const { sim, client } = moving;
    try {
      const { raw, rows, batchId, tokens } = batchOf(4, simNamespace(sim));
      const send = (i: number) => {
        const r = rows[i]!;
        return client.sendBonus({
          WorkerId: r.WorkerId,
          AssignmentId: r.AssignmentId,
          BonusAmount: r.BonusAmount,
          Reason: r.Reason,
          UniqueRequestToken: tokens[i],
        });
      };
      // Times on MTurk's clock too (srv), as a client that has seen a Date journals them.
      const intent = (i: number, at: string): JournalEntry => ({ ...intentFor(rows[i]!, tokens[i]!, at), srv: at });
      const journal = tmp.path("old.jsonl");
      const t0 = new Date().toISOString();
      // Row 0: sent and paid, answer lost (outcome unknown). Row 1: sent, never reached MTurk. Row 2: paid, journaled.
      await send(0);
      const paid2 = await send(2);
      writeFileSync(
        journal,
        journalOf(
          header({ batchId, content: contentHash(rows), target: sim.url, namespace: simNamespace(sim), at: t0 }),
          intent(0, t0),
          failed(tokens[0]!, true, t0, {
            attempts: 3,
            error: { name: "TimeoutError", message: "no answer", outcomeUnknown: true },
            srv: t0,
          }),
          intent(1, t0),
          intent(2, t0),
          paid(tokens[2]!, t0, { requestId: paid2.$metadata.requestId!, srv: t0 }),
        ),
      );

      // 25 hours later on MTurk's clock (the local clock has not moved): MTurk has forgotten the tokens.
      moving.advance(25 * HOUR);
      const plan = await previewPayout(raw, { client, journal, target: sim.url });
      expect(plan.rows.map((p) => p.action)).toEqual(["reconcile", "reconcile", "done", "check"]);

      const result = await payBonuses(raw, { client, journal, target: sim.url, rate: 1000 });
      expect(result.complete).toBe(true);
      expect(result.rows.map((r) => r.via)).toEqual(["reconciled", "sent", "sent", "sent"]);
      expect(result.rows[2]?.earlierRun).toBe(true);
      expectLedgerMatches(sim.ledger.bonuses, result);
      // One listing per assignment that needed one.
      expect(sim.ledger.counters.byOperation.ListBonusPayments).toBe(3);
      const reconciles = (readJournal(journal)?.entries ?? []).filter((e) => e.t === "reconcile");
      expect(reconciles).toMatchObject([
        { token: tokens[0], found: true },
        { token: tokens[1], found: false },
      ]);

      // Without that check row 0 would have been paid twice: the expired token no longer deduplicates.
      const resent = await send(0);
      expect(resent.alreadyGranted).toBe(false);
      expect(sim.ledger.bonuses.filter((b) => b.UniqueRequestToken === tokens[0])).toHaveLength(2);
    } finally {
      await moving.close();
    }
  });

  it("within 24 hours re-sends with the same token instead of listing", async () => {
    await withSimulator({}, async (sim, client) => {
      const { raw, rows, batchId, tokens, now, advance } = batchOf(2, simNamespace(sim));
      const r = rows[0]!;
      await client.sendBonus({
        WorkerId: r.WorkerId,
        AssignmentId: r.AssignmentId,
        BonusAmount: r.BonusAmount,
        Reason: r.Reason,
        UniqueRequestToken: tokens[0],
      });
      const journal = tmp.path("young.jsonl");
      const t0 = new Date(now()).toISOString();
      writeFileSync(
        journal,
        journalOf(
          header({ batchId, content: contentHash(rows), target: sim.url, namespace: simNamespace(sim), at: t0 }),
          intentFor(r, tokens[0]!, t0),
        ),
      );
      advance(22 * HOUR);
      sim.control({ advanceClockMs: 22 * HOUR });
      const result = await payBonuses(raw, { client, journal, target: sim.url, rate: 1000, now });
      expect(result.rows.map((row) => row.via)).toEqual(["duplicate-token", "sent"]);
      // Only the row never sent is looked for (one listing, its assignment's).
      expect(sim.ledger.counters.byOperation.ListBonusPayments).toBe(1);
      expectLedgerMatches(sim.ledger.bonuses, result);
    });
  });

  it("binds the journal to its rows, batch and target", async () => {
    const raw = makeRows(3);
    await withSimulator({}, async (sim, client) => {
      const journal = tmp.path("bound.jsonl");
      await payBonuses(raw, { client, journal, target: sim.url, rate: 1000 });
      const changed = raw.map((r, i) => (i === 2 ? { ...r, BonusAmount: "7.77" } : r));
      await expect(payBonuses(changed, { client, journal, target: sim.url })).rejects.toThrow(
        /started for different rows/,
      );
      await expect(payBonuses(raw, { client, journal, target: "production" })).rejects.toThrow(JournalError);
      await expect(payBonuses(raw, { client, journal, target: sim.url, batchId: "other" })).rejects.toThrow(
        /belongs to batch b-/,
      );
      await expect(payBonuses(raw, { client, journal, target: sim.url, namespace: "study-2" })).rejects.toThrow(
        /derives its tokens in namespace/,
      );
      // A changed amount on an assignment already paid is a second bonus: refused unless duplicates are allowed.
      await expect(payBonuses(changed, { client, journal, target: sim.url, acceptChangedInput: true })).rejects.toThrow(
        InvalidRowsError,
      );
      const added = [...raw, { WorkerId: "ANEW", AssignmentId: "3NEW", BonusAmount: "1", Reason: "late" }];
      const result = await payBonuses(added, {
        client,
        journal,
        target: sim.url,
        acceptChangedInput: true,
        rate: 1000,
      });
      expect(result.rows.map((r) => (r.earlierRun ? "earlier" : r.via))).toEqual([
        "earlier",
        "earlier",
        "earlier",
        "sent",
      ]);
      // The change is recorded: resuming with the new rows needs no flag again.
      expect((await payBonuses(added, { client, journal, target: sim.url })).counts.paidNow).toBe(0);
      expect(sim.ledger.bonuses).toHaveLength(4);
    });
  });
});

describe("money", () => {
  it("refuses a batch the balance does not cover before paying anything", async () => {
    const raw = makeRows(10); // several dollars
    await withSimulator({ balance: "5.00" }, async (sim, client) => {
      const error = await payBonuses(raw, { client, journal: tmp.path("poor.jsonl"), target: sim.url }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InsufficientBalanceError);
      expect((error as InsufficientBalanceError).message).toMatch(/exceeds the available balance \$5\.00/);
      expect(sim.ledger.counters.byOperation.SendBonus).toBeUndefined();
      expect(sim.ledger.bonuses).toHaveLength(0);
    });
  });

  it("with allowPartial pays until MTurk reports insufficient funds, then stops sending; topped up, it resumes", async () => {
    const raw = makeRows(40);
    await withSimulator({ balance: "40.00" }, async (sim, client) => {
      const journal = tmp.path("partial.jsonl");
      const first = await payBonuses(raw, {
        client,
        journal,
        target: sim.url,
        allowPartial: true,
        concurrency: 2,
        rate: 1000,
      });
      expect(first.complete).toBe(false);
      expect(first.stoppedBy).toBe("insufficient-funds");
      expect(first.counts.paid).toBeGreaterThan(0);
      expect(first.counts.pending).toBeGreaterThan(0);
      // No hammering: at most the calls already in flight meet the refusal.
      expect(sim.ledger.counters.insufficientFunds).toBeLessThanOrEqual(2);
      expectLedgerMatches(sim.ledger.bonuses, first);

      sim.control({ balance: "1000.00" });
      const second = await payBonuses(raw, { client, journal, target: sim.url, concurrency: 2, rate: 1000 });
      expect(second.complete).toBe(true);
      expectLedgerMatches(sim.ledger.bonuses, second);
      expect(sim.ledger.bonuses).toHaveLength(40);
    });
  });

  it("a definite refusal fails the row, the others are paid, and resuming retries it with the same token", async () => {
    const raw = makeRows(3);
    await withSimulator({ assignments: { [String(raw[1]!.AssignmentId)]: "AOTHERWORKER" } }, async (sim, client) => {
      const journal = tmp.path("refused.jsonl");
      const first = await payBonuses(raw, { client, journal, target: sim.url, rate: 1000 });
      expect(first.rows.map((r) => r.status)).toEqual(["paid", "failed", "paid"]);
      expect(first.rows[1]?.error).toMatchObject({
        name: "RequestError",
        TurkErrorCode: "AWS.MechanicalTurk.WorkerAssignmentMismatch",
        outcomeUnknown: false,
      });
      sim.control({ assignments: { [String(raw[1]!.AssignmentId)]: String(raw[1]!.WorkerId) } });
      const second = await payBonuses(raw, { client, journal, target: sim.url, rate: 1000 });
      expect(second.complete).toBe(true);
      expect(second.rows[1]).toMatchObject({ status: "paid", via: "sent", sends: 2, token: first.rows[1]?.token });
    });
  });

  it("stops at once on bad credentials instead of failing every row", async () => {
    const raw = makeRows(20);
    await withSimulator({}, async (sim, client) => {
      const { MTurkClient } = await import("../../src/index.js");
      const bad = new MTurkClient({
        endpoint: sim.url,
        credentials: { accessKeyId: "AKIDWRONG", secretAccessKey: "nope" },
      });
      const wrapped: BulkClient = {
        sendBonus: (i, o) => bad.sendBonus(i, o),
        getAccountBalance: (o) => client.getAccountBalance(o),
        paginateBonusPayments: (i, o) => bad.paginateBonusPayments(i, o),
      };
      const result = await payBonuses(raw, { client: wrapped, target: sim.url, concurrency: 2, rate: 1000 });
      await bad.destroy();
      expect(result.stoppedBy).toBe("fatal-error");
      expect(result.counts.failed).toBeLessThanOrEqual(2);
      expect(result.counts.pending).toBeGreaterThanOrEqual(18);
    });
  });
});

describe("stopping", () => {
  it("stopSignal: no new rows start, rows in flight finish and are journaled", async () => {
    const raw = makeRows(50);
    await withSimulator({ faults: [{ kind: "delay", ms: 20 }] }, async (sim, client) => {
      const stop = new AbortController();
      const journal = tmp.path("stop.jsonl");
      const result = await payBonuses(raw, {
        client,
        journal,
        target: sim.url,
        concurrency: 4,
        rate: 1000,
        stopSignal: stop.signal,
        onResult: (r) => {
          if (r.status === "paid") stop.abort();
        },
      });
      expect(result.stoppedBy).toBe("stopped");
      expect(result.counts.paid).toBeGreaterThan(0);
      // The calls in flight when it fired, and those that took a slot while the first outcome was being synced.
      expect(result.counts.paid).toBeLessThanOrEqual(8);
      expectLedgerMatches(sim.ledger.bonuses, result);
      const entries = readJournal(journal)?.entries ?? [];
      expect(entries.filter((e) => e.t === "intent")).toHaveLength(entries.filter((e) => e.t === "outcome").length);
      appendFileSync(journal, ""); // untouched, resumable
      const rest = await payBonuses(raw, { client, journal, target: sim.url, rate: 1000 });
      expect(rest.complete).toBe(true);
      expect(sim.ledger.bonuses).toHaveLength(50);
      expect(readFileSync(journal, "utf8").length).toBeGreaterThan(0);
    });
  });
});
