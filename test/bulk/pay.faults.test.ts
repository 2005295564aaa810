import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { payBonuses } from "../../src/bulk/pay.js";
import { parseCsv } from "../../src/bulk/csv.js";
import { readJournal } from "../../src/bulk/journal.js";
import { writeReport } from "../../src/bulk/report.js";
import { expectLedgerMatches, makeRows, tempDir, withSimulator } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

describe("payBonuses against a faulty simulator", () => {
  it("pays 1,000 rows exactly once through 20% ServiceFault, 10% throttling and 10% lost answers, and the report matches the ledger", async () => {
    const rows = makeRows(1000, 97);
    const zero = rows.filter((r) => r.BonusAmount === "0").length;
    const faults = [
      { kind: "serviceFault", probability: 0.2, operation: "SendBonus" },
      { kind: "throttle", probability: 0.1, operation: "SendBonus" },
      { kind: "lostAnswer", probability: 0.1, operation: "SendBonus" },
    ] as const;
    await withSimulator({ faults, seed: 42 }, async (sim, client) => {
      const journal = tmp.path("faults.journal.jsonl");
      const result = await payBonuses(rows, {
        client,
        journal,
        target: sim.url,
        concurrency: 16,
        rate: 1000,
        retryDelayMs: 5,
        maxSendsPerRow: 10,
      });

      expect(result.complete).toBe(true);
      expect(result.counts).toMatchObject({ rows: 1000, paid: 1000 - zero, skipped: zero, failed: 0, pending: 0 });
      const ledger = sim.ledger;
      expect(ledger.counters.faults).toMatchObject({
        serviceFault: expect.any(Number),
        throttle: expect.any(Number),
        lostAnswer: expect.any(Number),
      });
      // Lost answers were settled by the token, not paid again.
      expect(ledger.counters.duplicates).toBeGreaterThan(0);
      expect(result.rows.some((r) => r.via === "duplicate-token")).toBe(true);
      expectLedgerMatches(ledger.bonuses, result);
      expect(ledger.spentCents).toBe(result.paid.totalCents);

      // The report file says the same as the ledger.
      const reportPath = tmp.path("report.csv");
      writeReport(reportPath, result);
      const [header, ...records] = parseCsv(readFileSync(reportPath, "utf8")).records;
      const col = (name: string) => (header?.fields ?? []).indexOf(name);
      const reported = records
        .filter((r) => r.fields[col("status")] === "paid")
        .map((r) => r.fields[col("UniqueRequestToken")]);
      expect(new Set(reported)).toEqual(new Set(ledger.bonuses.map((b) => b.UniqueRequestToken)));
      expect(records).toHaveLength(1000);

      // Every send has an intent before it and an outcome after it.
      const entries = readJournal(journal)?.entries ?? [];
      const intents = entries.filter((e) => e.t === "intent").length;
      const outcomes = entries.filter((e) => e.t === "outcome").length;
      expect(intents).toBe(outcomes);
      expect(intents).toBeGreaterThan(1000 - zero);

      // Running it again sends nothing.
      const sendsBefore = sim.ledger.counters.byOperation.SendBonus;
      const again = await payBonuses(rows, { client, journal, target: sim.url, concurrency: 16, rate: 1000 });
      expect(again.complete).toBe(true);
      expect(again.counts.paidNow).toBe(0);
      expect(again.rows.filter((r) => r.status === "paid").every((r) => r.earlierRun)).toBe(true);
      expect(sim.ledger.counters.byOperation.SendBonus).toBe(sendsBefore);
    });
  }, 60_000);

  it("re-running the same rows without a journal pays nothing twice (same derived tokens)", async () => {
    const rows = makeRows(30);
    await withSimulator({}, async (sim, client) => {
      const first = await payBonuses(rows, { client, rate: 1000 });
      const second = await payBonuses(rows, { client, rate: 1000 });
      expect(first.counts.paid).toBe(30);
      // Each row is found in ListBonusPayments (or, had it been paid within 24 hours and not listed yet, settled by its token).
      expect(second.rows.every((r) => r.via === "listed" && r.earlierRun)).toBe(true);
      expect(second.counts.paidNow).toBe(0);
      expect(sim.ledger.bonuses).toHaveLength(30);
    });
  });
});
