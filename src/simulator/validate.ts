/**
 * Input validation as the service does it: the 2017-01-17 model's
 * constraints, reported in Coral's `ValidationException` words with
 * lowerCamel member names, e.g.
 * `1 validation error detected: Value '0.9752' at 'bonusAmount' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9]+(\.)?[0-9]{0,2}$`.
 */
import { CURRENCY_AMOUNT } from "./money.js";

/** A model constraint on one string member. */
interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
}

/** A model constraint on one integer member. */
interface IntegerRule {
  readonly integer: true;
  readonly min: number;
  readonly max: number;
}

type Rule = StringRule | IntegerRule;

/** Members of each input shape, in model order. */
const SHAPES = {
  SendBonus: {
    WorkerId: { required: true, min: 1, max: 64, pattern: /^A[A-Z0-9]+$/ },
    BonusAmount: { required: true, pattern: CURRENCY_AMOUNT },
    AssignmentId: { required: true, min: 1, max: 64, pattern: /^[A-Z0-9]+$/ },
    Reason: { required: true },
    UniqueRequestToken: { min: 1, max: 64 },
  },
  GetAccountBalance: {},
  ListBonusPayments: {
    HITId: { min: 1, max: 64, pattern: /^[A-Z0-9]+$/ },
    AssignmentId: { min: 1, max: 64, pattern: /^[A-Z0-9]+$/ },
    NextToken: { min: 1, max: 255 },
    MaxResults: { integer: true, min: 1, max: 100 },
  },
} satisfies Record<string, Record<string, Rule>>;

/** Operations with a validated input shape. */
export type ValidatedOperation = keyof typeof SHAPES;

/** How a member of the wrong JSON type is reported: Coral refuses to deserialize it at all. */
export interface SerializationProblem {
  readonly kind: "serialization";
  readonly message: string;
}

/** Constraint violations, ready to send as a `ValidationException`. */
export interface ValidationProblem {
  readonly kind: "validation";
  readonly message: string;
}

function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function quote(value: unknown): string {
  return value === null || value === undefined ? "null" : `'${String(value)}'`;
}

function violations(name: string, value: unknown, rule: Rule): string[] {
  const at = `Value ${quote(value)} at '${lowerCamel(name)}' failed to satisfy constraint: `;
  if (value === undefined || value === null) {
    return "required" in rule && rule.required ? [`${at}Member must not be null`] : [];
  }
  const found: string[] = [];
  if ("integer" in rule) {
    const n = value as number;
    if (n < rule.min) found.push(`${at}Member must have value greater than or equal to ${rule.min}`);
    if (n > rule.max) found.push(`${at}Member must have value less than or equal to ${rule.max}`);
    return found;
  }
  const s = value as string;
  if (rule.min !== undefined && s.length < rule.min) {
    found.push(`${at}Member must have length greater than or equal to ${rule.min}`);
  }
  if (rule.max !== undefined && s.length > rule.max) {
    found.push(`${at}Member must have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern !== undefined && !rule.pattern.test(s)) {
    found.push(`${at}Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  }
  return found;
}

function typeProblem(name: string, value: unknown, rule: Rule): string | undefined {
  if (value === undefined || value === null) return undefined;
  if ("integer" in rule) {
    return Number.isInteger(value) ? undefined : `NUMBER_VALUE can not be converted to an Integer (member ${name})`;
  }
  return typeof value === "string" ? undefined : `Expected a string for member ${name}, got ${typeof value}`;
}

/**
 * Checks a parsed JSON input against its operation's shape. Unknown members
 * are ignored, as Coral does.
 */
export function validateInput(
  operation: ValidatedOperation,
  input: Record<string, unknown>,
): SerializationProblem | ValidationProblem | undefined {
  const shape: Record<string, Rule> = SHAPES[operation];
  const found: string[] = [];
  for (const [name, rule] of Object.entries(shape)) {
    const typeError = typeProblem(name, input[name], rule);
    if (typeError) return { kind: "serialization", message: typeError };
    found.push(...violations(name, input[name], rule));
  }
  if (found.length === 0) return undefined;
  const count = found.length === 1 ? "1 validation error detected" : `${found.length} validation errors detected`;
  return { kind: "validation", message: `${count}: ${found.join("; ")}` };
}
