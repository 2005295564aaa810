/** Option checks: one error class, one wording, before any I/O. */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { checkOption, checkWholeNumber } from "../../src/options.js";
import { checkWholeNumber as fromValidate } from "../../src/validate.js";

describe("checkOption", () => {
  it("passes an absent option through, for the caller's default", () => {
    expect(checkOption("rate", undefined, false, "a positive number")).toBeUndefined();
  });

  it("returns a valid option as it is", () => {
    expect(checkOption("rate", 2.5, true, "a positive number")).toBe(2.5);
  });

  it("throws a ValidationError naming the option, its value and the rule", () => {
    const error = (() => {
      try {
        checkOption("rate", -1, false, "a positive number");
      } catch (thrown) {
        return thrown;
      }
    })() as ValidationError;
    expect(error, "class").toBeInstanceOf(ValidationError);
    expect(error.field, "field").toBe("rate");
    expect(error.rule, "rule").toBe("it must be a positive number");
    expect(error.message, "message").toBe("rate is number -1: it must be a positive number");
  });
});

describe("checkWholeNumber", () => {
  it.each([1, 50, 100])("accepts %d from 1 to 100", (value) => {
    expect(checkWholeNumber("maxAttempts", value, 1, 100)).toBe(value);
  });

  it.each([0, 101, 1.5, Number.NaN, "3"])("refuses %s", (value) => {
    expect(() => checkWholeNumber("maxAttempts", value, 1, 100)).toThrow(
      /^maxAttempts is .*: it must be a whole number from 1 to 100$/,
    );
  });

  it("is the same checker when imported from validate.ts", () => {
    expect(fromValidate).toBe(checkWholeNumber);
  });
});
