/**
 * Group commit keeps the journal's promise: an intent is on disk before its
 * send, an outcome before its row is counted, and one fsync covers every
 * entry appended while the previous one ran. A Reason is journaled once per row.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { SendBonusOutput } from "../../src/client.js";
import { Journal, readJournal, type IntentEntry } from "../../src/bulk/journal.js";
import { payBonuses, type BulkClient } from "../../src/bulk/pay.js";
import { header as headerEntry, intent, makeRows, tempDir, withSimulator } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());
const header = headerEntry();

describe("group commit", () => {
  it("one fsync covers every entry appended while the previous one ran", async () => {
    const journal = Journal.open(tmp.path("group.jsonl"), () => header);
    const before = journal.fsyncs;
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.append(intent(`t${i}`, header.at, 2))));
    expect(journal.fsyncs - before).toBeLessThanOrEqual(2);
    await journal.close();
    expect(readJournal(tmp.path("group.jsonl"))?.entries).toHaveLength(101);
  });

  it("an intent is on disk before its send, and an outcome before its row is counted", async () => {
    const path = tmp.path("order.jsonl");
    const onDisk = () => readFileSync(path, "utf8");
    const violations: string[] = [];
    const client: BulkClient = {
      async sendBonus(input): Promise<SendBonusOutput> {
        const token = input.UniqueRequestToken as string;
        if (!onDisk().includes(`"t":"intent","token":"${token}"`)) violations.push(`sent before its intent: ${token}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { UniqueRequestToken: token, alreadyGranted: false, $metadata: { attempts: 1, totalRetryDelay: 0 } };
      },
      async getAccountBalance() {
        return { AvailableBalance: "100000.00", $metadata: { attempts: 1, totalRetryDelay: 0 } };
      },
      async *paginateBonusPayments() {},
    };
    const result = await payBonuses(makeRows(200), {
      client,
      journal: path,
      target: "fake",
      concurrency: 8,
      rate: Number.POSITIVE_INFINITY,
      onResult: (row) => {
        if (row.status === "paid" && !onDisk().includes(`"t":"outcome","token":"${row.token}","status":"paid"`))
          violations.push(`counted before its outcome: line ${row.line}`);
      },
    });
    expect(violations).toEqual([]);
    expect(result.counts.paid).toBe(200);
    // Far fewer than two fsyncs per row.
    expect(result.fsyncs).toBeLessThan(200);
  });
});

it("journals a row's Reason with its first send only, however often it is sent", async () => {
  const reason = "R".repeat(4096); // the longest Reason accepted
  await withSimulator({ faults: [{ kind: "serviceFault", count: 3, operation: "SendBonus" }] }, async (sim, client) => {
    const path = tmp.path("reason.jsonl");
    const result = await payBonuses(
      [{ WorkerId: "AWORKER1", AssignmentId: "3ASG1", BonusAmount: "1.00", Reason: reason }],
      {
        client,
        journal: path,
        target: sim.url,
        rate: Number.POSITIVE_INFINITY,
        retryDelayMs: 1,
      },
    );
    expect(result.complete).toBe(true);
    const intents = (readJournal(path)?.entries ?? []).filter((e): e is IntentEntry => e.t === "intent");
    expect(intents.length).toBeGreaterThan(1);
    expect(intents.map((e) => e.Reason?.length ?? 0)).toEqual([4096, ...intents.slice(1).map(() => 0)]);
    expect(readFileSync(path, "utf8").length).toBeLessThan(4096 * 2);
  });
});
