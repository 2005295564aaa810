import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { BonusPayment, SendBonusOutput } from "../../src/client.js";
import { payBonuses, type BulkClient } from "../../src/bulk/pay.js";
import { InvalidRowsError, parseBonusFile, validateRows } from "../../src/bulk/rows.js";
import { contentHash, defaultBatchId, tokensFor } from "../../src/bulk/token.js";
import { header, intentFor, journalOf, simNamespace, tempDir, withSimulator } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());
const HOUR = 60 * 60 * 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("a bonus's identity does not depend on how its file was saved", () => {
  it("a file re-saved with CRLF line ends keeps its batch id and tokens when a Reason spans lines", () => {
    const lf =
      'WorkerId,AssignmentId,BonusAmount,Reason\nA1B2C3D4E5F6G7,3X1FV8S5J09OQY1JC80W57HTHFJGVM,1.50,"Thanks!\nGreat work"\n';
    const crlf = lf.replace(/\n/g, "\r\n");
    const a = parseBonusFile(lf, { fileName: "b.csv" }).rows;
    const b = parseBonusFile(crlf, { fileName: "b.csv" }).rows;
    expect(b[0]?.Reason).toBe("Thanks!\nGreat work");
    expect(defaultBatchId(b)).toBe(defaultBatchId(a));
    expect(tokensFor(b, defaultBatchId(b))).toEqual(tokensFor(a, defaultBatchId(a)));
  });
});

describe("a changed input (--input-changed) never pays an assignment again", () => {
  it("--input-changed refuses a changed row on an assignment whose earlier send may have paid (outcome unknown)", async () => {
    const original = [
      { WorkerId: "AWORKER000001", AssignmentId: "3ASG00000001", BonusAmount: "1.00", Reason: "Thanks" },
    ];
    const rows = validateRows(original);
    const batchId = defaultBatchId(rows);
    await withSimulator({}, async (sim, client) => {
      const [token] = tokensFor(rows, simNamespace(sim)) as [string];
      // Killed mid-send: MTurk paid, the journal has the intent only.
      const r = rows[0]!;
      await client.sendBonus({
        WorkerId: r.WorkerId,
        AssignmentId: r.AssignmentId,
        BonusAmount: r.BonusAmount,
        Reason: r.Reason,
        UniqueRequestToken: token,
      });
      const journal = tmp.path("changed.jsonl");
      const at = new Date().toISOString();
      writeFileSync(
        journal,
        journalOf(
          header({ batchId, content: contentHash(rows), target: sim.url, namespace: simNamespace(sim), at }),
          intentFor(r, token, at),
        ),
      );
      const changed = [{ ...original[0]!, BonusAmount: "1.50" }];
      await expect(
        payBonuses(changed, { client, journal, target: sim.url, rate: 1000, acceptChangedInput: true, batchId }),
      ).rejects.toBeInstanceOf(InvalidRowsError);
      expect(sim.ledger.bonuses).toHaveLength(1);
    });
  });
});

describe("reconciliation with ListBonusPayments", () => {
  it("reconciling a row does not count the payment of an identical row still in flight as its own", async () => {
    const raw = [
      { WorkerId: "AWORKER000001", AssignmentId: "3ASG00000001", BonusAmount: "1.00", Reason: "Same" },
      { WorkerId: "AWORKER000001", AssignmentId: "3ASG00000001", BonusAmount: "1.00", Reason: "Same" },
    ];
    const rows = validateRows(raw, { allowDuplicates: true });
    const batchId = defaultBatchId(rows);
    const [tokenA] = tokensFor(rows, "target:fake") as [string, string];
    const t0 = Date.now() - 25 * HOUR;
    const journal = tmp.path("race.jsonl");
    const r = rows[0]!;
    // Row A was sent 25 h ago and never reached MTurk (intent, no outcome): it must be checked, then sent.
    const at = new Date(t0).toISOString();
    writeFileSync(
      journal,
      journalOf(
        header({ batchId, content: contentHash(rows), target: "fake", namespace: "target:fake", at }),
        intentFor(r, tokenA, at),
      ),
    );
    const ledger: (BonusPayment & { token: string })[] = [];
    let paidFirst!: () => void;
    const firstPaid = new Promise<void>((resolve) => (paidFirst = resolve));
    let listedOnce!: () => void;
    const listed = new Promise<void>((resolve) => (listedOnce = resolve));
    let n = 0;
    const client: BulkClient = {
      async sendBonus(input): Promise<SendBonusOutput> {
        const token = input.UniqueRequestToken as string;
        const $metadata = { attempts: 1, totalRetryDelay: 0, requestId: `req-${++n}` };
        if (ledger.some((p) => p.token === token))
          return { UniqueRequestToken: token, alreadyGranted: true, $metadata };
        ledger.push({
          WorkerId: input.WorkerId,
          AssignmentId: input.AssignmentId,
          BonusAmount: input.BonusAmount,
          Reason: input.Reason,
          GrantTime: new Date(),
          token,
        });
        paidFirst();
        // The answer arrives a little after the other worker's ListBonusPayments has seen the payment.
        await Promise.race([listed, sleep(2000)]);
        await sleep(50);
        return { UniqueRequestToken: token, alreadyGranted: false, $metadata };
      },
      async getAccountBalance() {
        return { AvailableBalance: "1000.00", $metadata: { attempts: 1, totalRetryDelay: 0 } };
      },
      async *paginateBonusPayments(input) {
        await Promise.race([firstPaid, sleep(2000)]);
        yield* ledger.filter((p) => p.AssignmentId === input.AssignmentId).map(({ token: _t, ...p }) => p);
        listedOnce();
      },
    };
    const result = await payBonuses(raw, {
      client,
      journal,
      target: "fake",
      allowDuplicates: true,
      checkBalance: false,
      concurrency: 2,
      rate: 1000,
    });
    const paid = result.rows.filter((row) => row.status === "paid");
    // Every row reported paid has its own payment.
    expect(ledger).toHaveLength(paid.length);
    expect(result.complete).toBe(true);
    expect(ledger).toHaveLength(2);
  });
});

