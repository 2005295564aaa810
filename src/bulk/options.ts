/**
 * The payout's options, checked and with their defaults, before anything
 * else happens. Pure.
 */
import { NAMESPACE_PATTERN } from "../identity.js";
import { checkOption } from "../options.js";
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
  if (infinite && value === Number.POSITIVE_INFINITY) return value;
  const valid = value !== undefined && value > 0 && Number.isFinite(value) && (!integer || Number.isInteger(value));
  return checkOption(name, value, valid, `a positive ${integer ? "whole " : ""}number`) ?? fallback;
}

/** Checks the numbers of a payout's options and applies their defaults; throws `ValidationError`. */
export function settingsOf(options: PayBonusesOptions): Settings {
  const { retryDelayMs: given } = options;
  const retryDelayMs = checkOption("retryDelayMs", given, given !== undefined && given >= 0, "0 or more") ?? 1000;
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
  const { batchId, namespace } = options;
  const id = 'letters, digits, ".", "_", ":"';
  checkOption(
    "batchId",
    batchId,
    batchId !== undefined && BATCH_ID_PATTERN.test(batchId),
    `1 to 64 ${id} or "-", starting with a letter or digit`,
  );
  checkOption(
    "namespace",
    namespace,
    namespace !== undefined && NAMESPACE_PATTERN.test(namespace),
    `1 to 128 ${id}, "/" or "-", starting with a letter or digit`,
  );
}
