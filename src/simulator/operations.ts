/**
 * The three MTurk operations the simulator implements, from a parsed JSON
 * input to the exact answer the service gives. Validation first (the model's
 * constraints), then the ledger's rules.
 */
import { centsToDollars } from "./money.js";
import type { BonusRefusal, Ledger } from "./ledger.js";
import {
  coralError,
  jsonResponse,
  stamped,
  turkError,
  type OperationName,
  type ResponseContext,
  type SimResponse,
} from "./protocol.js";
import { validateInput } from "./validate.js";

/**
 * How the simulator words its answer to a repeated `UniqueRequestToken`.
 * MTurk's wording is unpublished (it documents only "an error with a message
 * containing the request ID"), so a client must be tested against several:
 * - `token`: `The idempotency token "…" has already been processed.`, the form seen from MTurk (the default);
 * - `alreadyProcessed`: `This request has already been processed.`, the words without the token;
 * - `alreadyExists`: `The bonus payment already exists.`, the other wording seen from MTurk;
 * - `originalRequestId`: `Request … was processed earlier.`, naming the request id that paid;
 * - `opaque`: `There was an error with this request.`, nothing to recognise it by.
 */
export const DUPLICATE_WORDINGS = [
  "token",
  "alreadyProcessed",
  "alreadyExists",
  "originalRequestId",
  "opaque",
] as const;

/** One of {@link DUPLICATE_WORDINGS}. */
export type DuplicateWording = (typeof DUPLICATE_WORDINGS)[number];

/** The message and TurkErrorCode of the duplicate answer in one wording. */
export function duplicateAnswer(
  wording: DuplicateWording,
  token: string,
  originalRequestId: string,
): { message: string; turkErrorCode: string } {
  switch (wording) {
    case "token":
      return {
        message: `The idempotency token "${token}" has already been processed.`,
        turkErrorCode: "AWS.MechanicalTurk.DuplicateRequest",
      };
    case "alreadyProcessed":
      return {
        message: "This request has already been processed.",
        turkErrorCode: "AWS.MechanicalTurk.DuplicateRequest",
      };
    case "alreadyExists":
      return { message: "The bonus payment already exists.", turkErrorCode: "AWS.MechanicalTurk.DuplicateRequest" };
    case "originalRequestId":
      return {
        message: `Request ${originalRequestId} was processed earlier.`,
        turkErrorCode: "AWS.MechanicalTurk.InvalidRequest",
      };
    case "opaque":
      return { message: "There was an error with this request.", turkErrorCode: "AWS.MechanicalTurk.InvalidRequest" };
  }
}

/** Largest page ListBonusPayments returns, and its size when `MaxResults` is absent. */
export const MAX_PAGE_SIZE = 100;

function requestError(ledger: Ledger, message: string, turkErrorCode: string, ctx: ResponseContext): SimResponse {
  ledger.counters.requestErrors++;
  return turkError("RequestError", stamped(message, ledger.now()), turkErrorCode, 400, ctx);
}

function refusal(
  ledger: Ledger,
  refused: BonusRefusal,
  input: Record<string, unknown>,
  ctx: ResponseContext,
): SimResponse {
  switch (refused.reason) {
    case "duplicate": {
      ledger.counters.duplicates++;
      const { message, turkErrorCode } = duplicateAnswer(
        ctx.duplicateWording ?? "token",
        refused.token,
        refused.originalRequestId,
      );
      return requestError(ledger, message, turkErrorCode, ctx);
    }
    case "insufficientFunds":
      ledger.counters.insufficientFunds++;
      return requestError(
        ledger,
        "This Requester has insufficient funds in their account to complete this transaction.",
        "AWS.MechanicalTurk.InsufficientFunds",
        ctx,
      );
    case "wrongWorker":
      return requestError(
        ledger,
        `Worker ${String(input.WorkerId)} did not work on assignment ${String(input.AssignmentId)}.`,
        "AWS.MechanicalTurk.WorkerAssignmentMismatch",
        ctx,
      );
    case "zeroAmount":
      return requestError(
        ledger,
        "The bonus amount must be greater than $0.00.",
        "AWS.MechanicalTurk.InvalidParameterValue",
        ctx,
      );
  }
}

