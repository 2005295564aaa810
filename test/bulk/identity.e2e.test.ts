/**
 * A bonus is identified by itself: whatever happens to the file or the
 * journal, a bonus already paid is not paid again (checked in the
 * simulator's ledger), within MTurk's 24-hour token window and beyond it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { payBonuses } from "../../src/bulk/pay.js";
import type { RawRow } from "../../src/bulk/rows.js";
import { MTurkClient } from "../../src/index.js";
import { SIMULATOR_CREDENTIALS, startSimulator } from "../../src/simulator/index.js";
import { makeRows, paidTwice, tempDir, withSimulator } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());
const HOUR = 60 * 60 * 1000;
let journals = 0;
/** A journal of its own, as a renamed or copied file gets by default. */
const freshJournal = () => tmp.path(`j${++journals}.jsonl`);

describe("a file's versions and a deleted journal never pay a bonus twice", () => {
  it("edited, sorted, appended, split, renamed and journal-less copies of a paid file pay only what is new", async () => {
    const rows = makeRows(12);
    await withSimulator({}, async (sim, client) => {
      const pay = (input: readonly RawRow[], journal: string | undefined = freshJournal()) =>
        payBonuses(input, { client, target: sim.url, rate: 1000, ...(journal === undefined ? {} : { journal }) });
      const first = await pay(rows);
      expect(first.counts.paidNow).toBe(12);

      const late = {
        WorkerId: "ALATE00001",
        AssignmentId: "3LATE00001",
        BonusAmount: "2.00",
        Reason: "Late participant",
      };
      const sorted = [...rows].reverse();
      const appended = [...rows, late];
      const [firstHalf, secondHalf] = [rows.slice(0, 6), rows.slice(6)];
      // Re-saved by a spreadsheet: "1.50" becomes "1.5", the Reason's quotes differ in the file but not in the value.
      const resaved = rows.map((r) => ({ ...r, BonusAmount: String(r.BonusAmount).replace(/(\.\d)0$/, "$1") }));
      for (const version of [sorted, appended, firstHalf, secondHalf, resaved]) await pay(version);
      // The journal deleted: no journal at all.
      await pay(rows, undefined);

      expect(paidTwice(sim.ledger.bonuses)).toEqual([]);
      expect(sim.ledger.bonuses).toHaveLength(13); // the 12 once, and the late participant
    });
  });

  it("beyond 24 hours, a bonus MTurk already lists is not paid again from a new journal; the explicit flag pays it again", async () => {
    let offset = 0;
    const sim = await startSimulator({ now: () => Date.now() + offset, maxClockSkewMs: 72 * HOUR });
    const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS });
    try {
      const rows = makeRows(6);
      await payBonuses(rows, { client, journal: freshJournal(), target: sim.url, rate: 1000 });
      offset += 30 * HOUR; // MTurk has forgotten every token.
      const appended = [
        ...rows,
        { WorkerId: "ALATE00001", AssignmentId: "3LATE00001", BonusAmount: "1.00", Reason: "Late" },
      ];
      const again = await payBonuses([...appended].reverse(), {
        client,
        journal: freshJournal(),
        target: sim.url,
        rate: 1000,
      });
      expect(again.complete).toBe(true);
      expect(again.rows.filter((r) => r.via === "listed")).toHaveLength(6);
      expect(again.counts.paidNow).toBe(1);
      expect(paidTwice(sim.ledger.bonuses)).toEqual([]);
      // One listing per distinct assignment, no more.
      expect(sim.ledger.counters.byOperation.ListBonusPayments).toBe(6 + 7);

      // Said explicitly: pay them again.
      const repaid = await payBonuses(rows.slice(0, 2), {
        client,
        journal: freshJournal(),
        target: sim.url,
        rate: 1000,
        payAgainAfter24h: true,
      });
      expect(repaid.counts.paidNow).toBe(2);
      expect(paidTwice(sim.ledger.bonuses)).toHaveLength(2);
    } finally {
      await client.destroy();
      await sim.close();
    }
  });

  it("identical rows allowed as duplicates: one listed payment settles one of them, the other is paid", async () => {
    let offset = 0;
    const sim = await startSimulator({ now: () => Date.now() + offset, maxClockSkewMs: 72 * HOUR });
    const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS });
    try {
      const row = {
        WorkerId: "AWORKER000001",
        AssignmentId: "3ASG00000001",
        BonusAmount: "1.00",
        Reason: "Round bonus",
      };
      await payBonuses([row], { client, journal: freshJournal(), target: sim.url, rate: 1000 });
      offset += 30 * HOUR;
      const result = await payBonuses([row, row], {
        client,
        journal: freshJournal(),
        target: sim.url,
        rate: 1000,
        allowDuplicates: true,
      });
      expect(result.rows.map((r) => r.via)).toEqual(["listed", "sent"]);
      expect(sim.ledger.bonuses).toHaveLength(2);
      // Run again: both settled, nothing more is paid.
      const third = await payBonuses([row, row], {
        client,
        journal: freshJournal(),
        target: sim.url,
        rate: 1000,
        allowDuplicates: true,
      });
      expect(third.counts.paidNow).toBe(0);
      expect(sim.ledger.bonuses).toHaveLength(2);
    } finally {
      await client.destroy();
      await sim.close();
    }
  });
});
