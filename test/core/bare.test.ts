/**
 * `bare()`: objects that read nothing from `Object.prototype`, and stay in
 * V8's fast mode (an `Object.create(null)` object does not, which made every
 * checked input cost several times what its fields are worth).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { bare } from "../../src/bare.js";
import { requireBuild, ROOT } from "../runtimes/helpers.js";

const polluted = Object.prototype as Record<string, unknown>;

afterEach(() => {
  delete polluted.UniqueRequestToken;
});

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

  it("keeps V8's fast properties, where Object.create(null) falls back to a dictionary: checked inputs and parsed answers too", () => {
    requireBuild();
    const dist = (file: string): string => JSON.stringify(pathToFileURL(join(ROOT, "dist", file)).href);
    const script = `import { bare } from ${dist("bare.js")};
import { validateSendBonus } from ${dist("validate.js")};
import { parseResponse } from ${dist("response.js")};
const fields = { WorkerId: "A1", BonusAmount: "0.01", AssignmentId: "3X", Reason: "r", UniqueRequestToken: "t" };
const answer = { status: 200, header: () => undefined, body: '{"BonusPayments":[{"WorkerId":"A1"}],"NumResults":1}' };
const { data } = parseResponse(answer, (text) => text);
console.log(JSON.stringify({
  bare: %HasFastProperties(bare(fields)),
  nullPrototype: %HasFastProperties(Object.assign(Object.create(null), fields)),
  checkedInput: %HasFastProperties(validateSendBonus(fields).input),
  parsedAnswer: %HasFastProperties(data),
  parsedPayment: %HasFastProperties(data.BonusPayments[0]),
}));`;
    const out = execFileSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual({
      bare: true,
      nullPrototype: false,
      checkedInput: true,
      parsedAnswer: true,
      parsedPayment: true,
    });
  });
});
