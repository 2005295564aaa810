import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { payBonuses, type PayoutProgress } from "../../src/bulk/pay.js";
import { credentialsFromProfile, parseIni } from "../../src/bulk/profile.js";
import { formatProgress, ProgressDisplay } from "../../src/bulk/progress.js";
import { describeResult, reportCsv, reportFormat, reportJson } from "../../src/bulk/report.js";
import { expectLedgerMatches, makeRows, tempDir, withSimulator } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

const progress: PayoutProgress = { total: 990, paid: 512, failed: 3, remaining: 475, inFlight: 4, ratePerSecond: 4.94, rateLimit: 5, maxRate: 5, paidCents: 61250, elapsedMs: 100_000 };

describe("progress", () => {
  it("formats done, failed, remaining, rate and money", () => {
    expect(formatProgress(progress)).toBe("52% · paid 512/990 · failed 3 · remaining 475 · 4.9/s · ETA 1m36s · $612.50 paid");
    expect(formatProgress({ ...progress, rateLimit: 2.5 })).toContain("throttled: limit 2.5/s");
  });

  it("redraws one line in place on a terminal, and writes plain lines otherwise", () => {
    vi.useFakeTimers();
    try {
      let tty = "";
      const live = new ProgressDisplay({ isTTY: true, write: (t: string) => (tty += t) }, { liveIntervalMs: 100 });
      live.update(progress);
      live.start();
      vi.advanceTimersByTime(250);
      live.stop();
      expect(tty).toBe(`\r\x1b[K${formatProgress(progress)}\r\x1b[K${formatProgress(progress)}\r\x1b[K`);
      let log = "";
      const plain = new ProgressDisplay({ write: (t: string) => (log += t) }, { intervalMs: 1000 });
      plain.update(progress);
      plain.start();
      vi.advanceTimersByTime(2500);
      plain.stop();
      expect(log).toBe(`${formatProgress(progress)}\n`.repeat(2));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("profile", () => {
  it("parses the shared credentials file, comments and all", () => {
    const sections = parseIni("# comment\n[default]\naws_access_key_id = AKIA1 ; note\naws_secret_access_key=s1\n\n[study]\r\nAWS_ACCESS_KEY_ID = AKIA2\r\naws_secret_access_key = s2\r\naws_session_token = t2\r\n");
    expect(Object.fromEntries(sections.get("default") ?? [])).toEqual({ aws_access_key_id: "AKIA1", aws_secret_access_key: "s1" });
    expect(sections.get("study")?.get("aws_session_token")).toBe("t2");
  });

  it("reads a profile from the credentials file, then the config file, and says where it looked", () => {
    const credentials = tmp.path("credentials");
    const config = tmp.path("config");
    writeFileSync(credentials, "[a]\naws_access_key_id = K1\naws_secret_access_key = S1\n");
    writeFileSync(config, "[profile b]\naws_access_key_id = K2\naws_secret_access_key = S2\nregion = us-east-1\n");
    const env = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config };
    expect(credentialsFromProfile("a", env)).toEqual({ accessKeyId: "K1", secretAccessKey: "S1" });
    expect(credentialsFromProfile("b", env)).toEqual({ accessKeyId: "K2", secretAccessKey: "S2" });
    expect(() => credentialsFromProfile("c", env)).toThrow(/profile "c" was not found in .*credentials or .*config \(profiles there: a, b\)/);
  });
});

describe("report", () => {
  it("writes CSV or JSON with each row's outcome, request id, token and attempts, and a summary", async () => {
    const rows = [...makeRows(3), { WorkerId: "AZERO", AssignmentId: "3ZERO", BonusAmount: "0", Reason: "none" }];
    await withSimulator({}, async (sim, client) => {
      const result = await payBonuses(rows, { client, target: sim.url, rate: 1000 });
      const csv = reportCsv(result).split("\r\n");
      expect(csv[0]).toBe("line,WorkerId,AssignmentId,BonusAmount,Reason,status,via,earlierRun,UniqueRequestToken,requestId,sends,httpAttempts,error,errorMessage,outcomeUnknown,outcomeJournaled");
      expect(csv[1]).toMatch(/^1,AWORKER000000,3ASG00000000,0\.01,"Thanks, ""participant"" 0",paid,sent,,mtb2-[\w-]{43},[0-9a-f-]{36},1,1,,,,$/);
      expect(csv[4]).toBe("4,AZERO,3ZERO,0.00,none,skipped,,,,,0,0,,,,");
      const json = JSON.parse(reportJson(result)) as { complete: boolean; counts: { paid: number; skipped: number }; rows: unknown[] };
      expect(json).toMatchObject({ complete: true, counts: { paid: 3, skipped: 1 } });
      expect(json.rows).toHaveLength(4);
      expect(reportFormat("r.JSON")).toBe("json");
      expect(reportFormat("r.csv")).toBe("csv");
      expect(describeResult(result)).toMatch(/^Done: 3 of 3 bonuses paid \(\$[\d.]+ \+ \$[\d.]+ fees = \$[\d.]+\)\n  3 paid now .*, 1 skipped \(\$0\), 0 failed\n$/);
    });
  });
});

describe("throttling", () => {
  it("slows down when MTurk throttles, and still pays every row once", async () => {
    const rows = makeRows(60);
    await withSimulator({ faults: [{ kind: "throttle", probability: 0.5, operation: "SendBonus" }], seed: 3 }, async (sim, client) => {
      let lowest = Number.POSITIVE_INFINITY;
      const result = await payBonuses(rows, {
        client,
        target: sim.url,
        rate: 200,
        concurrency: 8,
        retryDelayMs: 1,
        maxSendsPerRow: 20,
        onProgress: (p) => (lowest = Math.min(lowest, p.rateLimit)),
      });
      expect(result.complete).toBe(true);
      expect(lowest).toBeLessThan(200);
      expectLedgerMatches(sim.ledger.bonuses, result);
    });
  }, 30_000);

  it("slows down on a throttled attempt that the client's own retry then pays", async () => {
    const rows = makeRows(3).filter((row) => row.BonusAmount !== "0");
    await withSimulator({ faults: [{ kind: "throttle", count: 1, operation: "SendBonus" }] }, async (sim, client) => {
      let lowest = Number.POSITIVE_INFINITY;
      const result = await payBonuses(rows, { client, target: sim.url, rate: 200, concurrency: 1, onProgress: (p) => (lowest = Math.min(lowest, p.rateLimit)) });
      // One row (whichever sent first) needed a second attempt; the others one.
      expect(result.rows.map((r) => [r.status, r.httpAttempts]).sort()).toEqual(rows.map((_, i) => ["paid", i === rows.length - 1 ? 2 : 1]));
      expect(lowest).toBeLessThan(200);
      expectLedgerMatches(sim.ledger.bonuses, result);
    });
  });
});
