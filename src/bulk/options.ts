/**
 * The payout's options, checked and with their defaults, before anything
 * else happens. Pure.
 */
import { ValidationError } from "../errors.js";
import { NAMESPACE_PATTERN } from "../identity.js";
import { BATCH_ID_PATTERN } from "./token.js";
import type { PayBonusesOptions } from "./types.js";

/** {@link PayBonusesOptions} resolved: every number checked, every default applied. */
export interface Settings {
  readonly concurrency: number;
  /** Requests per second; `Infinity`: no client-side limit. */
  readonly rate: number;
  readonly maxSends: number;
  readonly retryDelayMs: number;
  readonly payAgain: boolean;
}

/** `value` if it is a positive (whole) number, `fallback` if absent; `Infinity` only where `infinite`. */
export function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  integer: boolean,
  infinite = false,
): number {
  if (value === undefined) return fallback;
  if (infinite && value === Number.POSITIVE_INFINITY) return value;
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ValidationError(name, `is ${String(value)}`, `it must be a positive ${integer ? "whole " : ""}number`);
  }
  return value;
}

/** Checks the numbers of a payout's options and applies their defaults; throws `ValidationError`. */
export function settingsOf(options: PayBonusesOptions): Settings {
  const retryDelayMs = options.retryDelayMs ?? 1000;
  if (!(retryDelayMs >= 0)) throw new ValidationError("retryDelayMs", `is ${retryDelayMs}`, "it must be 0 or more");
  return {
    concurrency: positive("concurrency", options.concurrency, 4, true),
    rate: positive("rate", options.rate, 5, false, true),
    maxSends: positive("maxSendsPerRow", options.maxSendsPerRow, 6, true),
    retryDelayMs,
    payAgain: options.payAgainAfter24h ?? false,
  };
}

/** Refuses a malformed batch id or namespace before anything else. */
export function checkNames(options: { batchId?: string; namespace?: string }): void {
  if (options.batchId !== undefined && !BATCH_ID_PATTERN.test(options.batchId)) {
    throw new ValidationError(
      "batchId",
      `${JSON.stringify(options.batchId)} is not a batch id`,
      `it must be 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`,
    );
  }
  if (options.namespace !== undefined && !NAMESPACE_PATTERN.test(options.namespace)) {
    throw new ValidationError(
      "namespace",
      `${JSON.stringify(options.namespace)} is not a namespace`,
      `it must be 1 to 128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit`,
    );
  }
}
