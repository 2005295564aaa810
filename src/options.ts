/**
 * The one checker for options, wherever the library takes them (the
 * client, the queue consumer, the bulk payer, the CLI): a bad option throws
 * a `ValidationError` before anything is sent, naming the option, its value
 * and the rule, always in the same words, e.g.
 * `maxAttempts is number 0: it must be a whole number from 1 to 100`.
 */
import { ValidationError } from "./errors.js";

/** A short, printable rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return "null";
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return `${typeof value} ${String(value)}`;
}

/**
 * Checks an optional option: `undefined` stays `undefined` (the caller
 * applies its default); otherwise, unless `valid`, it throws a
 * `ValidationError` saying the value must be `rule` (e.g. `"a positive number"`).
 */
export function checkOption<T>(name: string, value: T | undefined, valid: boolean, rule: string): T | undefined {
  if (value !== undefined && !valid)
    throw new ValidationError(name, `is ${describeValue(value)}`, `it must be ${rule}`);
  return value;
}

/** Checks an optional whole-number option or field from `min` to `max`. */
export function checkWholeNumber(name: string, value: unknown, min: number, max: number): number | undefined {
  const valid = Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
  return checkOption(name, value as number | undefined, valid, `a whole number from ${min} to ${max}`);
}
