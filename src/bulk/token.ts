/**
 * Row tokens for the bulk payer. A row's token is its bonus identity
 * (`src/identity.ts`): worker, assignment, cents, reason, its occurrence
 * among identical rows, and the namespace; never the other rows, the file or
 * a batch id. So an edited, sorted, appended, split or renamed file, or a
 * deleted journal, derives the same token for the same bonus.
 *
 * The batch id and content hash stay, for naming journals and noticing a
 * changed input; tokens do not depend on them.
 */
import * as crypto from "node:crypto";
import { createHash } from "node:crypto";
import { bonusKey, TOKEN_PREFIX, tokenInput, type BonusIdentity, type Sha256Sync } from "../identity.js";
import type { BonusRow } from "./rows.js";

export { deriveToken, TOKEN_PREFIX } from "../identity.js";

/** Batch ids: short, safe in file names and logs. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** `crypto.hash` (Node 20.12+): one call, no Hash object per row. */
const oneShot = (
  crypto as { hash?: (algorithm: string, data: string, encoding: "buffer" | "base64url") => Buffer | string }
).hash;

/** node:crypto's SHA-256: the same bytes as the portable one, many times faster. */
export const nodeSha256: Sha256Sync =
  oneShot === undefined ? (text) => sha256(text) : (text) => oneShot("sha256", text, "buffer") as Buffer;

/** Unpadded base64url of a SHA-256: 32 bytes are exactly 43 characters. */
const DIGEST_CHARS = 43;

/** Where a token is assembled: the prefix, written once, then each digest in turn (one row at a time, synchronously). */
const tokenBytes = Buffer.alloc(TOKEN_PREFIX.length + DIGEST_CHARS);
tokenBytes.write(TOKEN_PREFIX, 0, "latin1");

/**
 * `deriveToken` of `src/identity.ts` with node:crypto: the same token (its
 * `tokenInput`, SHA-256, unpadded base64url), read out of one buffer as one
 * flat string. `TOKEN_PREFIX + digest` is a V8 cons string (a 32-byte pair
 * over the digest) that the plan's first Map lookup flattens into a copy:
 * for a million rows, 32 MB more kept and 64 MB more allocated.
 */
function nodeToken(namespace: string, bonus: BonusIdentity, occurrence: number): string {
  const input = tokenInput(namespace, bonus, occurrence);
  const digest =
    oneShot === undefined ? sha256(input).toString("base64url") : (oneShot("sha256", input, "base64url") as string);
  tokenBytes.write(digest, TOKEN_PREFIX.length, DIGEST_CHARS, "latin1");
  return tokenBytes.toString("latin1");
}

/**
 * SHA-256 (hex) of what the rows say, in order: worker, assignment, cents,
 * reason and token. Line endings, quoting, a BOM or `"1.5"` versus `"1.50"`
 * do not change it; any change to what would be paid does.
 */
export function contentHash(rows: readonly BonusRow[]): string {
  const hash = createHash("sha256").update('["mturk-bonus/rows/v1",[');
  for (const [i, r] of rows.entries()) {
    hash.update(
      (i === 0 ? "" : ",") +
        JSON.stringify([r.WorkerId, r.AssignmentId, r.cents, r.Reason, r.UniqueRequestToken ?? null]),
    );
  }
  return hash.update("]]").digest("hex");
}

/** The batch id used when none is given: derived from the content, so the same file is the same batch (a name only). */
export function defaultBatchId(rows: readonly BonusRow[]): string {
  return batchIdOf(contentHash(rows));
}

/** {@link defaultBatchId} from a {@link contentHash} already computed (hashing a million rows twice costs a second). */
export function batchIdOf(content: string): string {
  return `b-${content.slice(0, 16)}`;
}

/**
 * The token of every row: its own if given, else derived from the namespace
 * and the row's identity; identical rows (equal {@link bonusKey}) are
 * numbered in file order, so that rows allowed as duplicates are each paid.
 *
 * `duplicatesPossible: false` (rows validated without `allowDuplicates`, so
 * no two share a worker and assignment, let alone a key) skips counting.
 */
export function tokensFor(rows: readonly BonusRow[], namespace: string, duplicatesPossible = true): string[] {
  const seen = duplicatesPossible ? new Map<string, number>() : undefined;
  return rows.map((row) => {
    if (row.UniqueRequestToken !== undefined) return row.UniqueRequestToken;
    let occurrence = 0;
    if (seen !== undefined) {
      const key = bonusKey(row);
      occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
    }
    return nodeToken(namespace, row, occurrence);
  });
}

/**
 * Tokens as version 1 journals derived them (from their batch id), so that a
 * journal written by an earlier version still resumes with its own tokens.
 */
export function legacyTokensFor(rows: readonly BonusRow[], batchId: string): string[] {
  const seen = new Map<string, number>();
  return rows.map((row) => {
    if (row.UniqueRequestToken !== undefined) return row.UniqueRequestToken;
    const key = bonusKey(row);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const digest = sha256(
      JSON.stringify([
        "mturk-bonus/token/v1",
        batchId,
        row.WorkerId,
        row.AssignmentId,
        row.cents,
        row.Reason,
        occurrence,
      ]),
    );
    return `mtb1-${digest.toString("base64url").slice(0, 43)}`;
  });
}
