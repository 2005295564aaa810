import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/bulk/csv.js";
import { delimiterOf, detectDelimiter } from "../../src/bulk/delimiter.js";
import { type InvalidRowsError, parseBonusFile } from "../../src/bulk/rows.js";

describe("delimiters", () => {
  it("detects ; (German and French Excel) and tab from the header line, and a comma otherwise", () => {
    expect(detectDelimiter("WorkerId;AssignmentId;BonusAmount;Reason\r\n")).toBe(";");
    expect(detectDelimiter("\uFEFF\r\nWorkerId\tAssignmentId\tBonusAmount\tReason\n")).toBe("\t");
    expect(detectDelimiter('WorkerId,AssignmentId,BonusAmount,"Reason; why"\n')).toBe(",");
    expect(detectDelimiter("WorkerId\n")).toBe(",");
  });

  it("reads a semicolon file with quoted semicolons and commas in the Reason", () => {
    const parsed = parseBonusFile(
      'WorkerId;AssignmentId;BonusAmount;Reason\r\nA1AAA;3X1;1.50;"Merci; très bien, vraiment"\r\n',
      { fileName: "bonus.csv" },
    );
    expect(parsed.delimiter).toBe(";");
    expect(parsed.rows[0]).toMatchObject({ BonusAmount: "1.50", Reason: "Merci; très bien, vraiment" });
  });

  it("takes a delimiter given, and when the header then reads as one column says what was seen and what to pass", () => {
    const text = "WorkerId;AssignmentId;BonusAmount;Reason\nA1AAA;3X1;1.50;ok\n";
    let error: InvalidRowsError | undefined;
    try {
      parseBonusFile(text, { delimiter: "," });
    } catch (caught) {
      error = caught as InvalidRowsError;
    }
    expect(error?.problems[0]?.message).toBe(
      'column WorkerId is missing; the header line reads "WorkerId;AssignmentId;BonusAmount;Reason" (1 column separated by "," (as given); if the fields are separated by ";", pass --delimiter \';\'). Name the column that holds it with --columns WorkerId=NAME',
    );
    expect(parseCsv("a\tb, c\n", { delimiter: "\t" }).records[0]?.fields).toEqual(["a", "b, c"]);
    expect(parseCsv('a;" b ;c" ;d\n', { delimiter: ";" }).records[0]?.fields).toEqual(["a", " b ;c", "d"]);
  });

  it("refuses a delimiter it does not know from code", () => {
    expect(() => parseBonusFile("a|b\n", { delimiter: "|" as never })).toThrow(
      /delimiter is "\|": it must be ",", ";" or "\\t" \(tab\)/,
    );
  });

  it("names delimiters the way a shell user types them", () => {
    expect([",", ";", "tab", "TAB", "\\t", "\t", "semicolon", "comma", "|"].map(delimiterOf)).toEqual([
      ",",
      ";",
      "\t",
      "\t",
      "\t",
      "\t",
      ";",
      ",",
      undefined,
    ]);
  });
});
