/**
 * The AWS JSON 1.1 wire forms the simulator answers with. Every answer is a
 * plain {@link SimResponse} so the node:http server and the msw handlers
 * can send the very same bytes.
 */
import type { DuplicateWording } from "./operations.js";

/** The `X-Amz-Target` prefix of the MTurk Requester API 2017-01-17. */
export const TARGET_PREFIX = "MTurkRequesterServiceV20170117.";

/** The only request and response content type of AWS JSON 1.1. */
export const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";

/** SigV4 service name of MTurk. */
export const SERVICE_NAME = "mturk-requester";

/** The operations the simulator implements. */
export const OPERATIONS = ["SendBonus", "GetAccountBalance", "ListBonusPayments"] as const;

/** One of {@link OPERATIONS}. */
export type OperationName = (typeof OPERATIONS)[number];

/** An HTTP answer, transport-neutral. Header names are lowercase. */
export interface SimResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Per-request facts every answer needs. */
export interface ResponseContext {
  /** The UUID sent back in `x-amzn-RequestId`. */
  readonly requestId: string;
  /** Server time, epoch milliseconds, for the `Date` header. */
  readonly now: number;
  /** How a repeated token is answered. @default "token" */
  readonly duplicateWording?: DuplicateWording;
}

/** Returns the operation name of an `X-Amz-Target` value, if it names one the simulator implements. */
export function operationOf(target: string | undefined): OperationName | undefined {
  if (target === undefined || !target.startsWith(TARGET_PREFIX)) return undefined;
  const name = target.slice(TARGET_PREFIX.length);
  return (OPERATIONS as readonly string[]).includes(name) ? (name as OperationName) : undefined;
}

/** Standard headers of every AWS answer. */
export function awsHeaders(ctx: ResponseContext, contentType = JSON_CONTENT_TYPE): Record<string, string> {
  return {
    "content-type": contentType,
    "x-amzn-requestid": ctx.requestId,
    date: new Date(ctx.now).toUTCString(),
  };
}

/** A JSON answer. */
export function jsonResponse(status: number, body: unknown, ctx: ResponseContext): SimResponse {
  return { status, headers: awsHeaders(ctx), body: JSON.stringify(body) };
}

/**
 * A Coral-style error (authentication, validation, throttling, unknown
 * operation): bare `__type` and a lowercase `message`, as those services send.
 */
export function coralError(
  status: number,
  type: string,
  message: string | undefined,
  ctx: ResponseContext,
): SimResponse {
  return jsonResponse(status, message === undefined ? { __type: type } : { __type: type, message }, ctx);
}

/** Appends the server epoch-milliseconds suffix MTurk puts on every error message. */
export function stamped(message: string, epochMs: number): string {
  return `${message} (${epochMs})`;
}

/** The modeled MTurk errors, with PascalCase `Message` and `TurkErrorCode`. */
export function turkError(
  type: "RequestError" | "ServiceFault",
  message: string,
  turkErrorCode: string | undefined,
  status: number,
  ctx: ResponseContext,
): SimResponse {
  const body: Record<string, string> = { __type: type, Message: message };
  if (turkErrorCode !== undefined) body.TurkErrorCode = turkErrorCode;
  return jsonResponse(status, body, ctx);
}
