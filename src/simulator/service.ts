/**
 * The simulated MTurk endpoint, transport-neutral: a received request in,
 * an {@link Outcome} out. The node:http server and the msw handlers are thin
 * adapters over this, so both behave identically.
 *
 * Order of checks for an API request:
 * 1. SigV4 (when credentials are configured): failures answer as AWS does.
 * 2. `POST`, `Content-Type: application/x-amz-json-1.1`, a known `X-Amz-Target`.
 * 3. The fault schedule (only requests that got this far are eligible).
 * 4. JSON body, input validation, then the operation on the ledger.
 */
import { randomUUID } from "node:crypto";
import { dollarsToCents } from "./money.js";
import { faultResponse } from "./fault-responses.js";
import { parseFaultSpec, type FaultSchedule, type FaultSpec } from "./faults.js";
import type { Ledger, LedgerSnapshot } from "./ledger.js";
import { DUPLICATE_WORDINGS, runOperation, type DuplicateWording } from "./operations.js";
import {
  coralError,
  JSON_CONTENT_TYPE,
  operationOf,
  SERVICE_NAME,
  type ResponseContext,
  type SimResponse,
} from "./protocol.js";
import { headerMap, verifyRequest, type ReceivedRequest, type SigningCredentials } from "./sigv4.js";

/** Configuration of a {@link SimulatedService}. */
export interface ServiceOptions {
  /** Key pairs whose signatures are accepted. Absent: signatures are not checked at all. */
  readonly credentials?: SigningCredentials | readonly SigningCredentials[] | undefined;
  /** The region credential scopes must name. @default "us-east-1" */
  readonly region?: string | undefined;
  /** Accepted distance between `X-Amz-Date` and the clock. @default 300000 (5 minutes) */
  readonly maxClockSkewMs?: number | undefined;
  /** The wall clock for signatures and `Date` headers. @default Date.now */
  readonly now?: (() => number) | undefined;
  readonly ledger: Ledger;
  readonly faults: FaultSchedule;
  /** How a repeated `UniqueRequestToken` is answered; see {@link DUPLICATE_WORDINGS}. @default "token" */
  readonly duplicateWording?: DuplicateWording | undefined;
}

/**
 * What to do with a request: answer it (after `delayMs`), or process it and
 * then drop the connection without a word (`lostAnswer`).
 */
export type Outcome =
  | { readonly kind: "answer"; readonly response: SimResponse; readonly delayMs: number }
  | { readonly kind: "drop"; readonly delayMs: number };

/** The ledger plus the faults still armed: the body of `GET /__ledger`. */
export interface SimulatorSnapshot extends LedgerSnapshot {
  readonly faults: readonly FaultSpec[];
}

/**
 * A test-time command, the body of `POST /__control`. Applied in this
 * order: `reset`, `clearFaults`, `faults`, `balance`, `assignments`, `advanceClockMs`, `duplicateWording`.
 */
export interface ControlAction {
  /** Back to the starting balance, nothing paid, no tokens, zero counters, no faults, clock unshifted, the starting duplicate wording. */
  readonly reset?: boolean;
  /** Disarm every fault. */
  readonly clearFaults?: boolean;
  /** Arm these faults after those already armed. */
  readonly faults?: readonly FaultSpec[];
  /** Set the available balance, in dollars. */
  readonly balance?: string;
  /** Bind assignments to the workers who did them. */
  readonly assignments?: Readonly<Record<string, string>>;
  /** Move the ledger clock forward (token expiry, grant times); signatures still use the wall clock. */
  readonly advanceClockMs?: number;
  /** Answer repeated tokens in this wording from now on; see {@link DUPLICATE_WORDINGS}. */
  readonly duplicateWording?: DuplicateWording;
}

function answer(response: SimResponse, delayMs = 0): Outcome {
  return { kind: "answer", response, delayMs };
}

