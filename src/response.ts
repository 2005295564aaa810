/**
 * Reads an AWS JSON 1.1 answer: a 2xx body as data, anything else as a typed
 * error. Never throws: garbage, truncated JSON and proxy HTML pages all
 * become an `MTurkError` with the status and a short excerpt.
 */
import {
  MTurkError,
  RequestError,
  ServiceFault,
  ThrottlingException,
  UnexpectedResponseError,
  type MTurkErrorInit,
} from "./errors.js";
import { bare } from "./bare.js";
import { retryableField, retryKind, THROTTLING_CODES } from "./retry.js";
import type { WireResponse } from "./transport/types.js";

const EXCERPT_LENGTH = 200;

/** The request id, under any of the header names AWS services use. */
export function requestIdOf(response: WireResponse): string | undefined {
  return (
    response.header("x-amzn-requestid") ?? response.header("x-amzn-request-id") ?? response.header("x-amz-request-id")
  );
}

/**
 * Normalizes an error code as the AWS JSON protocol says: drop anything after
 * `:` (a URL suffix), keep what follows the last `#` (a namespace prefix).
 * A header repeated by a proxy arrives joined with `,`: the first one counts.
 */
export function sanitizeErrorCode(raw: string): string {
  const first = raw.split(",", 1)[0] ?? raw;
  const beforeColon = first.split(":", 1)[0] ?? first;
  const hash = beforeColon.lastIndexOf("#");
  return (hash === -1 ? beforeColon : beforeColon.slice(hash + 1)).trim();
}

/** A short, single-line piece of a body for error messages. */
export function excerptOf(body: string): string {
  const flat = body.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH)}…` : flat;
}

/** Objects of an answer inherit nothing, so a field the answer lacks is never read from a polluted `Object.prototype`. */
function withoutPrototype(_key: string, value: unknown): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? bare(value) : value;
}

function parseObject(body: string): Record<string, unknown> | undefined {
  // "{}" is SendBonus's answer: no reviver to run for it.
  if (body === "{}" || body.trim() === "") return bare<Record<string, unknown>>();
  try {
    const value: unknown = JSON.parse(body, withoutPrototype);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function stringField(record: Record<string, unknown> | undefined, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = record?.[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

/**
 * The body's error code: a `code` member under any casing (`code`, `Code`,
 * `cOdE`, as the AWS SDK for JavaScript reads it), else `__type`.
 */
export function bodyErrorCode(record: Record<string, unknown> | undefined): string | undefined {
  if (record === undefined) return undefined;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (key.toLowerCase() === "code" && typeof value === "string" && value !== "") return value;
  }
  return stringField(record, "__type");
}

export type ParsedResponse = { ok: true; data: Record<string, unknown> } | { ok: false; error: MTurkError };

/**
 * Parses one answer. `redact` scrubs secrets from any text taken from the
 * body, in case a proxy echoes the request back.
 */
export function parseResponse(response: WireResponse, redact: (text: string) => string): ParsedResponse {
  const { status, body } = response;
  const record = parseObject(body);
  if (status >= 200 && status < 300 && record !== undefined) return { ok: true, data: record };
  const $metadata = { httpStatusCode: status, requestId: requestIdOf(response) };

  if (status >= 200 && status < 300) {
    // Redacted before it is cut: a cut through a secret would leave a prefix the redactor cannot recognise.
    const excerpt = excerptOf(redact(body));
    return {
      ok: false,
      error: new UnexpectedResponseError({
        message: `HTTP ${status} with a body that is not a JSON object: ${excerpt}`,
        excerpt,
        $fault: "server",
        $metadata,
        // Re-sending with the same token settles whether it was paid.
        $retryable: { throttling: false },
        // A 2xx that is not the service's answer (a captive portal, a broken proxy) says nothing about whether the bonus was paid.
        outcomeUnknown: true,
      }),
    };
  }

  // An empty header (a gateway may add one) must not hide the body's code.
  const rawCode = response.header("x-amzn-errortype") || bodyErrorCode(record);
  const code = rawCode === undefined ? undefined : redact(sanitizeErrorCode(rawCode));
  const $fault = status >= 500 ? "server" : "client";
  const outcomeUnknown = status >= 500;

  if (code === undefined || code === "") {
    const excerpt = excerptOf(redact(body));
    const init: MTurkErrorInit & { excerpt: string } = {
      message: `HTTP ${status} without an AWS error code${excerpt ? `: ${excerpt}` : " and an empty body"}`,
      excerpt,
      $fault,
      $metadata,
      outcomeUnknown,
    };
    init.$retryable = retryableField(retryKind(init));
    return { ok: false, error: new UnexpectedResponseError(init) };
  }

  const message = redact(stringField(record, "Message", "message") ?? `HTTP ${status} ${code}`);
  const init: MTurkErrorInit = { name: code, message, $fault, $metadata, outcomeUnknown };
  init.$retryable = retryableField(retryKind(init));
  const turkErrorCode = stringField(record, "TurkErrorCode");
  if (turkErrorCode !== undefined) init.TurkErrorCode = redact(turkErrorCode);

  if (code === "RequestError") return { ok: false, error: new RequestError(init) };
  if (code === "ServiceFault") return { ok: false, error: new ServiceFault({ ...init, outcomeUnknown: true }) };
  if (THROTTLING_CODES.has(code) || status === 429) return { ok: false, error: new ThrottlingException(init) };
  return { ok: false, error: new MTurkError(init) };
}
