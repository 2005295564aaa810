/**
 * Reconciliation runs on MTurk's clock: a local clock hours ahead of or
 * behind MTurk's, in either run, never pays a bonus twice.
 */
import { afterAll, describe, expect, it } from "vitest";
import { readJournal } from "../../src/bulk/journal.js";
import { payBonuses } from "../../src/bulk/pay.js";
import { MTurkClient } from "../../src/index.js";
import { SIMULATOR_CREDENTIALS, startSimulator } from "../../src/simulator/index.js";
import { makeRows, paidTwice, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());
const HOUR = 60 * 60 * 1000;

/**
 * Run 1 pays 10 rows but loses every answer (outcome unknown, money moved),
 * with the local clock off by `skew1`; 25 hours later on MTurk's clock,
 * run 2 (local clock off by `skew2`) must settle them without paying again.
 */
async function scenario(skew1: number, skew2: number): Promise<{ twice: string[]; vias: (string | undefined)[] }> {
  let offset = 0;
  const sim = await startSimulator({
    now: () => Date.now() + offset,
    maxClockSkewMs: 72 * HOUR,
    faults: [{ kind: "lostAnswer", operation: "SendBonus" }],
  });
  const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS, maxAttempts: 1 });
  try {
    const rows = makeRows(10);
    const journal = tmp.path(`clock-${skew1}-${skew2}.jsonl`);
    const first = await payBonuses(rows, {
      client,
      journal,
      target: sim.url,
      rate: 1000,
      maxSendsPerRow: 1,
      now: () => Date.now() + skew1,
    });
    expect(first.counts.failed).toBe(10);
    expect(sim.ledger.bonuses).toHaveLength(10);
    // The journal holds MTurk's time for each send, whatever the local clock said.
    const intent = (readJournal(journal)?.entries ?? []).find((e) => e.t === "intent");
    expect(Math.abs(Date.parse((intent as { srv: string }).srv) - Date.now())).toBeLessThan(HOUR);

    sim.control({ clearFaults: true });
    offset += 25 * HOUR;
    const second = await payBonuses(rows, {
      client,
      journal,
      target: sim.url,
      rate: 1000,
      now: () => Date.now() + offset + skew2,
    });
    expect(second.complete).toBe(true);
    return { twice: paidTwice(sim.ledger.bonuses), vias: second.rows.map((r) => r.via) };
  } finally {
    await client.destroy();
    await sim.close();
  }
}

describe("reconciliation with a wrong local clock", () => {
  for (const [label, skew1, skew2] of [
    ["6 hours ahead in both runs", 6 * HOUR, 6 * HOUR],
    ["61 minutes ahead in both runs", 61 * 60 * 1000, 61 * 60 * 1000],
    ["right, then 6 hours behind", 0, -6 * HOUR],
    ["3 hours behind, then 2 hours ahead", -3 * HOUR, 2 * HOUR],
  ] as const) {
    it(`${label}: 0 paid twice`, async () => {
      const { twice, vias } = await scenario(skew1, skew2);
      expect(twice).toEqual([]);
      expect(vias.every((v) => v === "reconciled")).toBe(true);
    });
  }
});
