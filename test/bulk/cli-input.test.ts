/** `mturk-bonus pay` reading researchers' files: --columns, --amount, --reason, --delimiter, --encoding, and what it says. */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run as pay, HELP } from "../../src/cli/pay.js";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import { capture, useSimulatorCredentials } from "../cli/helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
let sim: Simulator;
let restore: () => void;

beforeAll(async () => {
  restore = useSimulatorCredentials();
  sim = await startSimulator({});
});
afterAll(async () => {
  restore();
  await sim.close();
  tmp.remove();
});
beforeEach(() => {
  sim.control({ reset: true });
});

function file(name: string, content: string | Uint8Array): string {
  const path = tmp.path(name);
  writeFileSync(path, content);
  return path;
}

describe("pay: researchers' files", () => {
  it("documents every input option", () => {
    for (const flag of [
      "--columns",
      "--amount",
      "--reason",
      "--delimiter",
      "--encoding",
      "WorkerId=workerid,AssignmentId=assignmentid,BonusAmount=bonus",
    ])
      expect(HELP).toContain(flag);
  });

  it("pays a psiTurk export with --columns and --reason, and says how it read it", async () => {
    const path = file(
      "psiturk.csv",
      "uniqueid,assignmentid,workerid,hitid,bonus\r\nA1AAA:3X1,3X1,A1AAA,3H1,1.5\r\n,,,,\r\nA2BBB:3X2,3X2,A2BBB,3H1,0.25\r\n",
    );
    const args = [
      path,
      "--endpoint",
      sim.url,
      "--yes",
      "--rate",
      "100",
      "--columns",
      "WorkerId=workerid,AssignmentId=assignmentid,BonusAmount=bonus",
      "--reason",
      "Thanks for taking part",
    ];
    const { code, out, err } = await capture(() => pay(args));
    expect(code, err).toBe(0);
    expect(out).toMatch(/Done: 2 of 2 bonuses paid/);
    expect(err).toContain("note: skipped 1 blank row(s)");
    expect(err).toContain(
      'note: read WorkerId from column "workerid", AssignmentId from column "assignmentid", BonusAmount from column "bonus"',
    );
    expect(err).toContain("note: ignoring column(s) uniqueid, hitid");
    expect(sim.ledger.bonuses.map((b) => [b.WorkerId, b.BonusAmount, b.Reason]).sort()).toEqual([
      ["A1AAA", "1.50", "Thanks for taking part"],
      ["A2BBB", "0.25", "Thanks for taking part"],
    ]);
  });

  it("pays a flat --amount to a semicolon-separated file of IDs", async () => {
    const path = file("ids.csv", "WorkerId;AssignmentId\r\nA1AAA;3X1\r\nA2BBB;3X2\r\n");
    const { code, err } = await capture(() =>
      pay([path, "--endpoint", sim.url, "--yes", "--rate", "100", "--amount", "0.75", "--reason", "Merci"]),
    );
    expect(code, err).toBe(0);
    expect(err).toContain('note: fields separated by ";"');
    expect(sim.ledger.bonuses.map((b) => b.BonusAmount)).toEqual(["0.75", "0.75"]);
  });

  it("refuses a Windows-1252 file with its line and the way out, and pays it with --encoding windows-1252", async () => {
    const path = file(
      "excel.csv",
      Buffer.from("WorkerId,AssignmentId,BonusAmount,Reason\r\nA1AAA,3X1,1.00,Très bien\r\n", "latin1"),
    );
    const refused = await capture(() => pay([path, "--endpoint", sim.url, "--yes"]));
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${path}:2: the file is not valid UTF-8`);
    expect(refused.err).toContain("--encoding windows-1252");
    expect(sim.ledger.bonuses).toHaveLength(0);
    const paid = await capture(() => pay([path, "--endpoint", sim.url, "--yes", "--encoding", "windows-1252"]));
    expect(paid.code, paid.err).toBe(0);
    expect(sim.ledger.bonuses.map((b) => b.Reason)).toEqual(["Très bien"]);
  });

  it("prints one problem for a binary file and at most 20 for a file of bad rows", async () => {
    const binary = file(
      "image.csv",
      Uint8Array.from({ length: 100_000 }, (_, i) => (i * 131) % 256),
    );
    const one = await capture(() => pay([binary, "--endpoint", sim.url, "--dry-run"]));
    expect(one.code).toBe(2);
    expect(one.err.trim().split("\n")).toHaveLength(2);
    const bad = file("bad.csv", `WorkerId,AssignmentId,BonusAmount,Reason\n${"a1,3X1,1,r\n".repeat(500)}`);
    const many = await capture(() => pay([bad, "--endpoint", sim.url, "--dry-run"]));
    expect(many.code).toBe(2);
    const lines = many.err.trim().split("\n");
    expect(lines).toHaveLength(22);
    expect(lines.at(-1)).toBe("  … and 480 more problem(s) on 480 more line(s)");
  });

  it("refuses bad input options before reading anything, with exit 2", async () => {
    const path = file("ok.csv", "WorkerId,AssignmentId,BonusAmount,Reason\nA1AAA,3X1,1,r\n");
    const cases: [string[], RegExp][] = [
      [["--delimiter", "|"], /--delimiter "\|" must be/],
      [["--encoding", "ebcdic"], /--encoding "ebcdic" is not supported/],
      [["--columns", "Worker=workerid"], /--columns has "Worker=workerid"/],
      [["--amount", "1.505"], /--amount\) "1.505" is not a dollar amount/],
      [["--amount", "2"], /--amount is for files without a BonusAmount column/],
    ];
    for (const [extra, message] of cases) {
      const { code, err } = await capture(() => pay([path, "--endpoint", sim.url, "--dry-run", ...extra]));
      expect(code, extra.join(" ")).toBe(2);
      expect(err).toMatch(message);
    }
    expect(sim.ledger.bonuses).toHaveLength(0);
  });
});
