/**
 * The identity of one bonus, defined once for the whole library: the bulk
 * payer, the queue consumer and the CLI's `send` derive tokens here, and
 * reconciliation and duplicate detection compare bonuses by `bonusKey`.
 *
 * A bonus is identified by itself (worker, assignment, amount in cents,
 * reason), by how many identical bonuses the user deliberately asked for
 * before it (`occurrence`), and by a namespace; never by the file, batch or
 * queue message around it. So an edited, sorted or re-saved file, or a
 * redelivered message, derives the same token for the same bonus, and
 * MTurk refuses to pay it twice within its 24-hour token window.
 *
 * Edge-safe: no `node:` import. SHA-256 is `@aws-crypto/sha256-js` by
 * default; Node callers may pass a faster hash with the same output.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { toCents } from "./money.js";

/** What identifies a bonus. `cents` is the amount as integer cents. */
export interface BonusIdentity {
  readonly WorkerId: string;
  readonly AssignmentId: string;
  readonly cents: number;
  readonly Reason: string;
}

/** A synchronous SHA-256 of a UTF-8 string. */
export type Sha256Sync = (text: string) => Uint8Array;

/** Tokens derived by this version start with this; a new derivation gets a new prefix. */
export const TOKEN_PREFIX = "mtb2-";

/** Namespaces: short, printable, safe in file names and logs. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

const encoder = new TextEncoder();

/** The portable hash: pure JavaScript, the same bytes on every runtime. */
export const portableSha256: Sha256Sync = (text) => {
  const hash = new Sha256();
  hash.update(encoder.encode(text));
  return hash.digestSync();
};

/**
 * The comparison key of a bonus: equal keys are the same bonus. Used for
 * duplicate detection, occurrence counting and matching `ListBonusPayments`
 * entries (convert their `BonusAmount` with `toCents` first).
 */
export function bonusKey(bonus: BonusIdentity): string {
  return JSON.stringify([bonus.WorkerId, bonus.AssignmentId, bonus.cents, bonus.Reason]);
}

/**
 * The {@link bonusKey} of a payment as `ListBonusPayments` lists it (amount
 * as a dollar string); `undefined` for an amount that is not one MTurk pays.
 */
export function paymentKey(payment: {
  readonly WorkerId: string;
  readonly AssignmentId: string;
  readonly BonusAmount: string;
  readonly Reason: string;
}): string | undefined {
  const cents = toCents(payment.BonusAmount);
  return cents === undefined ? undefined : bonusKey({ ...payment, cents });
}

/**
 * The default namespace for an endpoint: one per target, so that the
 * sandbox, production and a local simulator never share tokens.
 */
export function defaultNamespace(endpointOrigin: string): string {
  return `target:${endpointOrigin}`;
}

/**
 * The `UniqueRequestToken` of a bonus: a hash of the namespace, the bonus
 * and its occurrence among identical bonuses (0 for the first). 48
 * characters, within MTurk's 64.
 */
export function deriveToken(
  namespace: string,
  bonus: BonusIdentity,
  occurrence = 0,
  sha256: Sha256Sync = portableSha256,
): string {
  return TOKEN_PREFIX + base64url(sha256(tokenInput(namespace, bonus, occurrence))).slice(0, 43);
}

/**
 * The text a token is the SHA-256 of: {@link deriveToken} is `TOKEN_PREFIX`
 * and the first 43 characters of its unpadded base64url digest. Exposed so
 * that a runtime with a one-call hash to base64url (Node's `crypto.hash`)
 * derives the very same token without a copy of this definition.
 */
export function tokenInput(namespace: string, bonus: BonusIdentity, occurrence = 0): string {
  return JSON.stringify([
    "mturk-bonus/token/v2",
    namespace,
    bonus.WorkerId,
    bonus.AssignmentId,
    bonus.cents,
    bonus.Reason,
    occurrence,
  ]);
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** RFC 4648 §5 without padding; `Buffer` is not on every runtime. */
function base64url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}
