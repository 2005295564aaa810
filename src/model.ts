/**
 * The operations this library speaks and their inputs and outputs, with the
 * service's own PascalCase field names (MTurk Requester API 2017-01-17).
 * Types only: checks live in `validate.ts`, the wire in `request.ts` and
 * `response.ts`, and the calls in `client.ts`.
 */
import type { ResponseMetadata } from "./errors.js";
import type { SettledBy } from "./settle.js";

/** The operations this client speaks. */
export type Operation = "SendBonus" | "GetAccountBalance" | "ListBonusPayments";

/** Input of `SendBonus`, with the service's own PascalCase field names. */
export interface SendBonusInput {
  /** The worker's ID, e.g. `A1B2C3D4E5F6G7`. */
  WorkerId: string;
  /** US dollars as a decimal string with at most two decimals, e.g. `"1.50"`. Never a number. */
  BonusAmount: string;
  /** The assignment the worker completed, e.g. `3X1FV8S5J09OQY1JC80W57HTHFJGVM`. */
  AssignmentId: string;
  /** Shown to the worker. Required by the service. */
  Reason: string;
  /**
   * Idempotency key, at most 64 characters. Omit it and one is generated per
   * call; every retry of the call sends the same one.
   */
  UniqueRequestToken?: string;
}

/** Input of `ListBonusPayments` for one assignment. */
export interface ListBonusPaymentsInput {
  AssignmentId: string;
  /** 1 to 100. */
  MaxResults?: number;
  /** From a previous page's `NextToken`. */
  NextToken?: string;
}

/** What `sendBonus` resolves to. */
export interface SendBonusOutput {
  /** The token this bonus was sent with. Store it: re-sending with it can never pay twice (within MTurk's 24 hours). */
  UniqueRequestToken: string;
  /**
   * True when MTurk answered that this token was already processed: the bonus
   * was paid by an earlier attempt whose answer was lost, or by an earlier call
   * with the same token. Either way it is paid, once.
   */
  alreadyGranted: boolean;
  /**
   * How the call was settled: `"response"`, MTurk accepted it (HTTP 200);
   * `"duplicate-token"`, MTurk refused it as a repeat of this token, naming
   * the token or an earlier attempt's request id; `"read-back"`, MTurk
   * refused it in words that could be that answer, and `ListBonusPayments`
   * shows this worker paid this amount for this reason since the first attempt.
   * Always set by the client (optional in the type only so that fakes of the
   * client need not set it).
   */
  settledBy?: SettledBy;
  /**
   * The last SendBonus exchange. On an `alreadyGranted` result that is MTurk's
   * refusal of the repeat, so `httpStatusCode` is 400 and `requestId` that
   * answer's: the call succeeded because the bonus was already paid, as
   * `settledBy` says, not because MTurk paid it again.
   */
  $metadata: ResponseMetadata;
}

/** What `getAccountBalance` resolves to. Amounts are dollar strings, as on the wire. */
export interface GetAccountBalanceOutput {
  AvailableBalance: string;
  OnHoldBalance?: string;
  $metadata: ResponseMetadata;
}

/** One bonus as `ListBonusPayments` reports it. */
export interface BonusPayment {
  WorkerId: string;
  BonusAmount: string;
  AssignmentId: string;
  Reason: string;
  GrantTime: Date;
}

/** One page of `ListBonusPayments`. */
export interface ListBonusPaymentsOutput {
  BonusPayments: BonusPayment[];
  NumResults: number;
  NextToken?: string;
  $metadata: ResponseMetadata;
}
