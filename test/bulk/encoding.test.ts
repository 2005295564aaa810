import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBonusBytes, firstInvalidUtf8 } from "../../src/bulk/encoding.js";
import { InvalidRowsError, parseBonusFile, type ParseOptions } from "../../src/bulk/rows.js";

const HEADER = "WorkerId,AssignmentId,BonusAmount,Reason\r\n";

/** Windows-1252 bytes of Latin-1 text ("è" is the single byte 0xE8), as Excel on Windows saves it. */
function cp1252(text: string): Uint8Array {
  return Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
}

function refusal(input: string | Uint8Array, options: ParseOptions = {}): InvalidRowsError {
  try {
    parseBonusFile(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRowsError);
    return error as InvalidRowsError;
  }
  throw new Error("expected the input to be refused");
}

describe("reading bytes (encodings)", () => {
  it("refuses a Windows-1252 file as UTF-8 with the line and the way out, and never pays U+FFFD", () => {
    const bytes = cp1252(`${HEADER}A1AAA,3X1,1.00,Merci\r\nA2BBB,3X2,1.00,Très bien\r\n`);
    const error = refusal(bytes, { fileName: "b.csv" });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ line: 3, field: "file" });
    expect(error.problems[0]?.message).toMatch(
      /not valid UTF-8 \(byte 0xE8 at byte 18 of the line\).*save it as UTF-8.*--encoding windows-1252/,
    );
  });

  it("reads it with the encoding named (windows-1252, or its alias latin1)", () => {
    const bytes = cp1252(`${HEADER}A2BBB,3X2,1.00,Très bien\r\n`);
    for (const encoding of ["windows-1252", "latin1", "CP1252"]) {
      const parsed = parseBonusFile(bytes, { encoding });
      expect(parsed.rows[0]?.Reason).toBe("Très bien");
      expect(parsed.encoding).toBe("windows-1252");
    }
    expect(() => parseBonusFile(bytes, { encoding: "ebcdic" })).toThrow(/encoding "ebcdic" is not supported/);
  });

  it("reads UTF-8 with or without a BOM, and UTF-16 with a BOM (Excel's tab-separated Unicode Text)", () => {
    const text = "WorkerId\tAssignmentId\tBonusAmount\tReason\r\nA1AAA\t3X1\t1.50\tDanke schön 🎉\r\n";
    const utf8 = new TextEncoder().encode(text);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]).swap16();
    for (const [bytes, encoding] of [
      [utf8, "utf-8"],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]), "utf-8"],
      [le, "utf-16le"],
      [be, "utf-16be"],
    ] as const) {
      const parsed = parseBonusFile(bytes);
      expect(parsed).toMatchObject({ encoding, delimiter: "\t" });
      expect(parsed.rows[0]).toMatchObject({ WorkerId: "A1AAA", BonusAmount: "1.50", Reason: "Danke schön 🎉" });
    }
  });

  it("says UTF-16 without a BOM is UTF-16, and refuses an encoding that contradicts the BOM", () => {
    const bare = Buffer.from(`${HEADER}A1AAA,3X1,1,r\r\n`, "utf16le");
    expect(refusal(bare).problems[0]?.message).toMatch(
      /looks like UTF-16LE without a byte-order mark. Pass --encoding utf-16le/,
    );
    expect(parseBonusFile(bare, { encoding: "utf-16le" }).rows).toHaveLength(1);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}A1AAA,3X1,1,r\r\n`)]);
    expect(refusal(withBom, { encoding: "windows-1252" }).problems[0]?.message).toMatch(
      /UTF-8 byte-order mark, but the encoding given is windows-1252/,
    );
  });

  it("gives a file that is not text one problem, not one per byte", () => {
    const binary = new Uint8Array(200_000);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 256;
    const error = refusal(binary, { fileName: "photo.csv" });
    expect(error.problems).toHaveLength(1);
    expect(error.message.split("\n")).toHaveLength(2);
    const xlsx = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    expect(refusal(xlsx).problems).toEqual([
      {
        line: 1,
        field: "file",
        message: expect.stringMatching(/not text but a ZIP archive \(an Excel .xlsx workbook/),
      },
    ]);
    expect(refusal(`${HEADER}A1AAA,3X1,1,r\u0000\u0001\r\n`).problems).toEqual([
      { line: 2, field: "file", message: expect.stringContaining("not text") },
    ]);
  });

  it("refuses a Reason holding U+FFFD, the mark of text already decoded in the wrong encoding", () => {
    const decodedByCaller = new TextDecoder().decode(cp1252(`${HEADER}A2BBB,3X2,1.00,Très bien\r\n`));
    expect(refusal(decodedByCaller).problems).toEqual([
      { line: 2, field: "Reason", message: expect.stringContaining("U+FFFD") },
    ]);
  });
});

describe("firstInvalidUtf8", () => {
  it("finds exactly where a strict decoder stops: everything before it decodes, the byte at it starts no valid sequence", () => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const valid = (bytes: Uint8Array): boolean => {
      try {
        decoder.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.string({ unit: "binary", maxLength: 8 }), (noise, text) => {
        const bytes = Uint8Array.from([...new TextEncoder().encode(text), ...noise]);
        const at = firstInvalidUtf8(bytes);
        expect(valid(bytes)).toBe(at === bytes.length);
        expect(valid(bytes.subarray(0, at))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(decodeBonusBytes(Uint8Array.from([0xe9]))).toEqual({
      problem: { line: 1, message: expect.stringContaining("byte 0xE9 at byte 1 of the line") },
    });
  });
});
