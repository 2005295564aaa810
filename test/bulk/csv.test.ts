import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvLine, parseCsv, type Delimiter } from "../../src/bulk/csv.js";

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
    expect(parseCsv('a\n"open\nmore').problems).toEqual([
      { line: 2, message: expect.stringContaining("never closed") },
    ]);
    const { records, problems } = parseCsv('a,b\nx"y,1\n"q"z,2\nok,3\n');
    expect(problems.map((p) => p.line)).toEqual([2, 3]);
    expect(records.map((r) => r.line)).toEqual([1, 4]);
  });

  it("round-trips what csvLine writes", () => {
    const values = ["plain", "with, comma", 'with "quote"', "multi\nline", " edge "];
    expect(parseCsv(csvLine(values)).records[0]?.fields).toEqual(values);
  });
});

describe("parseCsv against any content", () => {
  const quote = (value: string): string => `"${value.replace(/"/g, '""')}"`;

  it("reads back any fields, quoted, under any delimiter and line end, with each record's first line", () => {
    const field = fc.string({
      unit: fc.constantFrom("a", "é", "🎉", " ", ",", ";", "\t", '"', "\n", "\r"),
      maxLength: 6,
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<Delimiter>(",", ";", "\t"),
        fc.constantFrom("\n", "\r\n", "\r"),
        (records, delimiter, eol) => {
          const text = records.map((fields) => fields.map(quote).join(delimiter)).join(eol) + eol;
          const parsed = parseCsv(text, { delimiter });
          expect(parsed.problems).toEqual([]);
          expect(parsed.records.map((r) => r.fields)).toEqual(records);
          let line = 1;
          records.forEach((fields, index) => {
            expect(parsed.records[index]?.line).toBe(line);
            for (const value of fields) line += value.split(/\r\n|\r|\n/).length - 1;
            line++;
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("counts blank lines and never makes a record of one", () => {
    expect(parseCsv("\n\r\na,b\n\n\r\n1,2\n\n")).toEqual({
      records: [
        { line: 3, fields: ["a", "b"] },
        { line: 6, fields: ["1", "2"] },
      ],
      problems: [],
      blankLines: 5,
    });
  });
});