describe("reconciliation with a skewed local clock", () => {
  it("finds a payment whose GrantTime (MTurk's clock) is 30 minutes before the journaled send (our clock)", async () => {
    const raw = [{ WorkerId: "AWORKER000001", AssignmentId: "3ASG00000001", BonusAmount: "1.00", Reason: "Thanks" }];
    const rows = validateRows(raw);
    const batchId = defaultBatchId(rows);
    const [token] = tokensFor(rows, "target:fake") as [string];
    const t0 = Date.now() - 25 * HOUR;
    const r = rows[0]!;
    const journal = tmp.path("skew.jsonl");
    const at = new Date(t0).toISOString();
    writeFileSync(
      journal,
      journalOf(
        header({ batchId, content: contentHash(rows), target: "fake", namespace: "target:fake", at }),
        intentFor(r, token, at),
      ),
    );
    const ledger: BonusPayment[] = [
      {
        WorkerId: r.WorkerId,
        AssignmentId: r.AssignmentId,
        BonusAmount: "1.00",
        Reason: r.Reason,
        GrantTime: new Date(t0 - 30 * 60 * 1000),
      },
    ];
    const client: BulkClient = {
      async sendBonus(input): Promise<SendBonusOutput> {
        ledger.push({
          WorkerId: input.WorkerId,
          AssignmentId: input.AssignmentId,
          BonusAmount: input.BonusAmount,
          Reason: input.Reason,
          GrantTime: new Date(),
        });
        return {
          UniqueRequestToken: input.UniqueRequestToken as string,
          alreadyGranted: false,
          $metadata: { attempts: 1, totalRetryDelay: 0 },
        };
      },
      async getAccountBalance() {
        return { AvailableBalance: "1000.00", $metadata: { attempts: 1, totalRetryDelay: 0 } };
      },
      async *paginateBonusPayments() {
        yield* ledger;
      },
    };
    const result = await payBonuses(raw, { client, journal, target: "fake", checkBalance: false, rate: 1000 });
    expect(result.rows[0]).toMatchObject({ status: "paid", via: "reconciled" });
    expect(ledger).toHaveLength(1);
  });
});

describe("the start-up balance check", () => {
  it("refuses to pay when the balance it must check is not a dollar amount", async () => {
    let sent = 0;
    const client: BulkClient = {
      async sendBonus(input): Promise<SendBonusOutput> {
        sent++;
        return {
          UniqueRequestToken: input.UniqueRequestToken as string,
          alreadyGranted: false,
          $metadata: { attempts: 1, totalRetryDelay: 0 },
        };
      },
      async getAccountBalance() {
        return { AvailableBalance: "lots", $metadata: { attempts: 1, totalRetryDelay: 0 } };
      },
      async *paginateBonusPayments() {},
    };
    const rows = validateRows([{ WorkerId: "A1", AssignmentId: "3X1", BonusAmount: "1.00", Reason: "r" }]);
    await expect(payBonuses(rows, { client, target: "sandbox" })).rejects.toMatchObject({
      name: "UnexpectedResponseError",
    });
    expect(sent).toBe(0);
  });
});