function parseObject(body: Uint8Array | string): Record<string, unknown> | undefined {
  try {
    const text =
      typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
    const parsed: unknown = JSON.parse(text === "" ? "{}" : text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function checkWording(value: unknown): DuplicateWording {
  if (!(DUPLICATE_WORDINGS as readonly unknown[]).includes(value)) {
    throw new TypeError(
      `duplicateWording must be one of ${DUPLICATE_WORDINGS.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return value as DuplicateWording;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One simulated endpoint: verifier, fault schedule and ledger together. */
export class SimulatedService {
  readonly ledger: Ledger;
  readonly faults: FaultSchedule;
  readonly #credentials: ServiceOptions["credentials"];
  readonly #region: string;
  readonly #maxSkewMs: number | undefined;
  readonly #now: () => number;
  #duplicateWording: DuplicateWording;
  readonly #initialWording: DuplicateWording;

  constructor(options: ServiceOptions) {
    this.ledger = options.ledger;
    this.faults = options.faults;
    this.#credentials = options.credentials;
    this.#region = options.region ?? "us-east-1";
    this.#maxSkewMs = options.maxClockSkewMs;
    this.#now = options.now ?? Date.now;
    this.#initialWording = checkWording(options.duplicateWording ?? "token");
    this.#duplicateWording = this.#initialWording;
  }

  /** The region credential scopes must name. */
  get region(): string {
    return this.#region;
  }

  /** Handles one API request. Never throws for anything a client can send. */
  handle(request: ReceivedRequest): Outcome {
    const now = this.#now();
    const ctx: ResponseContext = { requestId: randomUUID(), now, duplicateWording: this.#duplicateWording };
    const counters = this.ledger.counters;
    counters.requests++;

    if (this.#credentials !== undefined) {
      const verdict = verifyRequest(request, {
        credentials: this.#credentials,
        region: this.#region,
        service: SERVICE_NAME,
        now,
        ...(this.#maxSkewMs === undefined ? {} : { maxSkewMs: this.#maxSkewMs }),
      });
      if (!verdict.ok) {
        counters.signatureFailures++;
        return answer(coralError(verdict.error.status, verdict.error.type, verdict.error.message, ctx));
      }
    }

    const headers = headerMap(request.headers);
    const target = headers.get("x-amz-target")?.[0];
    const operation = operationOf(target);
    if (request.method.toUpperCase() !== "POST" || operation === undefined) {
      return answer(coralError(400, "UnknownOperationException", undefined, ctx));
    }
    counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
    const contentType = headers.get("content-type")?.[0]?.split(";")[0]?.trim().toLowerCase();
    if (contentType !== JSON_CONTENT_TYPE) {
      return answer(
        coralError(
          400,
          "UnknownOperationException",
          `Content-Type must be ${JSON_CONTENT_TYPE}, got ${contentType ?? "none"}.`,
          ctx,
        ),
      );
    }

    const draw = this.faults.draw(operation);
    for (const kind of draw.fired) counters.faults[kind] = (counters.faults[kind] ?? 0) + 1;
    if (draw.fault !== undefined && draw.fault.kind !== "lostAnswer") {
      return answer(faultResponse(draw.fault, ctx, this.ledger.now()), draw.delayMs);
    }

    const input = parseObject(request.body);
    let response: SimResponse;
    if (input === undefined) {
      counters.validationFailures++;
      response = coralError(400, "SerializationException", "Start of structure or map found where not expected.", ctx);
    } else {
      response = runOperation(this.ledger, operation, input, ctx);
    }
    if (draw.fault?.kind === "lostAnswer") return { kind: "drop", delayMs: draw.delayMs };
    return answer(response, draw.delayMs);
  }

  /** The ledger and the faults still armed. */
  snapshot(): SimulatorSnapshot {
    return { ...this.ledger.snapshot(), faults: this.faults.pending() };
  }

  /**
   * Applies a {@link ControlAction} (from code or an untrusted `/__control`
   * body) and returns the resulting snapshot. Throws a `TypeError` for a
   * malformed action before changing anything.
   */
  control(action: unknown): SimulatorSnapshot {
    if (!isRecord(action)) throw new TypeError("a control action must be a JSON object");
    const { reset, clearFaults, faults, balance, assignments, advanceClockMs, duplicateWording } = action;
    const wording = duplicateWording === undefined ? undefined : checkWording(duplicateWording);
    if (faults !== undefined && !Array.isArray(faults)) throw new TypeError("faults must be an array");
    if (balance !== undefined && typeof balance !== "string")
      throw new TypeError('balance must be a string such as "100.00"');
    if (
      assignments !== undefined &&
      !(isRecord(assignments) && Object.values(assignments).every((w) => typeof w === "string"))
    ) {
      throw new TypeError("assignments must map AssignmentId to WorkerId");
    }
    if (balance !== undefined && dollarsToCents(balance) === undefined) {
      throw new TypeError(`balance must be a dollar amount such as "100.00", got ${JSON.stringify(balance)}`);
    }
    if (
      advanceClockMs !== undefined &&
      !(typeof advanceClockMs === "number" && Number.isFinite(advanceClockMs) && advanceClockMs >= 0)
    ) {
      throw new TypeError("advanceClockMs must be a non-negative number");
    }
    // Checked up front so a bad fault list leaves the schedule as it was.
    const parsedFaults = ((faults ?? []) as unknown[]).map(parseFaultSpec);
    if (reset === true) {
      this.ledger.reset();
      this.faults.clear();
      this.#duplicateWording = this.#initialWording;
    }
    if (clearFaults === true) this.faults.clear();
    this.faults.add(parsedFaults);
    if (balance !== undefined) this.ledger.setBalance(balance);
    if (assignments !== undefined) this.ledger.assign(assignments as Record<string, string>);
    if (advanceClockMs !== undefined) this.ledger.advanceClock(advanceClockMs);
    if (wording !== undefined) this.#duplicateWording = wording;
    return this.snapshot();
  }
}
