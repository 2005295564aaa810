import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { MTurkClient } from "../../src/index.js";
import {
  SIMULATOR_CREDENTIALS,
  startSimulator,
  type BonusRecord,
  type Simulator,
  type SimulatorOptions,
} from "../../src/simulator/index.js";
import type {
  HeaderEntry,
  IntentEntry,
  JournalEntry,
  OutcomeEntry,
  ReconcileEntry,
  RunEntry,
} from "../../src/bulk/journal.js";
import type { BonusRow, RawRow } from "../../src/bulk/rows.js";
import type { PayoutResult } from "../../src/bulk/types.js";

/** `count` distinct rows: worker W<i>, assignment 3ASG<i>, amounts from 0.01 to 9.99, reasons with commas and quotes. */
export function makeRows(count: number, zeroEvery = 0): RawRow[] {
  return Array.from({ length: count }, (_, i) => ({
    WorkerId: `AWORKER${String(i).padStart(6, "0")}`,
    AssignmentId: `3ASG${String(i).padStart(8, "0")}`,
    BonusAmount:
      zeroEvery > 0 && i % zeroEvery === zeroEvery - 1
        ? "0"
        : `${Math.floor(((i * 37) % 999) / 100)}.${String((i * 37) % 100).padStart(2, "0")}`.replace(/^0\.00$/, "0.01"),
    Reason: i % 3 === 0 ? `Thanks, "participant" ${i}` : `Bonus for study ${i}`,
  }));
}

export function csvOf(rows: readonly RawRow[]): string {
  const quote = (v: unknown) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return `WorkerId,AssignmentId,BonusAmount,Reason\r\n${rows.map((r) => [r.WorkerId, r.AssignmentId, r.BonusAmount, r.Reason].map(quote).join(",")).join("\r\n")}\r\n`;
}

export async function withSimulator<T>(
  options: SimulatorOptions,
  body: (sim: Simulator, client: MTurkClient) => Promise<T>,
): Promise<T> {
  const sim = await startSimulator(options);
  const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS });
  try {
    return await body(sim, client);
  } finally {
    await client.destroy();
    await sim.close();
  }
}

export function tempDir(): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "mturk-bulk-"));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every paid row is in the ledger exactly once, with its token and content, and nothing else is. */
export function expectLedgerMatches(bonuses: readonly BonusRecord[], result: Pick<PayoutResult, "rows">): void {
  const byToken = new Map<string, BonusRecord[]>();
  for (const bonus of bonuses) {
    const list = byToken.get(bonus.UniqueRequestToken ?? "") ?? [];
    list.push(bonus);
    byToken.set(bonus.UniqueRequestToken ?? "", list);
  }
  const paid = result.rows.filter((r) => r.status === "paid");
  expect(bonuses).toHaveLength(paid.length);
  for (const row of paid) {
    const found = byToken.get(row.token as string) ?? [];
    expect(found, `line ${row.line}`).toHaveLength(1);
    const [bonus] = found as [BonusRecord];
    expect({
      WorkerId: bonus.WorkerId,
      AssignmentId: bonus.AssignmentId,
      BonusAmount: bonus.BonusAmount,
      Reason: bonus.Reason,
    }).toEqual({
      WorkerId: row.WorkerId,
      AssignmentId: row.AssignmentId,
      BonusAmount: row.BonusAmount,
      Reason: row.Reason,
    });
    if (row.via === "sent") expect(row.requestId).toBe(bonus.requestId);
  }
}

/** The namespace a payout derives tokens in against a simulator (one per target). */
export function simNamespace(sim: { url: string }): string {
  return `target:${sim.url}`;
}

