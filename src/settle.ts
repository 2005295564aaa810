/**
 * Settling a SendBonus refusal by evidence. MTurk documents only that a
 * repeated token "will return an error with a message containing the request
 * ID"; the wording is unpublished. So a refusal is recognised as the
 * duplicate answer only when it names this call (its token, or the request
 * id of one of its earlier attempts); any other refusal that could be the
 * duplicate answer is settled by reading back `ListBonusPayments`.
 */
import type { MTurkError } from "./errors.js";

/**
 * What a refusal says about a bonus:
 * - `duplicate`: certainly MTurk's answer to a token it already processed (it names this call's token or an earlier attempt's request id): the bonus is paid;
 * - `maybe`: worded as a duplicate ("already been processed", "already exists", …) without naming this call: it could be that answer;
 * - `refusal`: anything else.
 */
export type DuplicateVerdict = "duplicate" | "maybe" | "refusal";

/** How a `sendBonus` call was settled. */
export type SettledBy = "response" | "duplicate-token" | "read-back";

/** Wordings used for a duplicate: "has already been processed" and "already exists" seen from MTurk (§8 of the protocol notes), and the generic words. */
export const DUPLICATE_WORDING = /already (?:been )?processed|already exists|duplicate|idempoten/i;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * True when `text` holds `token` as a whole word: not inside a longer run of
 * token characters, so a short token such as `"1"` is not found in MTurk's
 * `(1626172412406)` time suffix.
 */
export function mentions(text: string, token: string): boolean {
  return token !== "" && new RegExp(`(?:^|[^\\w-])${escapeRegExp(token)}(?:$|[^\\w-])`).test(text);
}

/**
 * Classifies an error answered to a SendBonus attempt.
 * @param requestIds - the request ids of this call's other answers (the "original request ID" a duplicate answer may name)
 */
export function duplicateVerdict(
  error: MTurkError,
  token: string,
  requestIds: readonly string[] = [],
): DuplicateVerdict {
  if (error.name !== "RequestError") return "refusal";
  const text = error.message;
  if (mentions(text, token) || requestIds.some((id) => id !== "" && mentions(text, id))) return "duplicate";
  return DUPLICATE_WORDING.test(text) || DUPLICATE_WORDING.test(error.TurkErrorCode ?? "") ? "maybe" : "refusal";
}

/** What a read-back looks for. */
export interface PaidBonus {
  WorkerId: string;
  cents: number;
  Reason: string;
  /** Earliest `GrantTime` that can be this call's payment, epoch ms on MTurk's clock. */
  since: number;
}

/** One listed payment, with its amount already in cents (`undefined` when unreadable). */
export interface ListedPayment {
  WorkerId: string;
  cents: number | undefined;
  Reason: string;
  GrantTime: Date;
}

/** True when a listed payment is this bonus: same worker, amount and reason, granted since the first attempt. */
export function isThisBonus(payment: ListedPayment, bonus: PaidBonus): boolean {
  return (
    payment.WorkerId === bonus.WorkerId &&
    payment.cents === bonus.cents &&
    payment.Reason === bonus.Reason &&
    payment.GrantTime.getTime() >= bonus.since
  );
}
