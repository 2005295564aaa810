/**
 * MTurk's closure, in one place for `--help` and for errors: what an answer
 * from a retired endpoint most likely means. The dates are from MTurk's
 * closure FAQ.
 */
import type { MTurkError } from "../errors.js";

/** The closure, as `mturk-bonus --help` states it. */
export const CLOSURE_NOTE = `Amazon Mechanical Turk has closed: HITs stopped on 2026-09-30, bonuses could be
awarded until 2026-10-30, and transaction history stays viewable until 2027-01-28.
Real MTurk payments are no longer possible after 2026-10-30. This tool still
serves any endpoint that speaks the MTurk Requester API (--endpoint), the built-in
simulator (mturk-bonus simulate, mturk-bonus demo), and reading back bonuses
(list) and balances (balance) while MTurk still shows its history.`;

/** The endpoints the closure applies to: production and sandbox. */
const MTURK_HOSTS = /^(production|sandbox)$/;

/** Network failures that a retired host could cause. */
const GONE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "CERT_HAS_EXPIRED",
]);

let currentTarget: string | undefined;

/** Remembers where this command's requests go (one target per command run). */
export function rememberTarget(label: string): void {
  currentTarget = label;
}

/** True for the answers a retired MTurk endpoint could give: a page that is not AWS JSON, a 403, a refused or vanished host. */
export function looksRetired(error: MTurkError): boolean {
  if (error.name === "UnexpectedResponseError") return true;
  if (error.$metadata.httpStatusCode === 403 || error.$metadata.httpStatusCode === 410) return true;
  if (/no longer (supported|available)|retired|discontinued/i.test(error.message)) return true;
  const code = (error as MTurkError & { code?: unknown }).code;
  return typeof code === "string" && GONE_CODES.has(code);
}

/** A line to add under an error from MTurk production or sandbox that may be the closure; "" otherwise. */
export function closureHint(error: MTurkError, target: string | undefined = currentTarget): string {
  if (target === undefined || !MTURK_HOSTS.test(target) || !looksRetired(error)) return "";
  return `MTurk stopped paying bonuses on 2026-10-30 and its ${target} endpoint may no longer answer as MTurk does. See "mturk-bonus --help".\n`;
}
