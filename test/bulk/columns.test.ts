import { describe, expect, it } from "vitest";
import { parseColumnMap } from "../../src/bulk/columns.js";
import { InvalidRowsError, parseBonusFile, validateRows, type ParseOptions } from "../../src/bulk/rows.js";
import { ValidationError } from "../../src/errors.js";

function problemsOf(text: string, options: ParseOptions = {}): { line: number; field: string; message: string }[] {
  try {
    parseBonusFile(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRowsError);
    return [...(error as InvalidRowsError).problems];
  }
  throw new Error("expected the input to be refused");
}

// Column names as in psiTurk's participants table, Dallinger's participant table and oTree's participant export.
const PSITURK =
  "uniqueid,assignmentid,workerid,hitid,bonus,status\nA1AAA:3X1,3X1,A1AAA,3H1,1.5,4\nA2BBB:3X2,3X2,A2BBB,3H1,0.25,4\n";
const DALLINGER =
  "id,worker_id,assignment_id,unique_id,hit_id,base_pay,bonus,status\n1,A1AAA,3X1,A1AAA:3X1,3H1,1.0,1.5,approved\n";
const OTREE =
  "participant.code,participant.mturk_worker_id,participant.mturk_assignment_id,participant.payoff\nab12,A1AAA,3X1,1.50\n";