/** How many times each (worker, assignment, amount, reason) was paid in the ledger, for the ones paid more than once. */
export function paidTwice(bonuses: readonly BonusRecord[]): string[] {
  const counts = new Map<string, number>();
  for (const b of bonuses) {
    const key = JSON.stringify([b.WorkerId, b.AssignmentId, b.BonusAmount, b.Reason]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([key]) => key);
}

// Builders: rows and journals by what they say, not by hand-written JSON lines.

/** One input row (worker A1WORKER, assignment 3ASSIGNMENT1, $1.00, "Thanks"), with `fields` changed. */
export function rawRow(fields: Partial<RawRow> = {}): RawRow {
  return { WorkerId: "A1WORKER", AssignmentId: "3ASSIGNMENT1", BonusAmount: "1.00", Reason: "Thanks", ...fields };
}

/** One valid row as the planner sees it (line 2, $1.00 = 100 cents), with `fields` changed (give `cents` along with `BonusAmount`). */
export function row(fields: Partial<BonusRow> = {}): BonusRow {
  return {
    line: 2,
    WorkerId: "A1WORKER",
    AssignmentId: "3ASSIGNMENT1",
    BonusAmount: "1.00",
    cents: 100,
    Reason: "Thanks",
    ...fields,
  };
}

const AT = "2026-01-01T00:00:00.000Z";

/** A journal's header (version 2, batch b1, target sandbox, namespace ns). */
export function header(fields: Partial<HeaderEntry> = {}): HeaderEntry {
  return { t: "header", v: 2, batchId: "b1", content: "c1", target: "sandbox", namespace: "ns", at: AT, ...fields };
}

/** A run started (`content`: the input was accepted as changed). */
export function runEntry(fields: Partial<RunEntry> = {}): RunEntry {
  return { t: "run", at: AT, pid: 1, ...fields };
}

/** The intent of send `n` of `token`, with the row's fields on its first send. */
export function intent(token: string, at = AT, n = 1, fields: Partial<IntentEntry> = {}): IntentEntry {
  const first =
    n === 1
      ? { line: 2, WorkerId: "A1WORKER", AssignmentId: "3ASSIGNMENT1", BonusAmount: "1.00", Reason: "Thanks" }
      : {};
  return { t: "intent", token, ...first, n, at, ...fields };
}

/** The intent of the first send of `bonus` with `token`: a send whose outcome is unknown until an outcome follows. */
export function intentFor(
  bonus: Pick<BonusRow, "line" | "WorkerId" | "AssignmentId" | "BonusAmount" | "Reason">,
  token: string,
  at = AT,
): IntentEntry {
  const { line, WorkerId, AssignmentId, BonusAmount, Reason } = bonus;
  return { t: "intent", token, line, WorkerId, AssignmentId, BonusAmount, Reason, n: 1, at };
}

/** MTurk paid `token`. */
export function paid(token: string, at = AT, fields: Partial<OutcomeEntry> = {}): OutcomeEntry {
  return { t: "outcome", token, status: "paid", attempts: 1, at, ...fields };
}

/** A send of `token` failed; `outcomeUnknown`: it may have paid all the same. */
export function failed(
  token: string,
  outcomeUnknown: boolean,
  at = AT,
  fields: Partial<OutcomeEntry> = {},
): OutcomeEntry {
  const error = {
    name: outcomeUnknown ? "ServiceFault" : "RequestError",
    message: outcomeUnknown ? "the answer was lost" : "refused",
    outcomeUnknown,
  };
  return { t: "outcome", token, status: "failed", attempts: 1, error, at, ...fields };
}

/** ListBonusPayments was checked for `token`: `found` it paid, or not. */
export function reconciled(
  token: string,
  found: boolean,
  at = AT,
  fields: Partial<ReconcileEntry> = {},
): ReconcileEntry {
  return { t: "reconcile", token, found, matches: found ? 1 : 0, at, ...fields };
}

/** A journal file's text: one JSON line per entry. */
export function journalOf(...entries: readonly JournalEntry[]): string {
  return entries.map((entry) => `${JSON.stringify(entry)}\n`).join("");
}
