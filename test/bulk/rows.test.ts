import { describe, expect, it } from "vitest";
import { InvalidRowsError, MAX_LISTED_PROBLEMS, parseBonusFile, validateRows } from "../../src/bulk/rows.js";
import { REASON_MAX_LENGTH, validateSendBonus } from "../../src/validate.js";

const HEADER = "WorkerId,AssignmentId,BonusAmount,Reason,UniqueRequestToken\n";

function problemsOf(
  text: string,
  options: Parameters<typeof parseBonusFile>[1] = {},
): { line: number; field: string; message: string }[] {
  try {
    parseBonusFile(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRowsError);
    return [...(error as InvalidRowsError).problems];
  }
  throw new Error("expected the input to be refused");
}

describe("parseBonusFile", () => {
  it("reads CSV with quoting, CRLF and a BOM into rows with canonical amounts, cents and lines", () => {
    const text =
      '\uFEFFWorkerId,AssignmentId,BonusAmount,Reason\r\nA1AAA,3ASSIGN1,1.5,"Thanks, ""great"" work"\r\nA2BBB,3ASSIGN2,0.00,nothing earned\r\nA3CCC,3ASSIGN3,2,"two\r\nlines"\r\n';
    const { rows, format } = parseBonusFile(text, { fileName: "b.csv" });
    expect(format).toBe("csv");
    expect(rows).toEqual([
      {
        line: 2,
        WorkerId: "A1AAA",
        AssignmentId: "3ASSIGN1",
        BonusAmount: "1.50",
        cents: 150,
        Reason: 'Thanks, "great" work',
      },
      { line: 3, WorkerId: "A2BBB", AssignmentId: "3ASSIGN2", BonusAmount: "0.00", cents: 0, Reason: "nothing earned" },
      { line: 4, WorkerId: "A3CCC", AssignmentId: "3ASSIGN3", BonusAmount: "2.00", cents: 200, Reason: "two\nlines" }, // a line break in a field reads as LF, whatever the file's line ends
    ]);
  });

  it("reads JSON Lines, header names and keys in any case, and lists ignored columns", () => {
    const text =
      '{"workerid":"A1AAA","AssignmentId":"3X1","BonusAmount":"0.25","Reason":"r","Note":"x"}\n\n{"WorkerId":"A2BBB","AssignmentId":"3X2","BonusAmount":"1","Reason":"r","UniqueRequestToken":"tok-2"}\n';
    const { rows, format, ignoredFields } = parseBonusFile(text);
    expect(format).toBe("jsonl");
    expect(ignoredFields).toEqual(["Note"]);
    expect(rows.map((r) => [r.line, r.WorkerId, r.cents, r.UniqueRequestToken])).toEqual([
      [1, "A1AAA", 25, undefined],
      [3, "A2BBB", 100, "tok-2"],
    ]);
  });

  it("refuses the whole file and names every bad row by line and field", () => {
    const text =
      HEADER +
      "A1AAA,3X1,1.00,ok,\n" + // line 2: fine
      "a1bad,3X2,1.505,ok,\n" + // line 3: WorkerId and BonusAmount
      "A3CCC,,$1,,\n" + // line 4: AssignmentId, BonusAmount, Reason
      "A4DDD,3x4,-1,ok,\n" + // line 5: AssignmentId, BonusAmount
      `A5EEE,3X5,1,ok,${"t".repeat(65)}\n` + // line 6: token too long
      "A6FFF,3X6,1e2,ok,\n" + // line 7: BonusAmount
      'A7GGG,3X7,1,"unclosed,\n';
    const problems = problemsOf(text);
    const byLine = (line: number) =>
      problems
        .filter((p) => p.line === line)
        .map((p) => p.field)
        .sort();
    expect(byLine(2)).toEqual([]);
    expect(byLine(3)).toEqual(["BonusAmount", "WorkerId"]);
    expect(byLine(4)).toEqual(["AssignmentId", "BonusAmount", "Reason"]);
    expect(byLine(5)).toEqual(["AssignmentId", "BonusAmount"]);
    expect(byLine(6)).toEqual(["UniqueRequestToken"]);
    expect(byLine(7)).toEqual(["BonusAmount"]);
    expect(byLine(8)).toEqual(["row"]);
    expect(problems.find((p) => p.line === 3 && p.field === "BonusAmount")?.message).toMatch(
      /"1.505" is not a dollar amount/,
    );
  });

  it("refuses a missing column, a duplicate column, too many fields and an empty file", () => {
    expect(problemsOf("WorkerId,AssignmentId,Reason\nA1,3X,r\n")).toEqual([
      { line: 1, field: "header", message: expect.stringContaining("column BonusAmount is missing") },
    ]);
    expect(problemsOf("WorkerId,workerid,AssignmentId,BonusAmount,Reason\n")[0]?.message).toMatch(/appears twice/);
    expect(problemsOf(`${HEADER}A1AAA,3X1,1.00,ok,,extra\n`)).toEqual([
      { line: 2, field: "row", message: expect.stringContaining("has 6 fields") },
    ]);
    expect(problemsOf("")[0]?.field).toBe("file");
    expect(problemsOf(HEADER)[0]?.message).toMatch(/no bonus rows/);
  });

  it("refuses bad JSON lines and non-string amounts", () => {
    const problems = problemsOf(
      '{"WorkerId":"A1AAA","AssignmentId":"3X1","BonusAmount":1.5,"Reason":"r"}\nnot json\n[1]\n',
      { format: "jsonl" },
    );
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [1, "BonusAmount"],
      [2, "row"],
      [3, "row"],
    ]);
    expect(problems[0]?.message).toMatch(/numbers cannot hold cents/);
  });

  it("refuses duplicate (WorkerId, AssignmentId) pairs unless allowed, and duplicate tokens always", () => {
    const text = `${HEADER}A1AAA,3X1,1.00,first,\nA1AAA,3X1,2.00,second,\nA2BBB,3X2,0,zero rows do not count,\nA2BBB,3X2,1,ok,\n`;
    expect(problemsOf(text)).toEqual([
      { line: 3, field: "AssignmentId", message: expect.stringMatching(/also on line 2.*--allow-duplicates/) },
    ]);
    expect(parseBonusFile(text, { allowDuplicates: true }).rows).toHaveLength(4);
    // Found even when the first of the two has problems of its own, so one pass lists everything.
    expect(
      problemsOf(`${HEADER}A1AAA,3X1,1.505,first,\nA1AAA,3X1,2.00,second,\n`).map((p) => [p.line, p.field]),
    ).toEqual([
      [2, "BonusAmount"],
      [3, "AssignmentId"],
    ]);
    expect(problemsOf(`${HEADER}A1AAA,3X1,1,a,tok\nA2BBB,3X2,1,b,tok\n`, { allowDuplicates: true })).toEqual([
      { line: 3, field: "UniqueRequestToken", message: expect.stringContaining("also on line 2") },
    ]);
  });
});

