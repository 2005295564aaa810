/**
 * `bare()`: objects that read nothing from `Object.prototype`, and stay in
 * V8's fast mode (an `Object.create(null)` object does not, which made every
 * checked input cost several times what its fields are worth).
 */
import { setFlagsFromString } from "node:v8";
import { afterEach, describe, expect, it } from "vitest";
import { bare } from "../../src/bare.js";
import { parseResponse } from "../../src/response.js";
import { validateSendBonus } from "../../src/validate.js";

const polluted = Object.prototype as Record<string, unknown>;

afterEach(() => {
  delete polluted.UniqueRequestToken;
});

/** V8's own answer to "are this object's properties in fast mode?", through its natives syntax. */
function hasFastProperties(object: object): boolean {
  setFlagsFromString("--allow-natives-syntax");
  return new Function("object", "return %HasFastProperties(object)")(object) as boolean;
}

describe("bare", () => {
  it("reads a field it lacks as undefined, even from a polluted Object.prototype", () => {
    polluted.UniqueRequestToken = "polluted";
    const object = bare<Record<string, unknown>>({ WorkerId: "A1" });
    expect(object.UniqueRequestToken).toBeUndefined();
    expect("toString" in object).toBe(false);
  });

  it("holds exactly the given own fields, and nothing else", () => {
    expect(Object.keys(bare({ a: 1, b: "2" }))).toEqual(["a", "b"]);
    expect(Object.keys(bare())).toEqual([]);
  });

  it("keeps a field named __proto__ as data, never as a prototype", () => {
    const object = bare<Record<string, unknown>>(JSON.parse('{"__proto__": {"x": 1}}'));
    expect(Object.hasOwn(object, "__proto__")).toBe(true);
    expect(object.x).toBeUndefined();
  });

  it("takes any field name as its own, those Object.prototype has included", () => {
    const object = bare<Record<string, unknown>>();
    for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]) object[name] = name;
    expect(Object.keys(object)).toEqual(["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(object))).toBeNull();
  });

  it("shares one prototype that nothing can add to", () => {
    const prototype = Object.getPrototypeOf(bare()) as Record<string, unknown>;
    expect(Object.getPrototypeOf(bare())).toBe(prototype);
    expect(Object.isFrozen(prototype)).toBe(true);
    expect(() => {
      prototype.UniqueRequestToken = "smuggled";
    }).toThrow(TypeError);
  });

  it("keeps V8's fast properties where Object.create(null) falls back to a dictionary: checked inputs and parsed answers too", () => {
    const fields = { WorkerId: "A1", BonusAmount: "0.01", AssignmentId: "3X", Reason: "r", UniqueRequestToken: "t" };
    const answer = {
      status: 200,
      header: () => undefined,
      body: '{"BonusPayments":[{"WorkerId":"A1"}],"NumResults":1}',
    };
    const parsed = parseResponse(answer, (text) => text);
    if (!parsed.ok) throw parsed.error;
    expect({
      bare: hasFastProperties(bare(fields)),
      nullPrototype: hasFastProperties(Object.assign(Object.create(null), fields)),
      checkedInput: hasFastProperties(validateSendBonus(fields).input),
      parsedAnswer: hasFastProperties(parsed.data),
      parsedPayment: hasFastProperties((parsed.data.BonusPayments as object[])[0]!),
    }).toEqual({ bare: true, nullPrototype: false, checkedInput: true, parsedAnswer: true, parsedPayment: true });
  });
});
