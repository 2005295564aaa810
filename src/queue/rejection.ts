/**
 * What a refused message becomes: its body and why it was refused, as plain
 * data that a dead-letter queue can carry and a person can act on. Built
 * from the error's own fields only, so no stack, cause or secret goes along.
 */
import { isMTurkError } from "../errors.js";
import type { Delivery } from "./types.js";

/** Why a bonus was refused. */
export interface RejectionReason {
  /** `ValidationError` (the body), `RequestError` (MTurk refused it), … */
  name: string;
  message: string;
  /** MTurk's code, e.g. `AWS.MechanicalTurk.InsufficientFunds`. */
  TurkErrorCode?: string;
  /** For a `ValidationError`: the field at fault and the rule it broke. */
  field?: string;
  rule?: string;
  httpStatusCode?: number;
  requestId?: string;
}

/** A refused message, as sent to the dead-letter queue and to `onRejected`. */
export interface Rejection {
  /** The message body exactly as delivered. */
  bonus: unknown;
  error: RejectionReason;
  /** The token the bonus was (or would have been) sent with, when the body was valid. */
  UniqueRequestToken?: string;
  /** The engine's message id. */
  messageId: string;
  /** Which delivery of the message was refused (1 for the first). */
  attempts: number;
  /** ISO 8601: when the message was enqueued, and when it was refused. */
  enqueuedAt: string;
  rejectedAt: string;
}

/** The secret-free fields of an error. */
export function describeError(error: unknown): RejectionReason {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const reason: RejectionReason = { name: error.name, message: error.message };
  if (isMTurkError(error)) {
    if (error.TurkErrorCode !== undefined) reason.TurkErrorCode = error.TurkErrorCode;
    if (error.$metadata.httpStatusCode !== undefined) reason.httpStatusCode = error.$metadata.httpStatusCode;
    if (error.$metadata.requestId !== undefined) reason.requestId = error.$metadata.requestId;
  }
  const { field, rule } = error as { field?: unknown; rule?: unknown };
  if (typeof field === "string") reason.field = field;
  if (typeof rule === "string") reason.rule = rule;
  return reason;
}

/** The rejection record of a delivery refused with `error`. */
export function toRejection(delivery: Delivery, error: unknown, token: string | undefined, now: number): Rejection {
  const rejection: Rejection = {
    bonus: delivery.body,
    error: describeError(error),
    messageId: delivery.id,
    attempts: delivery.attempts,
    enqueuedAt: isoOrInvalid(delivery.enqueuedAt),
    rejectedAt: isoOrInvalid(now),
  };
  if (token !== undefined) rejection.UniqueRequestToken = token;
  return rejection;
}

function isoOrInvalid(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : "unknown";
}