describe("validateRows", () => {
  it("checks rows given in code, numbering them by position", () => {
    expect(validateRows([{ WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "3", Reason: "r" }])[0]).toMatchObject({
      line: 1,
      cents: 300,
      BonusAmount: "3.00",
    });
    expect(() =>
      validateRows([{ WorkerId: "A1AAA", AssignmentId: "3X1", BonusAmount: "3", Reason: "r" }, { WorkerId: "bad" }]),
    ).toThrow(/line 2: WorkerId/);
  });
});

describe("bounds and blank rows", () => {
  it("skips Excel's blank rows (,,, and empty lines) and counts them, wherever they are", () => {
    const text = `\r\n${HEADER},,,,\r\nA1AAA,3X1,1.00,ok,\r\n\r\n , ,,,\r\nA2BBB,3X2,2.00,ok,\r\n,,,,\r\n`;
    const parsed = parseBonusFile(text, { fileName: "b.csv" });
    expect(parsed.rows.map((r) => r.line)).toEqual([4, 7]);
    expect(parsed.blankRows).toBe(5);
    expect(
      parseBonusFile('{"WorkerId":"A1AAA","AssignmentId":"3X1","BonusAmount":"1","Reason":"r"}\n\n  \n').blankRows,
    ).toBe(2);
    expect(problemsOf(`${HEADER},,,,\r\n`)).toEqual([
      { line: 1, field: "file", message: expect.stringContaining("no bonus rows") },
    ]);
  });

  it("refuses a Reason longer than REASON_MAX_LENGTH characters, counting characters, not UTF-16 units", () => {
    const fits = "é".repeat(REASON_MAX_LENGTH);
    const emoji = "🎉".repeat(REASON_MAX_LENGTH); // 8,192 UTF-16 units, 4,096 characters
    expect(parseBonusFile(`${HEADER}A1AAA,3X1,1,${fits},\nA2BBB,3X2,1,${emoji},\n`).rows).toHaveLength(2);
    const problems = problemsOf(
      `${HEADER}A1AAA,3X1,1,${"x".repeat(REASON_MAX_LENGTH + 1)},\nA2BBB,3X2,1,${"x".repeat(50_000_000)},\n`,
    );
    expect(problems).toEqual([
      {
        line: 2,
        field: "Reason",
        message: `Reason has ${REASON_MAX_LENGTH + 1} characters: it must be 1 to ${REASON_MAX_LENGTH} characters`,
      },
      { line: 3, field: "Reason", message: "Reason has 50000000 characters: it must be 1 to 4096 characters" },
    ]);
    // The client refuses it too, so nothing that skips the file reader can send one.
    expect(() =>
      validateSendBonus({
        WorkerId: "A1AAA",
        AssignmentId: "3X1",
        BonusAmount: "1",
        Reason: "x".repeat(REASON_MAX_LENGTH + 1),
      }),
    ).toThrow(/Reason has 4097 characters/);
  });

  it("names a decimal comma rather than reading it either way", () => {
    expect(problemsOf("WorkerId;AssignmentId;BonusAmount;Reason\nA1AAA;3X1;1,50;ok\n")).toEqual([
      {
        line: 2,
        field: "BonusAmount",
        message: 'BonusAmount "1,50" has a decimal comma: write US dollars with a point, e.g. "1.50"',
      },
    ]);
  });

  it("lists the first 20 problems in its message and counts the rest, keeping all of them in `problems`", () => {
    const bad = Array.from({ length: 1000 }, (_, i) => `a${i},3X${i},1,r,\n`).join("");
    let error: InvalidRowsError | undefined;
    try {
      parseBonusFile(HEADER + bad, { fileName: "big.csv" });
    } catch (caught) {
      error = caught as InvalidRowsError;
    }
    expect(error?.problems).toHaveLength(1000);
    const lines = error?.message.split("\n") ?? [];
    expect(lines).toHaveLength(1 + MAX_LISTED_PROBLEMS + 1);
    expect(lines[0]).toBe("big.csv was refused, nothing was paid: 1000 problem(s) on 1000 line(s)");
    expect(lines.at(-1)).toBe("  … and 980 more problem(s) on 980 more line(s)");
  });

  it("every row it accepts passes the client's own validateSendBonus (the rules are the same, checked once per row)", () => {
    const text = `${HEADER}A1AAA, 3X1 ,1.5,"  spaced reason  ",\nA2BBB,3X2,007,r,tok-2\nA3CCC,3X3,5.,"multi\r\nline",\n`;
    for (const row of parseBonusFile(text).rows) {
      expect(() =>
        validateSendBonus({
          WorkerId: row.WorkerId,
          AssignmentId: row.AssignmentId,
          BonusAmount: row.BonusAmount,
          Reason: row.Reason,
          ...(row.UniqueRequestToken ? { UniqueRequestToken: row.UniqueRequestToken } : {}),
        }),
      ).not.toThrow();
    }
  });
});

