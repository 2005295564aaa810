/**
 * Every failure the library reports is an `MTurkError`. Field names follow
 * the AWS SDK for JavaScript v3 (`$fault`, `$metadata`, `$retryable`) so code
 * written against the SDK's errors reads the same here.
 */

/** What is known about the exchange that produced a result or an error. */
export interface ResponseMetadata {
  /** HTTP status of the last answer, if any answer arrived. */
  httpStatusCode?: number;
  /** The service's `x-amzn-RequestId` of the last answer, if any. */
  requestId?: string;
  /** How many HTTP attempts were made (0 when the call failed before any I/O). */
  attempts: number;
  /** Milliseconds spent waiting between attempts. */
  totalRetryDelay: number;
}

/** Fields common to every error; all but `message` are optional when constructing. */
export interface MTurkErrorInit {
  name?: string;
  message: string;
  TurkErrorCode?: string;
  $fault?: "client" | "server";
  $retryable?: { throttling: boolean };
  $metadata?: Partial<ResponseMetadata>;
  UniqueRequestToken?: string;
  outcomeUnknown?: boolean;
  cause?: unknown;
}

/**
 * The brand every error of this library carries, registered globally so that
 * a second copy of the library (another bundle, another realm) recognises it
 * while errors of other libraries, the AWS SDK's included, are not taken for ours.
 */
export const MTURK_ERROR_BRAND: unique symbol = Symbol.for("mturk-bonus.error") as never;

/** The base class of every error this library throws. */
export class MTurkError extends Error {
  // `declare`: optional fields are set only when present, so no own key ever holds `undefined`.
  /** MTurk's own error code for modeled errors, e.g. `AWS.MechanicalTurk.InsufficientFunds`. */
  declare readonly TurkErrorCode?: string;
  /** `client` when the request was at fault, `server` when the service was. */
  readonly $fault: "client" | "server";
  /** Present when the error is of a class that is retried (throttling or transient). */
  declare readonly $retryable?: { throttling: boolean };
  /** Status, request id, attempts and retry delay of the call that failed. */
  readonly $metadata: ResponseMetadata;
  /**
   * The token the failed call used. Calling `sendBonus` again with this token
   * can never pay twice: it either pays once or reports `alreadyGranted`.
   */
  declare UniqueRequestToken?: string;
  /**
   * True when the bonus may have been paid despite the error (an answer was
   * lost, timed out or came from a failing server after the request was
   * sent). Settle it by retrying with the same `UniqueRequestToken`.
   */
  outcomeUnknown: boolean;

  constructor(init: MTurkErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = init.name ?? "MTurkError";
    if (init.TurkErrorCode !== undefined) this.TurkErrorCode = init.TurkErrorCode;
    this.$fault = init.$fault ?? "client";
    if (init.$retryable !== undefined) this.$retryable = init.$retryable;
    this.$metadata = withoutUndefined({ attempts: 0, totalRetryDelay: 0, ...init.$metadata });
    if (init.UniqueRequestToken !== undefined) this.UniqueRequestToken = init.UniqueRequestToken;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }

  /** The message under the service's PascalCase name, as the AWS SDK's errors carry it. */
  get Message(): string {
    return this.message;
  }

  /** A plain, secret-free view for logs and `JSON.stringify`: the message and every field, without the stack or cause. */
  toJSON(): Record<string, unknown> {
    const { stack: _stack, ...fields } = this as Record<string, unknown>;
    return { name: this.name, message: this.message, ...fields };
  }
}

Object.defineProperty(MTurkError.prototype, MTURK_ERROR_BRAND, { value: true });

function withoutUndefined<T extends object>(record: T): T {
  for (const key of Object.keys(record) as Array<keyof T>) if (record[key] === undefined) delete record[key];
  return record;
}

/** MTurk's modeled client error (`__type` `RequestError`, HTTP 400): the request was refused. */
export class RequestError extends MTurkError {
  constructor(init: MTurkErrorInit) {
    super({ ...init, name: "RequestError", $fault: "client" });
  }
}

/** MTurk's modeled server error (`__type` `ServiceFault`, HTTP 500): retried, as the service asks. */
export class ServiceFault extends MTurkError {
  constructor(init: MTurkErrorInit) {
    super({ ...init, name: "ServiceFault", $fault: "server" });
  }
}

/** Local input that MTurk would refuse; thrown before any network I/O. */
export class ValidationError extends MTurkError {
  /** The input field at fault, e.g. `BonusAmount`. */
  readonly field: string;
  /** The rule it broke, e.g. the pattern it must match. */
  readonly rule: string;

  constructor(field: string, problem: string, rule: string) {
    super({ name: "ValidationError", message: `${field} ${problem}: ${rule}`, $fault: "client" });
    this.field = field;
    this.rule = rule;
  }
}

/**
 * The request or its answer was lost on the network: refused, reset, closed
 * early or timed out. `code` is the runtime's error code where one exists
 * (`ECONNRESET`, `ECONNREFUSED`, `UND_ERR_SOCKET`, `TimeoutError`, …).
 */
export class TransportError extends MTurkError {
  readonly code: string;

  constructor(init: MTurkErrorInit & { code: string }) {
    super({ ...init, name: init.name ?? "TransportError", $fault: "client" });
    this.code = init.code;
  }
}

/** An attempt got no complete answer within `timeoutMs`. A `TransportError`; retried with the same token. */
export class TimeoutError extends TransportError {
  constructor(init: MTurkErrorInit & { code: string }) {
    super({ ...init, name: "TimeoutError" });
  }
}

/**
 * MTurk asked the client to slow down: HTTP 429 or a throttling code
 * (`ThrottlingException`, `Throttling`, `TooManyRequestsException`, …).
 * `name` keeps the service's code; retried with backoff.
 */
export class ThrottlingException extends MTurkError {
  constructor(init: MTurkErrorInit) {
    super({ ...init, name: init.name ?? "ThrottlingException" });
  }
}

/** The `credentials` provider threw; its error is the `cause`. Nothing was sent by the attempt it was asked for. */
export class CredentialsProviderError extends MTurkError {
  constructor(init: MTurkErrorInit) {
    super({ ...init, name: "CredentialsProviderError", $fault: "client" });
  }
}

/** A call on a client after `destroy()`. */
export class ClientDestroyedError extends MTurkError {
  constructor() {
    super({
      name: "ClientDestroyedError",
      message: "This MTurkClient was destroyed; create a new one",
      $fault: "client",
    });
  }
}

/** The service answered with something that is not an AWS JSON answer: an HTML page, garbage, a truncated body. */
export class UnexpectedResponseError extends MTurkError {
  /** The first characters of the body, for diagnosis. */
  readonly excerpt: string;

  constructor(init: MTurkErrorInit & { excerpt: string }) {
    super({ ...init, name: "UnexpectedResponseError" });
    this.excerpt = init.excerpt;
  }
}

/** The caller's `AbortSignal` fired. The signal's reason is the `cause`. */
export class AbortError extends MTurkError {
  constructor(init: MTurkErrorInit) {
    super({ ...init, name: "AbortError", $fault: "client" });
  }
}

/**
 * Type guard that also works across realms and bundled copies of this
 * library, where `instanceof` does not: it looks for the library's
 * registered brand, so look-alikes such as the AWS SDK's errors are not matched.
 */
export function isMTurkError(value: unknown): value is MTurkError {
  if (value instanceof MTurkError) return true;
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  try {
    return (value as { [MTURK_ERROR_BRAND]?: unknown })[MTURK_ERROR_BRAND] === true;
  } catch {
    // A hostile proxy's trap is not ours.
    return false;
  }
}
