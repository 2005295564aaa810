import { describe, expect, it } from "vitest";
import { csvLine, parseCsv } from "../../src/bulk/csv.js";

describe("parseCsv (RFC 4180)", () => {
  it("reads quoted fields with commas, quotes and line breaks, and keeps each record's first line", () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"line one\r\nline two",z\r\n3,,\r\n';
    const { records, problems } = parseCsv(text);
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["1", "x, y", 'say "hi"'] },
      { line: 3, fields: ["2", "line one\r\nline two", "z"] },
      { line: 5, fields: ["3", "", ""] },
    ]);
  });

  it("strips a UTF-8 BOM, accepts LF, CR and a missing final line break, and skips blank lines", () => {
    const { records } = parseCsv("\uFEFFa,b\n\n1,2\r3,4");
    expect(records).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 3, fields: ["1", "2"] },
      { line: 4, fields: ["3", "4"] },
    ]);
  });

  it("tolerates spaces around a quoted field", () => {
    expect(parseCsv('a, "b, c" ,d\n').records[0]?.fields).toEqual(["a", "b, c", "d"]);
  });

  it("reports an unclosed quote, a stray quote and text after a closing quote by line", () => {
    expect(parseCsv('a\n"open\nmore').problems).toEqual([{ line: 2, message: expect.stringContaining("never closed") }]);
    const { records, problems } = parseCsv('a,b\nx"y,1\n"q"z,2\nok,3\n');
    expect(problems.map((p) => p.line)).toEqual([2, 3]);
    expect(records.map((r) => r.line)).toEqual([1, 4]);
  });

  it("round-trips what csvLine writes", () => {
    const values = ["plain", "with, comma", 'with "quote"', "multi\nline", " edge "];
    expect(parseCsv(csvLine(values)).records[0]?.fields).toEqual(values);
  });
});
