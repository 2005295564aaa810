/**
 * Reports never lie: a report is written whole or the write fails (and no
 * temporary file is left); a paid row whose outcome could not be journaled
 * is reported as such, never as not attempted; formula-like cells are
 * neutralised; files are created readable by their owner only.
 */
import { chmodSync, existsSync, readdirSync, statSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { makeRows, tempDir, withSimulator } from "./helpers.js";

const disk = vi.hoisted(() => ({
  failWhen: undefined as ((text: string) => "short" | "enospc" | undefined) | undefined,
  failRename: false,
}));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((fd: number, buffer: Uint8Array | string, offset?: number, length?: number) => {
    if (typeof buffer === "string" || disk.failWhen === undefined)
      return (fs.writeSync as (...a: unknown[]) => number)(fd, buffer, offset, length);
    const text = Buffer.from(buffer).toString("utf8", offset, (offset ?? 0) + (length ?? buffer.length));
    const how = disk.failWhen(text);
    if (how === "short") return fs.writeSync(fd, buffer, offset, Math.min(length ?? 0, 3)) && 0; // wrote a little, then no progress
    if (how === "enospc") throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    return fs.writeSync(fd, buffer, offset, length);
  }) as typeof fs.writeSync;
  const renameSync = ((from: string, to: string) => {
    if (disk.failRename)
      throw Object.assign(new Error("EXDEV: cross-device link not permitted, rename"), { code: "EXDEV" });
    return fs.renameSync(from, to);
  }) as typeof fs.renameSync;
  return { ...fs, default: { ...fs, writeSync, renameSync }, writeSync, renameSync };
});

const { payBonuses } = await import("../../src/bulk/pay.js");
const { describeResult, reportCsv, writeReport } = await import("../../src/bulk/report.js");
const { readJournal } = await import("../../src/bulk/journal.js");

const tmp = tempDir();
afterAll(() => tmp.remove());

describe("report files", () => {
  it("a short write or a full disk fails the report write and leaves neither half a report nor a temporary file", async () => {
    await withSimulator({}, async (sim, client) => {
      const result = await payBonuses(makeRows(300), { client, target: sim.url, rate: Number.POSITIVE_INFINITY });
      for (const how of ["short", "enospc"] as const) {
        const path = tmp.path(`full-${how}.csv`);
        disk.failWhen = (text) => (text.startsWith("line,WorkerId") ? how : undefined);
        expect(() => writeReport(path, result)).toThrow(/ENOSPC/);
        disk.failWhen = undefined;
        expect(existsSync(path)).toBe(false);
      }
      disk.failRename = true;
      expect(() => writeReport(tmp.path("rename.csv"), result)).toThrow(/EXDEV/);
      disk.failRename = false;
      expect(readdirSync(tmp.dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    });
  });

  it("journal, lock and report are created 0600 under umask 022", async () => {
    const old = process.umask(0o022);
    try {
      await withSimulator({}, async (sim, client) => {
        const journal = tmp.path("modes.jsonl");
        let lockMode = 0;
        const result = await payBonuses(makeRows(2), {
          client,
          journal,
          target: sim.url,
          rate: Number.POSITIVE_INFINITY,
          onResult: () => {
            const lock = readdirSync(tmp.dir).find((n) => /^modes\.jsonl\.lock\.\d+$/.test(n));
            if (lock !== undefined) lockMode = statSync(tmp.path(lock)).mode & 0o777;
          },
        });
        writeReport(tmp.path("modes.csv"), result);
        expect(statSync(journal).mode & 0o777, "journal mode").toBe(0o600);
        expect(lockMode, "lock mode").toBe(0o600);
        expect(statSync(tmp.path("modes.csv")).mode & 0o777, "report mode").toBe(0o600);
        // A journal an older version left world-readable is made owner-only when it is opened again.
        chmodSync(journal, 0o644);
        await payBonuses(makeRows(2), { client, journal, target: sim.url, rate: Number.POSITIVE_INFINITY });
        expect(statSync(journal).mode & 0o777).toBe(0o600);
      });
    } finally {
      process.umask(old);
    }
  });
});

describe("a journal that cannot be written", () => {
  it("a paid row whose outcome could not be journaled is reported paid, outcome not journaled; nothing is sent once the failure is known", async () => {
    await withSimulator({}, async (sim, client) => {
      const journal = tmp.path("enospc.jsonl");
      // The disk fills up when the first outcome is written.
      let full = false;
      disk.failWhen = (text) => {
        if (text.includes('"t":"outcome"')) full = true;
        return full ? "enospc" : undefined;
      };
      const result = await payBonuses(makeRows(20), {
        client,
        journal,
        target: sim.url,
        rate: Number.POSITIVE_INFINITY,
        concurrency: 1,
      });
      disk.failWhen = undefined;
      expect(result.stoppedBy).toBe("journal-error");
      expect(result.rows[0]).toMatchObject({ status: "paid", via: "sent", outcomeJournaled: false });
      // Outcomes are group-committed, so the failed write is noticed when its group is written: rows whose intents
      // were already on disk (at most the rows in progress, four per call slot) may be sent before then. Each is
      // reported paid with its outcome not journaled, and the resume below settles it with its token.
      const paid = result.rows.filter((r) => r.status === "paid");
      expect(sim.ledger.bonuses, "payments made").toHaveLength(paid.length);
      expect(paid.length, "rows sent after the disk filled").toBeLessThanOrEqual(4);
      expect(paid.every((r) => r.outcomeJournaled === false)).toBe(true);
      expect(result.rows.filter((r) => r.status !== "paid").every((r) => r.status === "pending")).toBe(true);
      expect(describeResult(result)).toMatch(/line 1: .*paid, outcome not journaled/);
      expect(reportCsv(result).split("\r\n")[1]).toMatch(/,paid,sent,.*,false$/);
      // The journal shows the send as in flight: resuming settles it with the same token, never twice.
      expect((readJournal(journal)?.entries ?? []).filter((e) => e.t === "outcome")).toHaveLength(0);
      const resumed = await payBonuses(makeRows(20), {
        client,
        journal,
        target: sim.url,
        rate: Number.POSITIVE_INFINITY,
      });
      expect(resumed.complete).toBe(true);
      expect(resumed.rows[0]?.via).toBe("duplicate-token");
      expect(sim.ledger.bonuses).toHaveLength(20);
    });
  });
});

describe("CSV injection", () => {
  it("neutralises cells a spreadsheet would run as formulas, server error messages included", async () => {
    const rows = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rCR", "Plain"].map((Reason, i) => ({
      WorkerId: `AWORKER00000${i}`,
      AssignmentId: `3ASG0000000${i}`,
      BonusAmount: "1.00",
      Reason,
    }));
    await withSimulator({ assignments: { "3ASG00000006": "AOTHER" } }, async (sim, client) => {
      const result = await payBonuses(rows, { client, target: sim.url, rate: Number.POSITIVE_INFINITY });
      const failed = result.rows[6];
      expect(failed?.status).toBe("failed");
      const withError = {
        ...result,
        rows: result.rows.map((r, i) =>
          i === 6 ? { ...r, error: { name: "RequestError", message: "=cmd|' /C calc'!A0", outcomeUnknown: false } } : r,
        ),
      };
      const csv = reportCsv(withError);
      for (const reason of [
        '"\'=HYPERLINK(""http://x"")"',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tTab",
        '"\'\rCR"',
        "'=cmd|' /C calc'!A0",
      ])
        expect(csv).toContain(reason);
    });
  });
});