function sendBonus(ledger: Ledger, input: Record<string, unknown>, ctx: ResponseContext): SimResponse {
  const outcome = ledger.payBonus(
    {
      WorkerId: input.WorkerId as string,
      BonusAmount: input.BonusAmount as string,
      AssignmentId: input.AssignmentId as string,
      Reason: input.Reason as string,
      UniqueRequestToken: input.UniqueRequestToken as string | undefined,
    },
    ctx.requestId,
  );
  if (!outcome.ok) return refusal(ledger, outcome, input, ctx);
  ledger.counters.paid++;
  return jsonResponse(200, {}, ctx);
}

function getAccountBalance(ledger: Ledger, ctx: ResponseContext): SimResponse {
  return jsonResponse(200, { AvailableBalance: centsToDollars(ledger.balanceCents), OnHoldBalance: "0.00" }, ctx);
}

/** Page tokens are opaque to callers; inside they name the assignment and the offset, so a token cannot be replayed elsewhere. */
function encodePageToken(assignmentId: string, offset: number): string {
  return Buffer.from(JSON.stringify([assignmentId, offset])).toString("base64url");
}

function decodePageToken(token: string, assignmentId: string): number | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (!Array.isArray(decoded) || decoded[0] !== assignmentId) return undefined;
    const offset: unknown = decoded[1];
    return Number.isSafeInteger(offset) && (offset as number) > 0 ? (offset as number) : undefined;
  } catch {
    return undefined;
  }
}

function listBonusPayments(ledger: Ledger, input: Record<string, unknown>, ctx: ResponseContext): SimResponse {
  const assignmentId = input.AssignmentId as string | undefined;
  if (assignmentId === undefined) {
    const message =
      input.HITId === undefined
        ? "Either the HITId or the AssignmentId parameter must be provided."
        : "The simulator lists bonus payments by AssignmentId only.";
    return requestError(ledger, message, "AWS.MechanicalTurk.InvalidParameterValue", ctx);
  }
  let offset = 0;
  if (input.NextToken !== undefined) {
    const decoded = decodePageToken(input.NextToken as string, assignmentId);
    if (decoded === undefined) {
      return requestError(ledger, "The pagination token is invalid.", "AWS.MechanicalTurk.InvalidParameterValue", ctx);
    }
    offset = decoded;
  }
  const all = ledger.bonusesFor(assignmentId);
  const size = (input.MaxResults as number | undefined) ?? MAX_PAGE_SIZE;
  const page = all.slice(offset, offset + size);
  const next = offset + page.length;
  return jsonResponse(
    200,
    {
      NumResults: page.length,
      ...(next < all.length ? { NextToken: encodePageToken(assignmentId, next) } : {}),
      BonusPayments: page.map((b) => ({
        WorkerId: b.WorkerId,
        BonusAmount: b.BonusAmount,
        AssignmentId: b.AssignmentId,
        Reason: b.Reason,
        // AWS JSON 1.1 timestamps are epoch seconds, fractional.
        GrantTime: b.grantTime / 1000,
      })),
    },
    ctx,
  );
}

/**
 * Runs one operation on a parsed JSON body. Validation failures answer
 * `ValidationException` (constraint broken) or `SerializationException`
 * (member of the wrong JSON type), as Coral does, and touch nothing.
 */
export function runOperation(
  ledger: Ledger,
  operation: OperationName,
  input: Record<string, unknown>,
  ctx: ResponseContext,
): SimResponse {
  const problem = validateInput(operation, input);
  if (problem) {
    ledger.counters.validationFailures++;
    const type = problem.kind === "validation" ? "ValidationException" : "SerializationException";
    return coralError(400, type, problem.message, ctx);
  }
  switch (operation) {
    case "SendBonus":
      return sendBonus(ledger, input, ctx);
    case "GetAccountBalance":
      return getAccountBalance(ledger, ctx);
    case "ListBonusPayments":
      return listBonusPayments(ledger, input, ctx);
  }
}
