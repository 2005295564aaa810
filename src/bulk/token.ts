/**
 * Deterministic identities: the content hash of a batch, its default batch
 * id, and each row's `UniqueRequestToken`. Running the same rows again
 * derives the same tokens, so MTurk refuses to pay any of them twice.
 */
import { createHash } from "node:crypto";
import type { BonusRow } from "./rows.js";

/** Tokens derived by this version start with this; a new derivation would get a new prefix. */
export const TOKEN_PREFIX = "mtb1-";

/** Batch ids: short, safe in file names and logs. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * SHA-256 (hex) of what the rows say, in order: worker, assignment, cents,
 * reason and token. Line endings, quoting, a BOM or `"1.5"` versus `"1.50"`
 * do not change it; any change to what would be paid does.
 */
export function contentHash(rows: readonly BonusRow[]): string {
  const canonical = rows.map((r) => [r.WorkerId, r.AssignmentId, r.cents, r.Reason, r.UniqueRequestToken ?? null]);
  return sha256(JSON.stringify(["mturk-bonus/rows/v1", canonical])).toString("hex");
}

/** The batch id used when none is given: derived from the content, so the same file is the same batch. */
export function defaultBatchId(rows: readonly BonusRow[]): string {
  return `b-${contentHash(rows).slice(0, 16)}`;
}

/**
 * The token of a row without one: a hash of the batch id and the row's
 * content (worker, assignment, cents, reason), plus `occurrence`, which
 * counts earlier identical rows so that rows allowed as duplicates are each
 * paid. 48 characters, within MTurk's 64.
 */
export function deriveToken(batchId: string, row: Pick<BonusRow, "WorkerId" | "AssignmentId" | "cents" | "Reason">, occurrence = 0): string {
  const digest = sha256(JSON.stringify(["mturk-bonus/token/v1", batchId, row.WorkerId, row.AssignmentId, row.cents, row.Reason, occurrence]));
  return TOKEN_PREFIX + digest.toString("base64url").slice(0, 43);
}

/** The token of every row: its own if given, else derived (identical rows numbered in file order). */
export function tokensFor(rows: readonly BonusRow[], batchId: string): string[] {
  const seen = new Map<string, number>();
  return rows.map((row) => {
    if (row.UniqueRequestToken !== undefined) return row.UniqueRequestToken;
    const key = JSON.stringify([row.WorkerId, row.AssignmentId, row.cents, row.Reason]);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return deriveToken(batchId, row, occurrence);
  });
}
