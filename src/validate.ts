/**
 * Input checks that mirror the MTurk service model (2017-01-17), run before
 * any network I/O so that a bad row costs nothing and says exactly why.
 */
import { ValidationError } from "./errors.js";
import { AMOUNT_PATTERN, toCents } from "./money.js";

/** Input of `SendBonus`, with the service's own PascalCase field names. */
export interface SendBonusInput {
  /** The worker's ID, e.g. `A1B2C3D4E5F6G7`. */
  WorkerId: string;
  /** US dollars as a decimal string with at most two decimals, e.g. `"1.50"`. Never a number. */
  BonusAmount: string;
  /** The assignment the worker completed, e.g. `3X1FV8S5J09OQY1JC80W57HTHFJGVM`. */
  AssignmentId: string;
  /** Shown to the worker. Required by the service. */
  Reason: string;
  /**
   * Idempotency key, at most 64 characters. Omit it and one is generated per
   * call; every retry of the call sends the same one.
   */
  UniqueRequestToken?: string;
}

/** Input of `ListBonusPayments` for one assignment. */
export interface ListBonusPaymentsInput {
  AssignmentId: string;
  /** 1 to 100. */
  MaxResults?: number;
  /** From a previous page's `NextToken`. */
  NextToken?: string;
}

export const WORKER_ID_PATTERN = /^A[A-Z0-9]+$/;
export const ENTITY_ID_PATTERN = /^[A-Z0-9]+$/;
const MAX_ID_LENGTH = 64;
const MAX_TOKEN_LENGTH = 64;

const SEND_BONUS_FIELDS = new Set(["WorkerId", "BonusAmount", "AssignmentId", "Reason", "UniqueRequestToken"]);
const LIST_FIELDS = new Set(["AssignmentId", "MaxResults", "NextToken"]);

/** A short, printable rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function codePointLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

function requireString(field: string, value: unknown): string {
  if (value === undefined) throw new ValidationError(field, "is missing", "it is required");
  if (typeof value !== "string") {
    throw new ValidationError(field, `is ${describeValue(value)}`, "it must be a string");
  }
  return value;
}

function checkId(field: string, value: unknown, pattern: RegExp, example: string): string {
  const text = requireString(field, value);
  if (text.length < 1 || text.length > MAX_ID_LENGTH) {
    throw new ValidationError(field, `has ${text.length} characters`, `it must be 1 to ${MAX_ID_LENGTH} characters`);
  }
  if (!pattern.test(text)) {
    throw new ValidationError(field, `${describeValue(text)} is malformed`, `it must match ${pattern.source}, e.g. ${example}`);
  }
  return text;
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
  const text = requireString(field, value);
  if (!AMOUNT_PATTERN.test(text)) {
    throw new ValidationError(
      field,
      `${describeValue(text)} is not a dollar amount MTurk accepts`,
      `it must match ${AMOUNT_PATTERN.source}: digits, an optional point and at most two decimals, no sign, currency or spaces (e.g. "5", "0.50", "101.42")`,
    );
  }
  const cents = toCents(text);
  if (cents === undefined) {
    throw new ValidationError(field, `${describeValue(text)} is too large`, "it must be at most 90071992547409.91 dollars");
  }
  if (cents === 0) throw new ValidationError(field, `${describeValue(text)} is zero`, "a bonus must be greater than zero");
  return cents;
}

function checkToken(field: string, value: unknown): string {
  const text = requireString(field, value);
  const length = codePointLength(text);
  if (length < 1 || length > MAX_TOKEN_LENGTH) {
    throw new ValidationError(field, `has ${length} characters`, `it must be 1 to ${MAX_TOKEN_LENGTH} characters`);
  }
  return text;
}

function checkFields(input: unknown, allowed: Set<string>, what: string): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ValidationError("input", `is ${describeValue(input)}`, `${what} takes an object with the fields ${[...allowed].join(", ")}`);
  }
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) {
      const hint = [...allowed].find((name) => name.toLowerCase() === key.toLowerCase());
      throw new ValidationError(
        key,
        "is not a field of " + what,
        hint ? `did you mean ${hint}? Field names are PascalCase as on the wire` : `the fields are ${[...allowed].join(", ")}`,
      );
    }
  }
  return input as Record<string, unknown>;
}

/**
 * Checks a `SendBonus` input against the service model and returns it with
 * the amount in cents. Throws a `ValidationError` naming the first bad field.
 */
export function validateSendBonus(input: unknown): { input: SendBonusInput; cents: number } {
  const record = checkFields(input, SEND_BONUS_FIELDS, "SendBonus");
  const WorkerId = checkId("WorkerId", record.WorkerId, WORKER_ID_PATTERN, "A1B2C3D4E5F6G7");
  const cents = checkAmount(record.BonusAmount);
  const AssignmentId = checkId("AssignmentId", record.AssignmentId, ENTITY_ID_PATTERN, "3X1FV8S5J09OQY1JC80W57HTHFJGVM");
  const Reason = requireString("Reason", record.Reason);
  if (Reason.trim() === "") {
    throw new ValidationError("Reason", "is empty", "the service requires a reason, and the worker reads it");
  }
  const valid: SendBonusInput = { WorkerId, BonusAmount: record.BonusAmount as string, AssignmentId, Reason };
  if (record.UniqueRequestToken !== undefined) valid.UniqueRequestToken = checkToken("UniqueRequestToken", record.UniqueRequestToken);
  return { input: valid, cents };
}

/** Checks a `ListBonusPayments` input. */
export function validateListBonusPayments(input: unknown): ListBonusPaymentsInput {
  const record = checkFields(input, LIST_FIELDS, "ListBonusPayments");
  const valid: ListBonusPaymentsInput = {
    AssignmentId: checkId("AssignmentId", record.AssignmentId, ENTITY_ID_PATTERN, "3X1FV8S5J09OQY1JC80W57HTHFJGVM"),
  };
  if (record.MaxResults !== undefined) {
    const max = record.MaxResults;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > 100) {
      throw new ValidationError("MaxResults", `is ${describeValue(max)}`, "it must be a whole number from 1 to 100");
    }
    valid.MaxResults = max;
  }
  if (record.NextToken !== undefined) {
    const token = requireString("NextToken", record.NextToken);
    if (token.length < 1 || token.length > 255) {
      throw new ValidationError("NextToken", `has ${token.length} characters`, "it must be 1 to 255 characters");
    }
    valid.NextToken = token;
  }
  return valid;
}