describe("duplicate pairs", () => {
  it("tell a second worker on the same assignment apart from a repeated pair, in any order", () => {
    const text = `${HEADER}A1AAA,3X1,1,a,\nA2BBB,3X1,1,b,\nA2BBB,3X1,1,c,\nA1AAA,3X1,1,d,\n`;
    expect(problemsOf(text).map((p) => [p.line, p.message.match(/also on line (\d+)/)?.[1]])).toEqual([
      [4, "3"],
      [5, "2"],
    ]);
  });
});

describe("rows are checked once", () => {
  const file = "WorkerId,AssignmentId,BonusAmount,Reason\nA1ONE,3ONE,1.00,thanks\nA1ONE,3ONE,1.00,thanks\n";

  it("trusts a list this module checked (frozen, rows and list), so a payout does not check it again", () => {
    const parsed = parseBonusFile(file, { allowDuplicates: true });
    expect(Object.isFrozen(parsed.rows), "the list is frozen").toBe(true);
    expect(Object.isFrozen(parsed.rows[0]), "its rows are frozen").toBe(true);
    expect(validateRows(parsed.rows, { allowDuplicates: true }), "the same list, not a second pass").toBe(parsed.rows);
  });

  it("checks again under stricter rules, and any list it did not make", () => {
    const parsed = parseBonusFile(file, { allowDuplicates: true });
    expect(() => validateRows(parsed.rows), "duplicates allowed then, refused now").toThrow(/also on line 2/);
    const copy = [...parsed.rows];
    expect(validateRows(copy, { allowDuplicates: true }), "a copy is checked anew").not.toBe(copy);
  });
});

describe("a million rows' memory, same results", () => {
  const raw = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      WorkerId: `A${i}W`,
      AssignmentId: `3${i}A`,
      BonusAmount: `${Math.floor(i / 100)}.${String(i % 100).padStart(2, "0")}`,
      Reason: "thanks",
    }));

  it("shares each amount's text, and past the shared ones still writes every amount canonically", () => {
    const rows = validateRows(raw(10_050)); // more distinct amounts than are shared
    expect(rows.map((r) => r.BonusAmount)).toEqual(raw(10_050).map((r) => r.BonusAmount));
    expect(rows[10_049]).toMatchObject({ BonusAmount: "100.49", cents: 10_049, line: 10_050 });
  });

  it("gives the same rows from a list (sized up front) as from any other iterable, and keeps no holes", () => {
    const list = raw(50);
    function* one(): Generator<(typeof list)[number]> {
      yield* list;
    }
    const fromList = validateRows(list);
    expect(fromList).toEqual(validateRows(one()));
    expect(fromList).toHaveLength(50);
    expect(Object.keys(fromList)).toHaveLength(50);
  });
});
