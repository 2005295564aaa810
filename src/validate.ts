/**
 * Input checks that mirror the MTurk service model (2017-01-17), run before
 * any network I/O so that a bad row costs nothing and says exactly why.
 */
import { bare } from "./bare.js";
import { ValidationError } from "./errors.js";
import { AMOUNT_PATTERN, toCents } from "./money.js";
import type { ListBonusPaymentsInput, SendBonusInput } from "./model.js";
import { checkWholeNumber, describeValue } from "./options.js";

// The inputs live in model.ts; re-exported here for the modules that import them from validate.
export type { ListBonusPaymentsInput, SendBonusInput } from "./model.js";
// Option checks live in options.ts; re-exported for the modules that import them from here.
export { checkWholeNumber, describeValue } from "./options.js";

export const WORKER_ID_PATTERN = /^A[A-Z0-9]+$/;
export const ENTITY_ID_PATTERN = /^[A-Z0-9]+$/;
const WORKER_ID = { max: 64, pattern: WORKER_ID_PATTERN, example: "A1B2C3D4E5F6G7" };
const ASSIGNMENT_ID = { max: 64, pattern: ENTITY_ID_PATTERN, example: "3X1FV8S5J09OQY1JC80W57HTHFJGVM" };

/**
 * The longest `Reason` accepted, in characters (code points). MTurk
 * publishes no limit for it (the service model has none; the API reference
 * says only "Type: String"), so one is chosen: 4,096, the limit MTurk
 * documents for the other text it delivers to a worker, `NotifyWorkers`'
 * `MessageText`. Far above any real thank-you note, and it keeps a mistake
 * (a whole column pasted into one cell) from being sent, journaled and
 * reported on every row.
 */
export const REASON_MAX_LENGTH = 4096;

const SEND_BONUS_FIELDS = ["WorkerId", "BonusAmount", "AssignmentId", "Reason", "UniqueRequestToken"];
const LIST_FIELDS = ["AssignmentId", "MaxResults", "NextToken"];

/** How a string field is constrained: a length in characters (code points, as the service model counts) and maybe a pattern. */
export interface TextRule {
  max: number;
  pattern?: RegExp;
  example?: string;
}

/** Checks a required string field against its rule and returns it. */
export function checkText(field: string, value: unknown, rule: TextRule): string {
  if (value === undefined) throw new ValidationError(field, "is missing", "it is required");
  if (typeof value !== "string") throw new ValidationError(field, `is ${describeValue(value)}`, "it must be a string");
  // Code points never outnumber UTF-16 units, so only a string longer in units than the limit needs counting.
  if (value.length === 0 || value.length > rule.max) {
    let length = 0;
    for (const _ of value) length++;
    if (length < 1 || length > rule.max)
      throw new ValidationError(field, `has ${length} characters`, `it must be 1 to ${rule.max} characters`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw new ValidationError(
      field,
      `${describeValue(value)} is malformed`,
      `it must match ${rule.pattern.source}, e.g. ${rule.example}`,
    );
  }
  return value;
}

/** Checks a `BonusAmount` and returns its value in integer cents. */
export function checkAmount(value: unknown, field = "BonusAmount"): number {
  if (typeof value === "number" || typeof value === "bigint") {
    throw new ValidationError(
      field,
      `is the number ${String(value)}`,
      'it must be a string of US dollars such as "1.50", because numbers cannot hold cents exactly',
    );
  }
  const text = checkText(field, value, { max: Number.MAX_SAFE_INTEGER });
  if (!AMOUNT_PATTERN.test(text)) {
    throw new ValidationError(
      field,
      `${describeValue(text)} is not a dollar amount MTurk accepts`,
      `it must match ${AMOUNT_PATTERN.source}: digits, an optional point and at most two decimals, no sign, currency or spaces (e.g. "5", "0.50", "101.42")`,
    );
  }
  const cents = toCents(text);
  if (cents === undefined)
    throw new ValidationError(
      field,
      `${describeValue(text)} is too large`,
      "it must be at most 90071992547409.91 dollars",
    );
  if (cents === 0)
    throw new ValidationError(field, `${describeValue(text)} is zero`, "a bonus must be greater than zero");
  return cents;
}

/**
 * The caller's own enumerable fields, each read exactly once, copied into an
 * object that reads nothing inherited (`bare`); a field `allowed` does not
 * name is refused. What is checked is then what is sent: an inherited field
 * (a polluted `Object.prototype`) is never read, and a getter cannot answer
 * one value to the check and another to the request.
 */
function checkFields(input: unknown, allowed: string[], what: string): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ValidationError(
      "input",
      `is ${describeValue(input)}`,
      `${what} takes an object with the fields ${allowed.join(", ")}`,
    );
  }
  const record = bare();
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      const hint = allowed.find((name) => name.toLowerCase() === key.toLowerCase());
      throw new ValidationError(
        key,
        `is not a field of ${what}`,
        hint
          ? `did you mean ${hint}? Field names are PascalCase as on the wire`
          : `the fields are ${allowed.join(", ")}`,
      );
    }
    record[key] = (input as Record<string, unknown>)[key];
  }
  return record;
}

/**
 * Checks a `SendBonus` input against the service model and returns it with
 * the amount in cents. Throws a `ValidationError` naming the first bad field.
 * Only the input's own enumerable fields count, each read once; the result
 * is a new object, the one to send.
 */
export function validateSendBonus(input: unknown): { input: SendBonusInput; cents: number } {
  const record = checkFields(input, SEND_BONUS_FIELDS, "SendBonus");
  const WorkerId = checkText("WorkerId", record.WorkerId, WORKER_ID);
  const cents = checkAmount(record.BonusAmount);
  const AssignmentId = checkText("AssignmentId", record.AssignmentId, ASSIGNMENT_ID);
  const Reason = checkText("Reason", record.Reason, { max: REASON_MAX_LENGTH });
  if (Reason.trim() === "")
    throw new ValidationError(
      "Reason",
      "is only white space",
      "the service requires a reason, and the worker reads it",
    );
  // Nothing inherited: an absent optional field reads as `undefined`, whatever Object.prototype holds.
  const valid: SendBonusInput = bare({
    WorkerId,
    BonusAmount: record.BonusAmount as string,
    AssignmentId,
    Reason,
  });
  if (record.UniqueRequestToken !== undefined)
    valid.UniqueRequestToken = checkText("UniqueRequestToken", record.UniqueRequestToken, { max: 64 });
  return { input: valid, cents };
}

/** Checks a `ListBonusPayments` input. */
export function validateListBonusPayments(input: unknown): ListBonusPaymentsInput {
  const record = checkFields(input, LIST_FIELDS, "ListBonusPayments");
  const valid: ListBonusPaymentsInput = bare({
    AssignmentId: checkText("AssignmentId", record.AssignmentId, ASSIGNMENT_ID),
  });
  const MaxResults = checkWholeNumber("MaxResults", record.MaxResults, 1, 100);
  if (MaxResults !== undefined) valid.MaxResults = MaxResults;
  if (record.NextToken !== undefined) valid.NextToken = checkText("NextToken", record.NextToken, { max: 255 });
  return valid;
}
