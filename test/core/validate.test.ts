/** Every input rule of SendBonus and ListBonusPayments, passing and failing, plus properties over arbitrary strings. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import {
  checkAmount,
  describeValue,
  REASON_MAX_LENGTH,
  validateListBonusPayments,
  validateSendBonus,
} from "../../src/validate.js";
import { bonusInput } from "./helpers/fixtures.js";

const RUNS = { numRuns: 300 };

function rejection(input: unknown): ValidationError {
  try {
    validateSendBonus(input);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("input was accepted");
}

const accepts = (input: unknown): boolean => {
  try {
    validateSendBonus(input);
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
};

describe("WorkerId", () => {
  it.each(["A1B2C3D4E5F6G7", "AB", "A0", `A${"Z".repeat(63)}`])("accepts %s", (WorkerId) => {
    expect(accepts(bonusInput({ WorkerId }))).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["A alone", "A"],
    ["not starting with A", "B1B2C3"],
    ["lower case", "a1b2c3"],
    ["with a space", "A1B2 C3"],
    ["65 characters", `A${"1".repeat(64)}`],
    ["with a dash", "A1-B2"],
  ])("rejects %s", (_label, WorkerId) => {
    expect(rejection(bonusInput({ WorkerId })).field).toBe("WorkerId");
  });

  it("rejects a missing WorkerId", () => {
    const { WorkerId: _omit, ...input } = bonusInput();
    expect(rejection(input).message).toBe("WorkerId is missing: it is required");
  });

  it("rejects a number", () => {
    expect(rejection({ ...bonusInput(), WorkerId: 12 }).message).toContain("must be a string");
  });
});

describe("BonusAmount", () => {
  it.each([
    ["5", 500],
    ["5.", 500],
    ["0.5", 50],
    ["0.50", 50],
    ["101.42", 10142],
    ["007", 700],
    ["0.01", 1],
    ["0.29", 29],
    ["90071992547409.91", 9007199254740991],
  ])("accepts %s as %i cents", (BonusAmount, cents) => {
    expect(validateSendBonus(bonusInput({ BonusAmount })).cents).toBe(cents);
  });

  it.each([".5", "0.975", "$1", "-1", "1e2", " 1", "1 ", "1,00", "1.5.0", "", "USD 1", "１"])(
    "rejects %j",
    (BonusAmount) => {
      expect(rejection(bonusInput({ BonusAmount })).field).toBe("BonusAmount");
    },
  );

  it.each(["0", "0.00", "000.", "0.0"])("rejects the zero amount %j", (BonusAmount) => {
    expect(rejection(bonusInput({ BonusAmount })).message).toContain("is zero");
  });

  it("rejects an amount too large to count exactly in cents", () => {
    expect(rejection(bonusInput({ BonusAmount: "90071992547409.92" })).message).toContain("too large");
  });

  it("rejects a number, explaining why", () => {
    expect(rejection({ ...bonusInput(), BonusAmount: 1.5 }).rule).toContain("numbers cannot hold cents exactly");
  });

  it("rejects a bigint", () => {
    expect(() => checkAmount(10n)).toThrow(ValidationError);
  });
});

describe("AssignmentId", () => {
  it.each(["3X1FV8S5J09OQY1JC80W57HTHFJGVM", "A", "1", "Z".repeat(64)])("accepts %s", (AssignmentId) => {
    expect(accepts(bonusInput({ AssignmentId }))).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["lower case", "3x1fv8"],
    ["65 characters", "Z".repeat(65)],
    ["with a dash", "3X1-FV8"],
  ])("rejects %s", (_label, AssignmentId) => {
    expect(rejection(bonusInput({ AssignmentId })).field).toBe("AssignmentId");
  });
});

describe("Reason", () => {
  it.each(["x", "Thanks!", "Danke schön 谢谢 🎉", "a".repeat(4096), "🎉".repeat(4096)])("accepts %j", (Reason) => {
    expect(accepts(bonusInput({ Reason }))).toBe(true);
  });

  it.each(["", "   ", "\n\t"])("rejects the blank reason %j", (Reason) => {
    expect(rejection(bonusInput({ Reason })).field).toBe("Reason");
  });

  it("rejects a missing reason (the service requires one)", () => {
    const { Reason: _omit, ...input } = bonusInput();
    expect(rejection(input).field).toBe("Reason");
  });

  it("rejects null", () => {
    expect(rejection({ ...bonusInput(), Reason: null }).message).toBe("Reason is null: it must be a string");
  });

  it("rejects a reason over REASON_MAX_LENGTH (4,096) characters", () => {
    expect(REASON_MAX_LENGTH).toBe(4096);
    expect(rejection(bonusInput({ Reason: "a".repeat(4097) })).message).toBe(
      "Reason has 4097 characters: it must be 1 to 4096 characters",
    );
  });
});

describe("UniqueRequestToken", () => {
  it.each(["x", "t".repeat(64), "🎉".repeat(64), "any chars: /+=?"])("accepts %j", (UniqueRequestToken) => {
    expect(validateSendBonus(bonusInput({ UniqueRequestToken })).input.UniqueRequestToken).toBe(UniqueRequestToken);
  });

  it("may be omitted", () => {
    const { UniqueRequestToken: _omit, ...input } = bonusInput();
    expect(validateSendBonus(input).input).not.toHaveProperty("UniqueRequestToken");
  });

  it.each([
    ["empty", ""],
    ["65 characters", "t".repeat(65)],
    ["65 emoji", "🎉".repeat(65)],
  ])("rejects %s", (_label, UniqueRequestToken) => {
    expect(rejection(bonusInput({ UniqueRequestToken })).field).toBe("UniqueRequestToken");
  });

  it("rejects a number", () => {
    expect(rejection({ ...bonusInput(), UniqueRequestToken: 7 }).field).toBe("UniqueRequestToken");
  });
});

describe("the input object", () => {
  it.each([null, undefined, "A1", 5, ["A1"]])("rejects %j", (input) => {
    expect(rejection(input).field).toBe("input");
  });

  it("rejects an unknown field, suggesting the PascalCase name", () => {
    const { WorkerId, ...rest } = bonusInput();
    const error = rejection({ ...rest, workerId: WorkerId });
    expect(error.field, "error.field").toBe("workerId");
    expect(error.rule, "error.rule").toBe("did you mean WorkerId? Field names are PascalCase as on the wire");
  });

  it("rejects an unknown field that resembles nothing", () => {
    expect(rejection({ ...bonusInput(), Currency: "USD" }).rule).toContain("the fields are WorkerId, BonusAmount");
  });

  it("returns exactly the known fields", () => {
    expect(Object.keys(validateSendBonus(bonusInput()).input)).toEqual([
      "WorkerId",
      "BonusAmount",
      "AssignmentId",
      "Reason",
      "UniqueRequestToken",
    ]);
  });

  it("names field and rule on the error", () => {
    const error = rejection(bonusInput({ BonusAmount: "0.975" }));
    expect(error.toJSON()).toMatchObject({ name: "ValidationError", field: "BonusAmount", $fault: "client" });
  });
});

describe("describeValue", () => {
  it("shortens long strings", () => {
    expect(describeValue("x".repeat(100))).toBe(`"${"x".repeat(40)}…"`);
  });

  it.each([
    [null, "null"],
    [[1], "an array"],
    [{}, "an object"],
    [3, "number 3"],
  ])("describes %j", (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});

describe("ListBonusPayments input", () => {
  it("accepts an assignment with MaxResults and NextToken", () => {
    expect(validateListBonusPayments({ AssignmentId: "3X1F", MaxResults: 100, NextToken: "n" })).toEqual({
      AssignmentId: "3X1F",
      MaxResults: 100,
      NextToken: "n",
    });
  });

  it.each([0, 101, 1.5, "10"])("rejects MaxResults %j", (MaxResults) => {
    expect(() => validateListBonusPayments({ AssignmentId: "3X1F", MaxResults })).toThrow(/MaxResults/);
  });

  it.each(["", "n".repeat(256)])("rejects a NextToken of %i characters", (NextToken) => {
    expect(() => validateListBonusPayments({ AssignmentId: "3X1F", NextToken })).toThrow(/NextToken/);
  });

  it("rejects a bad AssignmentId", () => {
    expect(() => validateListBonusPayments({ AssignmentId: "lower" })).toThrow(ValidationError);
  });
});

describe("properties", () => {
  const FIELDS = ["WorkerId", "BonusAmount", "AssignmentId", "Reason", "UniqueRequestToken"] as const;
  const anyString = fc.oneof(
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.string({ unit: "grapheme", maxLength: 80 }),
    fc.stringMatching(/^[A-Z0-9.]{0,70}$/),
  );

  it("accepts or rejects any string in any field with a ValidationError, nothing else", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), anyString, (field, value) => {
        accepts({ ...bonusInput(), [field]: value });
      }),
      RUNS,
    );
  });

  it("accepts or rejects any value at all with a ValidationError", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        accepts(value);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.anything(), (field, value) => {
        accepts({ ...bonusInput(), [field]: value });
      }),
      RUNS,
    );
  });

  const bigCents = (v: string): bigint => {
    const [whole = "", fraction = ""] = v.split(".");
    return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  };
  /** The service model's rules, restated independently. */
  const MODEL: Record<(typeof FIELDS)[number], (value: string) => boolean> = {
    WorkerId: (v) => v.length >= 1 && v.length <= 64 && /^A[A-Z0-9]+$/.test(v),
    AssignmentId: (v) => v.length >= 1 && v.length <= 64 && /^[A-Z0-9]+$/.test(v),
    BonusAmount: (v) =>
      /^[0-9]+(\.)?[0-9]{0,2}$/.test(v) && bigCents(v) > 0n && bigCents(v) <= BigInt(Number.MAX_SAFE_INTEGER),
    Reason: (v) => v.trim() !== "",
    UniqueRequestToken: (v) => [...v].length >= 1 && [...v].length <= 64,
  };

  it.each(FIELDS)("accepts a %s exactly when the service model (and the zero/blank rules) would", (field) => {
    fc.assert(
      fc.property(anyString, (value) => {
        expect(accepts({ ...bonusInput(), [field]: value })).toBe(MODEL[field](value));
      }),
      RUNS,
    );
  });
});