describe("--columns", () => {
  it("parses FIELD=COLUMN lists, field names in any case, and refuses what it cannot read", () => {
    expect(parseColumnMap("WorkerId=workerid, assignmentid=assignmentid,BonusAmount=bonus ,")).toEqual({
      WorkerId: "workerid",
      AssignmentId: "assignmentid",
      BonusAmount: "bonus",
    });
    expect(() => parseColumnMap("Worker=workerid")).toThrow(ValidationError);
    expect(() => parseColumnMap("WorkerId")).toThrow(/FIELD=COLUMN/);
    expect(() => parseColumnMap("WorkerId=a,workerid=b")).toThrow(/maps WorkerId twice/);
    expect(() => parseBonusFile(PSITURK, { columns: { Worker: "x" } as never })).toThrow(/the keys are WorkerId/);
  });

  it("reads a psiTurk export with its column names mapped, and a default Reason", () => {
    const parsed = parseBonusFile(PSITURK, {
      columns: parseColumnMap("WorkerId=workerid,AssignmentId=assignmentid,BonusAmount=bonus"),
      defaults: { Reason: "Thanks for taking part" },
    });
    expect(parsed.rows.map((r) => [r.WorkerId, r.AssignmentId, r.BonusAmount, r.Reason])).toEqual([
      ["A1AAA", "3X1", "1.50", "Thanks for taking part"],
      ["A2BBB", "3X2", "0.25", "Thanks for taking part"],
    ]);
    expect(parsed.columns).toEqual({ WorkerId: "workerid", AssignmentId: "assignmentid", BonusAmount: "bonus" });
    expect(parsed.ignoredFields).toEqual(["uniqueid", "hitid", "status"]);
  });

  it("matches worker_id and assignment_id by themselves, but never reads a column called bonus as dollars unasked", () => {
    const problems = problemsOf(DALLINGER, { defaults: { Reason: "r" } });
    expect(problems).toEqual([
      { line: 1, field: "header", message: expect.stringContaining("column BonusAmount is missing") },
    ]);
    expect(problems[0]?.message).toContain(
      'the header line reads "id,worker_id,assignment_id,unique_id,hit_id,base_pay,bonus,status" (8 columns separated by ",")',
    );
    expect(problems[0]?.message).toContain(
      "--columns BonusAmount=bonus if that column holds US dollars, or give every row the same amount with --amount DOLLARS",
    );
    const parsed = parseBonusFile(DALLINGER, { columns: { BonusAmount: "bonus" }, defaults: { Reason: "r" } });
    expect(parsed.rows[0]).toMatchObject({ WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1.50" });
    expect(parsed.columns).toMatchObject({
      WorkerId: "worker_id",
      AssignmentId: "assignment_id",
      BonusAmount: "bonus",
    });
  });

  it("reads an oTree export whose names carry a prefix once they are mapped", () => {
    const columns = parseColumnMap(
      "WorkerId=participant.mturk_worker_id,AssignmentId=participant.mturk_assignment_id,BonusAmount=participant.payoff",
    );
    expect(parseBonusFile(OTREE, { columns, defaults: { Reason: "Your payoff" } }).rows[0]).toMatchObject({
      WorkerId: "A1AAA",
      BonusAmount: "1.50",
      Reason: "Your payoff",
    });
    const missing = problemsOf(OTREE, { defaults: { Reason: "r" } }).map((p) => p.message);
    expect(missing).toEqual([
      expect.stringContaining("--columns WorkerId=participant.mturk_worker_id"),
      expect.stringContaining("--columns AssignmentId=participant.mturk_assignment_id"),
      expect.stringContaining("--columns BonusAmount=participant.payoff if that column holds US dollars"),
    ]);
  });

  it("refuses a mapped column the header lacks, two columns for one field, and lets a mapping win over a same-named column", () => {
    expect(
      problemsOf(PSITURK, {
        columns: { WorkerId: "worker", AssignmentId: "assignmentid", BonusAmount: "bonus" },
        defaults: { Reason: "r" },
      }),
    ).toEqual([
      {
        line: 1,
        field: "header",
        message: expect.stringContaining('--columns WorkerId=worker: the header has no column "worker"'),
      },
    ]);
    expect(problemsOf("WorkerId,worker_id,AssignmentId,BonusAmount,Reason\nA1AAA,A1AAA,3X1,1,r\n")).toEqual([
      {
        line: 1,
        field: "header",
        message: expect.stringContaining('column WorkerId appears twice (columns 1 "WorkerId" and 2 "worker_id")'),
      },
    ]);
    const parsed = parseBonusFile("WorkerId,AssignmentId,BonusAmount,final,Reason\nA1AAA,3X1,9.99,1.25,r\n", {
      columns: { BonusAmount: "final" },
    });
    expect(parsed.rows[0]?.BonusAmount).toBe("1.25");
    expect(parsed.ignoredFields).toEqual(["BonusAmount"]);
  });

  it("maps JSON Lines keys the same way", () => {
    const parsed = parseBonusFile('{"workerid":"A1AAA","assignmentid":"3X1","bonus":"2","note":"n"}\n', {
      columns: { BonusAmount: "bonus" },
      defaults: { Reason: "r" },
    });
    expect(parsed.rows[0]).toMatchObject({ WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "2.00", Reason: "r" });
    expect(parsed.ignoredFields).toEqual(["note"]);
  });
});

describe("--amount and --reason defaults", () => {
  const IDS = "workerid,assignmentid\nA1AAA,3X1\nA2BBB,3X2\n";

  it("give every row of a file without the column the same amount and reason, checked as money", () => {
    const { rows } = parseBonusFile(IDS, { defaults: { BonusAmount: "0.5", Reason: "Thank you" } });
    expect(rows.map((r) => [r.BonusAmount, r.cents, r.Reason])).toEqual([
      ["0.50", 50, "Thank you"],
      ["0.50", 50, "Thank you"],
    ]);
    for (const bad of ["-1", "1.505", "$1", "0", "1,50", ""])
      expect(() => parseBonusFile(IDS, { defaults: { BonusAmount: bad, Reason: "r" } })).toThrow(ValidationError);
    expect(() => parseBonusFile(IDS, { defaults: { BonusAmount: "1", Reason: "x".repeat(4097) } })).toThrow(
      /has 4097 characters/,
    );
  });

  it("are refused, not applied, when the file has the column: the file's value and the flag would contradict", () => {
    expect(
      problemsOf("WorkerId,AssignmentId,BonusAmount,Reason\nA1AAA,3X1,,r\n", { defaults: { BonusAmount: "1.00" } }),
    ).toEqual([
      {
        line: 1,
        field: "header",
        message: expect.stringContaining(
          '--amount is for files without a BonusAmount column, and this one has it (column "BonusAmount")',
        ),
      },
    ]);
    expect(
      problemsOf(
        '{"WorkerId":"A1AAA","AssignmentId":"3X1","Reason":"r"}\n{"WorkerId":"A2BBB","AssignmentId":"3X2","Reason":"r","BonusAmount":"3"}\n',
        { defaults: { BonusAmount: "1" } },
      ),
    ).toEqual([
      { line: 2, field: "BonusAmount", message: expect.stringContaining("given here and by default (--amount)") },
    ]);
    expect(() =>
      validateRows([{ WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "1", Reason: "r" }], {
        defaults: { Reason: "other" },
      }),
    ).toThrow(/Reason is given here and by default/);
  });
});
