/** `mturk-bonus pay`'s options for the bulk payer: --namespace, --rate off, and refusals before paying. */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../src/bulk/csv.js";
import { run as pay } from "../../src/cli/pay.js";
import { deriveToken } from "../../src/identity.js";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import { capture, useSimulatorCredentials } from "../cli/helpers.js";
import { csvOf, makeRows, tempDir } from "./helpers.js";

const tmp = tempDir();
let sim: Simulator;
let restore: () => void;
beforeAll(async () => {
  sim = await startSimulator({});
  restore = useSimulatorCredentials();
});
afterAll(async () => {
  restore();
  await sim.close();
  tmp.remove();
});

describe("pay --namespace, --rate off", () => {
  it("derives every token in the namespace given, and a journal refuses another namespace", async () => {
    const rows = makeRows(3);
    const file = tmp.path("ns.csv");
    writeFileSync(file, csvOf(rows));
    const report = tmp.path("ns.report.csv");
    const first = await capture(() =>
      pay([file, "--endpoint", sim.url, "--yes", "--rate", "off", "--namespace", "study-42", "--report", report]),
    );
    expect(first.code, first.err).toBe(0);
    const [header, ...records] = parseCsv(readFileSync(report, "utf8")).records;
    const col = (header?.fields ?? []).indexOf("UniqueRequestToken");
    const cents = (amount: string) => Math.round(Number(amount) * 100);
    expect(records.map((r) => r.fields[col])).toEqual(
      rows.map((r) =>
        deriveToken("study-42", {
          WorkerId: String(r.WorkerId),
          AssignmentId: String(r.AssignmentId),
          cents: cents(String(r.BonusAmount)),
          Reason: String(r.Reason),
        }),
      ),
    );
    const other = await capture(() => pay([file, "--endpoint", sim.url, "--yes", "--namespace", "study-43"]));
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/derives its tokens in namespace "study-42"/);
    expect(sim.ledger.bonuses).toHaveLength(3);
  });

  it("refuses a malformed namespace, rate, timeout or attempts before anything is sent", async () => {
    const file = tmp.path("bad.csv");
    writeFileSync(file, csvOf(makeRows(1)));
    for (const [flag, value] of [
      ["--namespace", "has space"],
      ["--rate", "fast"],
      ["--timeout", "0"],
      ["--max-attempts", "0"],
    ] as const) {
      const { code, err } = await capture(() => pay([file, "--endpoint", sim.url, "--yes", flag, value]));
      expect(code, flag).toBe(2);
      expect(err).toContain(flag);
    }
  });

  it("a paid file, then a sorted copy with one late participant under another name: only the late one is paid", async () => {
    const rows = makeRows(8).map((r) => ({
      ...r,
      WorkerId: `${String(r.WorkerId)}V`,
      AssignmentId: `${String(r.AssignmentId)}V`,
    }));
    const v1 = tmp.path("rows.csv");
    const v2 = tmp.path("rows-v2.csv");
    writeFileSync(v1, csvOf(rows));
    writeFileSync(
      v2,
      csvOf(
        [...rows]
          .reverse()
          .concat([{ WorkerId: "ALATEV", AssignmentId: "3LATEV", BonusAmount: "1.25", Reason: "Late" }]),
      ),
    );
    const before = sim.ledger.bonuses.length;
    expect((await capture(() => pay([v1, "--endpoint", sim.url, "--yes", "--rate", "off"]))).code).toBe(0);
    const second = await capture(() => pay([v2, "--endpoint", sim.url, "--yes", "--rate", "off"]));
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/Done: 9 of 9 bonuses paid/);
    expect(sim.ledger.bonuses.length - before).toBe(9);
  });
});
