/**
 * The client: where validation, building, signing, sending, retrying and
 * error parsing meet. A request can be followed from input to result in
 * `sendBonus` → `#call` → `#prepare` / `#exchange` / `RetryStrategy.decide`
 * → `#settle`, each step a call into its own module (see ARCHITECTURE.md).
 */
import { credentialSource, type Credentials, type CredentialsProvider } from "./credentials.js";
import { resolveEndpoint, type Endpoint } from "./endpoint.js";
import { abortError, callError, callMetadata, newCallContext, type CallContext } from "./call-context.js";
import {
  ClientDestroyedError,
  MTurkError,
  UnexpectedResponseError,
  ValidationError,
  type ResponseMetadata,
  type TransportError,
} from "./errors.js";
import type { HashConstructor } from "./hash.js";
import { toCents } from "./money.js";
import { redactor } from "./redact.js";
import { buildRequest, serializeListBonusPayments, serializeSendBonus } from "./request.js";
import { parseResponse, requestIdOf, type ParsedResponse } from "./response.js";
import { RetryStrategy, skewedOffset, sleep } from "./retry.js";
import { duplicateVerdict, isThisBonus, type DuplicateVerdict, type PaidBonus, type SettledBy } from "./settle.js";
import { RequestSigner } from "./sign.js";
import type { Transport, WireRequest, WireResponse } from "./transport/types.js";
import type {
  BonusPayment,
  GetAccountBalanceOutput,
  ListBonusPaymentsInput,
  ListBonusPaymentsOutput,
  Operation,
  SendBonusInput,
  SendBonusOutput,
} from "./model.js";
import { checkWholeNumber, validateListBonusPayments, validateSendBonus } from "./validate.js";

// The operations' shapes live in model.ts; re-exported here for the modules that import them from the client.
export type { BonusPayment, GetAccountBalanceOutput, ListBonusPaymentsOutput, SendBonusOutput } from "./model.js";

/** Options of `new MTurkClient()`. */
export interface MTurkClientOptions {
  /**
   * Use the MTurk sandbox (`mturk-requester-sandbox.us-east-1.amazonaws.com`), where no real money moves.
   * @default false
   */
  sandbox?: boolean;
  /**
   * Send requests here instead (a local simulator, a proxy). Must be `https://`,
   * or `http://` to a loopback address. Overrides `sandbox`.
   */
  endpoint?: string;
  /**
   * The SigV4 signing region. MTurk lives in `us-east-1` for production and sandbox alike.
   * @default "us-east-1"
   */
  region?: string;
  /**
   * An access key pair, or a function returning one (such as the providers
   * of `@aws-sdk/credential-providers`). A function's credentials are cached
   * until 5 minutes before their `expiration` (for the client's life without
   * one); concurrent calls share one refresh, and a failed refresh is retried
   * by the next call.
   * @default the environment's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, read at each call
   */
  credentials?: Credentials | CredentialsProvider;
  /**
   * Attempts per call, the first included. Retries reuse the call's UniqueRequestToken.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * Limit for one attempt, from sending to the whole answer, in ms.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Send with this `fetch` instead of `node:http` (on Node), e.g. in tests or to route through a custom agent.
   * Edge runtimes use the global `fetch` without this option.
   */
  fetch?: typeof fetch;
  /**
   * Called after every HTTP attempt with what was asked and answered, for
   * logging (`mturk-bonus --verbose` prints it). The event never holds
   * credentials, signatures or bodies. An error it throws is ignored.
   * @default none
   */
  onAttempt?: (event: AttemptEvent) => void;
}

/** One HTTP attempt, as {@link MTurkClientOptions.onAttempt} sees it. */
export interface AttemptEvent {
  readonly operation: Operation;
  /** 1 for the first attempt of a call. */
  readonly attempt: number;
  /** The HTTP status; absent when no answer arrived (network failure, timeout). */
  readonly status?: number;
  /** MTurk's `x-amzn-RequestId`, when the answer had one. */
  readonly requestId?: string;
  /** The error's `name` when the attempt failed (`ServiceFault`, `TimeoutError`, …). */
  readonly error?: string;
  /** The wait before the next attempt, when the call retries. */
  readonly waitMs?: number;
  /** How long the attempt took, in ms. */
  readonly elapsedMs: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Stops the call at once, including a wait between attempts. */
  signal?: AbortSignal;
  /**
   * Awaited before every HTTP attempt, the first and each retry, with the
   * attempt's number and, for a retry, the failure that led to it. This is
   * where a client-side rate limiter takes its slot, so that retries count
   * as requests and throttling slows it down. An error it throws ends the call.
   */
  beforeAttempt?: (attempt: number, retryOf: MTurkError | undefined) => void | Promise<void>;
  /**
   * `sendBonus` only: when this call's token may first have been sent, on
   * MTurk's clock (`client.serverTime()` at that moment), for a token re-sent
   * by a later call (a resumed payout). A refusal that must be settled by
   * reading back `ListBonusPayments` then looks for the payment since this
   * time instead of since the start of this call.
   * @default the start of this call
   */
  tokenFirstSentAt?: Date;
}

/** What differs between the Node and the edge builds. */
export interface Platform {
  sha256: HashConstructor;
  transport(endpoint: Endpoint, options: { timeoutMs: number; fetch?: typeof fetch }): Transport;
}

const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A read-back counts payments granted this long before the first attempt: the learned clock is good to about a second plus latency. */
export const READ_BACK_MARGIN_MS = 60_000;
/** No assignment has this many bonuses; a listing beyond it is not MTurk's. */
const READ_BACK_MAX_PAYMENTS = 100_000;

/** True for MTurk's answer to a token it has seen, recognised with certainty (it names the token): the bonus is paid. */
export function isAlreadyProcessed(error: unknown, token: string): boolean {
  return error instanceof MTurkError && duplicateVerdict(error, token) === "duplicate";
}

/** What a refused `sendBonus` needs to settle it. */
interface Pending {
  token: string;
  callerToken: boolean;
  AssignmentId: string;
  bonus: Omit<PaidBonus, "since">;
  /** Local time just before the first attempt. */
  startedAt: number;
}

/**
 * A client for the MTurk Requester API's bonus operations. Create one and
 * reuse it: it owns a signer, a connection pool and a retry budget.
 */
export class BaseMTurkClient {
  readonly #endpoint: Endpoint;
  readonly #credentials: () => Credentials | Promise<Credentials>;
  readonly #signer: RequestSigner;
  readonly #transport: Transport;
  readonly #retry: RetryStrategy;
  readonly #onAttempt: ((event: AttemptEvent) => void) | undefined;
  /**
   * Server time minus local time for signing, learned as the AWS SDKs learn
   * it: from the `Date` of any answer, changed only when that is five minutes
   * or more from the corrected clock (SigV4's window).
   */
  #clockOffsetMs = 0;
  /** Server time minus local time, from the `Date` header of MTurk's latest answer; `undefined` before any. */
  #serverOffsetMs: number | undefined;
  #destroyed = false;

  constructor(options: MTurkClientOptions, platform: Platform) {
    this.#endpoint = resolveEndpoint(options);
    const region = options.region ?? "us-east-1";
    if (!/^[a-z0-9-]+$/.test(region) || region === "sandbox") {
      throw new ValidationError(
        "region",
        `${JSON.stringify(region)} is not a signing region`,
        'it must be an AWS region such as "us-east-1"; for the sandbox use { sandbox: true }',
      );
    }
    this.#credentials = credentialSource(options.credentials);
    this.#retry = new RetryStrategy(
      checkWholeNumber("maxAttempts", options.maxAttempts, 1, 100) ?? DEFAULT_MAX_ATTEMPTS,
    );
    // Timers fire at once beyond 2^31 - 1 ms, which would time out every attempt.
    const timeoutMs = checkWholeNumber("timeoutMs", options.timeoutMs, 1, 2 ** 31 - 1) ?? DEFAULT_TIMEOUT_MS;
    this.#signer = new RequestSigner(region, platform.sha256);
    this.#onAttempt = options.onAttempt;
    const transportOptions: { timeoutMs: number; fetch?: typeof fetch } = { timeoutMs };
    if (options.fetch !== undefined) transportOptions.fetch = options.fetch;
    this.#transport = platform.transport(this.#endpoint, transportOptions);
  }

  /**
   * Pays one bonus, exactly once. Retries transient failures with the same
   * UniqueRequestToken, so a lost answer is settled by MTurk's duplicate check
   * and reported as `alreadyGranted: true` rather than paid again.
   */
  async sendBonus(input: SendBonusInput, options: CallOptions = {}): Promise<SendBonusOutput> {
    const { input: valid, cents } = validateSendBonus(input);
    const UniqueRequestToken = valid.UniqueRequestToken ?? crypto.randomUUID();
    const body = serializeSendBonus({ ...valid, UniqueRequestToken });
    const pending: Pending = {
      token: UniqueRequestToken,
      callerToken: valid.UniqueRequestToken !== undefined,
      AssignmentId: valid.AssignmentId,
      bonus: { WorkerId: valid.WorkerId, cents, Reason: valid.Reason },
      startedAt: Date.now(),
    };
    const requestIds: string[] = [];
    // Request ids of the call's other answers: a duplicate answer may name the original one.
    const verdict = (error: MTurkError): DuplicateVerdict =>
      duplicateVerdict(
        error,
        UniqueRequestToken,
        requestIds.filter((id) => id !== error.$metadata.requestId),
      );
    const context = newCallContext(UniqueRequestToken);
    const result = await this.#call(
      "SendBonus",
      body,
      options,
      context,
      (error) => verdict(error) === "duplicate",
      requestIds,
    );
    if (result.ok)
      return { UniqueRequestToken, alreadyGranted: false, settledBy: "response", $metadata: callMetadata(context) };
    return this.#settle(result.error, verdict(result.error), pending, options, context);
  }

  /**
   * Settles a refused `sendBonus`: the duplicate answer resolves as paid;
   * a refusal that could hide a payment (an earlier attempt may have paid, or
   * the caller's token may have been used before) is settled by reading back.
   * Anything else is thrown as it is.
   */
  async #settle(
    error: MTurkError,
    verdict: DuplicateVerdict,
    pending: Pending,
    options: CallOptions,
    context: CallContext,
  ): Promise<SendBonusOutput> {
    const granted = (settledBy: SettledBy): SendBonusOutput => ({
      UniqueRequestToken: pending.token,
      alreadyGranted: true,
      settledBy,
      $metadata: { ...error.$metadata, ...callMetadata(context) },
    });
    if (verdict === "duplicate") return granted("duplicate-token");
    // Only a refusal is worth reading back for; after a lost answer, a throttled or failing service, or an abort, the caller retries with the token.
    const status = error.$metadata.httpStatusCode;
    const refused = status !== undefined && status >= 400 && status < 500 && error.$retryable === undefined;
    const tokenUsedBefore = pending.callerToken && (verdict === "maybe" || options.tokenFirstSentAt !== undefined);
    if (!refused || !(context.outcomeUnknown || tokenUsedBefore)) throw callError(error, context);
    let found: boolean;
    try {
      found = await this.#readBack(pending, options);
    } catch (readError) {
      context.outcomeUnknown = true;
      throw callError(
        error,
        context,
        ` (may have been paid: the ListBonusPayments read-back failed with ${(readError as Error | undefined)?.name}; retry with the same token)`,
      );
    }
    if (found) return granted("read-back");
    // Not listed: nothing paid in the window, so the refusal stands; unless it says the token was processed, which the listing then contradicts.
    context.outcomeUnknown = verdict === "maybe";
    throw callError(error, context);
  }

  /** True when MTurk lists this bonus as granted since the call's first attempt (on MTurk's clock, with a margin). */
  async #readBack(pending: Pending, options: CallOptions): Promise<boolean> {
    const since =
      (options.tokenFirstSentAt?.getTime() ?? pending.startedAt + (this.#serverOffsetMs ?? 0)) - READ_BACK_MARGIN_MS;
    const bonus: PaidBonus = { ...pending.bonus, since };
    let seen = 0;
    const { signal, beforeAttempt } = options;
    for await (const payment of this.paginateBonusPayments(
      { AssignmentId: pending.AssignmentId, MaxResults: 100 },
      { signal, beforeAttempt },
    )) {
      if (isThisBonus({ ...payment, cents: toCents(payment.BonusAmount) }, bonus)) return true;
      if (++seen > READ_BACK_MAX_PAYMENTS)
        throw malformed("ListBonusPayments", `more than ${READ_BACK_MAX_PAYMENTS} payments for one assignment`, {
          attempts: 0,
          totalRetryDelay: 0,
        });
    }
    return false;
  }

  /** The account's prepaid balance. */
  async getAccountBalance(options: CallOptions = {}): Promise<GetAccountBalanceOutput> {
    const { data, $metadata } = await this.#callOrThrow("GetAccountBalance", "{}", options);
    const { AvailableBalance, OnHoldBalance } = data;
    if (typeof AvailableBalance !== "string")
      throw malformed("GetAccountBalance", "AvailableBalance is not a string", $metadata);
    return typeof OnHoldBalance === "string"
      ? { AvailableBalance, OnHoldBalance, $metadata }
      : { AvailableBalance, $metadata };
  }

  /** One page of the bonuses paid for an assignment. */
  async listBonusPayments(input: ListBonusPaymentsInput, options: CallOptions = {}): Promise<ListBonusPaymentsOutput> {
    const valid = validateListBonusPayments(input);
    const { data, $metadata } = await this.#callOrThrow(
      "ListBonusPayments",
      serializeListBonusPayments(valid),
      options,
    );
    const payments = data.BonusPayments ?? [];
    if (!Array.isArray(payments)) throw malformed("ListBonusPayments", "BonusPayments is not a list", $metadata);
    const BonusPayments = payments.map((item: unknown) => toBonusPayment(item, $metadata));
    const output: ListBonusPaymentsOutput = {
      BonusPayments,
      NumResults: typeof data.NumResults === "number" ? data.NumResults : BonusPayments.length,
      $metadata,
    };
    if (typeof data.NextToken === "string" && data.NextToken !== "") output.NextToken = data.NextToken;
    return output;
  }

  /** Every bonus paid for an assignment, across pages: `for await (const payment of client.paginateBonusPayments({ AssignmentId }))`. */
  async *paginateBonusPayments(
    input: ListBonusPaymentsInput,
    options: CallOptions = {},
  ): AsyncGenerator<BonusPayment, void, undefined> {
    const valid = validateListBonusPayments(input);
    let NextToken = valid.NextToken;
    const seen = new Set<string>();
    do {
      const page: ListBonusPaymentsOutput = await this.listBonusPayments(
        NextToken === undefined ? { ...valid } : { ...valid, NextToken },
        options,
      );
      yield* page.BonusPayments;
      NextToken = Object.hasOwn(page, "NextToken") ? page.NextToken : undefined;
      // A service that hands back a token it gave before would page forever.
      if (NextToken !== undefined && seen.has(NextToken))
        throw malformed("ListBonusPayments", "NextToken repeats an earlier page's", page.$metadata);
      if (NextToken !== undefined) seen.add(NextToken);
    } while (NextToken !== undefined);
  }

  /**
   * MTurk's clock: the local time corrected by the `Date` header of the
   * latest answer (any answer, success or error), accurate to about a second
   * plus the answer's latency. `undefined` until an answer with a valid
   * `Date` has been seen. Decisions that compare with MTurk's `GrantTime` or
   * its 24-hour token window use this, so a wrong local clock is harmless.
   */
  serverTime(): Date | undefined {
    return this.#serverOffsetMs === undefined ? undefined : new Date(Date.now() + this.#serverOffsetMs);
  }

  /**
   * Where this client sends requests, as an origin (`https://host[:port]`):
   * production, the sandbox or a custom endpoint. Token namespaces default
   * to `defaultNamespace(client.endpointOrigin)`, so different targets never
   * share tokens.
   */
  get endpointOrigin(): string {
    return this.#endpoint.origin;
  }

  /** Closes pooled connections. Calls made afterwards fail. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    await this.#transport.close();
  }

  /** `#call` for an operation without a token to settle: its failure is thrown as the call's error. */
  async #callOrThrow(
    operation: Operation,
    body: string,
    options: CallOptions,
  ): Promise<{ data: Record<string, unknown>; $metadata: ResponseMetadata }> {
    const context = newCallContext();
    const result = await this.#call(operation, body, options, context);
    if (!result.ok) throw callError(result.error, context);
    return { data: result.data, $metadata: callMetadata(context) };
  }

  /**
   * Signs and sends one operation, retrying as the strategy decides. Every
   * attempt sends the same body (and so the same token), signed afresh.
   * Resolves to the last answer's data, or to the error the call ends with,
   * which the caller completes from `context` (`callError`). An abort is thrown.
   */
  async #call(
    operation: Operation,
    body: string,
    options: CallOptions,
    context: CallContext,
    settles: (error: MTurkError) => boolean = () => false,
    requestIds: string[] = [],
  ): Promise<ParsedResponse> {
    if (this.#destroyed) return { ok: false, error: new ClientDestroyedError() };
    const { signal } = options;
    let retryOf: MTurkError | undefined;
    for (;;) {
      const prepared = await this.#prepare(operation, body, options, retryOf, context);
      if (prepared instanceof MTurkError) return { ok: false, error: prepared };

      context.attempts++;
      const startedAt = performance.now();
      const outcome = await this.#exchange(prepared.request, prepared.redact, signal, context);
      if (outcome.ok) {
        this.#report(operation, context, undefined, undefined, startedAt);
        this.#retry.succeeded(context.lastRetryCost);
        return outcome;
      }
      const { error } = outcome;
      const requestId = context.response && requestIdOf(context.response);
      if (requestId !== undefined) requestIds.push(requestId);
      // An answer that settles the call (a duplicate token: already paid) counts as a success for the budget.
      if (settles(error)) {
        this.#report(operation, context, error, undefined, startedAt);
        this.#retry.succeeded(context.lastRetryCost);
        return outcome;
      }
      if (error.outcomeUnknown) context.outcomeUnknown = true;

      const decision = this.#retry.decide({
        error,
        attempts: context.attempts,
        header: context.response?.header,
        clockCorrected: context.clockCorrected,
      });
      this.#report(operation, context, error, decision.retry ? decision.delayMs : undefined, startedAt);
      if (!decision.retry) return outcome;
      context.lastRetryCost = decision.cost;
      try {
        await sleep(decision.delayMs, signal);
      } catch (reason) {
        throw abortError(reason, context);
      }
      context.totalRetryDelay += decision.delayMs;
      retryOf = error;
    }
  }

  /**
   * The steps before an attempt: the caller's `beforeAttempt`, credentials
   * and signing. An `MTurkError` that a hook or the credentials provider
   * throws is returned, to end the call (a provider failing before a retry
   * must not hide that an earlier attempt may have paid); an abort is thrown.
   */
  async #prepare(
    operation: Operation,
    body: string,
    { signal, beforeAttempt }: CallOptions,
    retryOf: MTurkError | undefined,
    context: CallContext,
  ): Promise<{ request: WireRequest; redact: (text: string) => string } | MTurkError> {
    // A new attempt: the last one's answer no longer describes the call.
    context.response = undefined;
    throwIfAborted(signal, context);
    if (beforeAttempt !== undefined) {
      try {
        await beforeAttempt(context.attempts + 1, retryOf);
      } catch (thrown) {
        throwIfAborted(signal, context);
        return endsCall(thrown);
      }
      throwIfAborted(signal, context);
    }
    // Fixed or cached credentials, and Node's signer, answer with values rather than promises: each
    // `await` below then costs a microtask, not an async function's round trip.
    let credentials: Credentials | MTurkError;
    try {
      credentials = await this.#credentials();
    } catch (thrown) {
      // A call aborted while a provider refreshed ends as aborted, whatever the provider did.
      throwIfAborted(signal, context);
      credentials = endsCall(thrown);
    }
    if (credentials instanceof MTurkError) return credentials;
    const unsigned = buildRequest(this.#endpoint, operation, body);
    const headers = await this.#signer.sign(unsigned, credentials, new Date(Date.now() + this.#clockOffsetMs));
    throwIfAborted(signal, context);
    return { request: { endpoint: this.#endpoint, headers, body }, redact: redactor(credentials) };
  }

  /**
   * One HTTP exchange (the transport applies the per-attempt timeout), then
   * the steps every answer takes, success or error: the clocks learn its
   * `Date`, and it is parsed. An abort is thrown.
   */
  async #exchange(
    request: WireRequest,
    redact: (text: string) => string,
    signal: AbortSignal | undefined,
    context: CallContext,
  ): Promise<ParsedResponse> {
    let response: WireResponse;
    try {
      response = await this.#transport.send(request, signal);
    } catch (thrown) {
      if (signal?.aborted) {
        // The request may have reached MTurk before the abort.
        context.outcomeUnknown = true;
        throw abortError(signal.reason, context);
      }
      // Transports reject with a TransportError (see Transport.send): nothing to convert.
      return { ok: false, error: thrown as TransportError };
    }
    context.response = response;
    context.clockCorrected = this.#learnClocks(response);
    return parseResponse(response, redact);
  }

  /** Tells `onAttempt` about one attempt; a logger's failure must never change a payment's outcome. */
  #report(
    operation: Operation,
    context: CallContext,
    error: MTurkError | undefined,
    waitMs: number | undefined,
    startedAt: number,
  ): void {
    const { response } = context;
    try {
      this.#onAttempt?.({
        operation,
        attempt: context.attempts,
        elapsedMs: performance.now() - startedAt,
        status: response?.status,
        requestId: response && requestIdOf(response),
        error: error?.name,
        waitMs,
      });
    } catch {
      // Ignored: see onAttempt.
    }
  }

  /**
   * What every answer, success or error, teaches by its `Date`: MTurk's
   * clock (for read-backs and `serverTime`), and the signing clock, moved as
   * the AWS SDKs move it: only when five minutes or more off (SigV4's
   * window). True when the signing clock moved, which is what makes a
   * clock-skew refusal worth a retry.
   */
  #learnClocks(response: WireResponse): boolean {
    const date = response.header("date");
    const now = Date.now();
    const server = date === undefined ? Number.NaN : Date.parse(date);
    if (!Number.isNaN(server)) this.#serverOffsetMs = server - now;
    const before = this.#clockOffsetMs;
    this.#clockOffsetMs = skewedOffset(server, now, before);
    return this.#clockOffsetMs !== before;
  }
}

/** An `MTurkError` thrown by a hook or the credentials provider ends the call as its error; anything else is thrown on. */
function endsCall(thrown: unknown): MTurkError {
  if (thrown instanceof MTurkError) return thrown;
  throw thrown;
}

function throwIfAborted(signal: AbortSignal | undefined, context: CallContext): void {
  if (signal?.aborted) throw abortError(signal.reason, context);
}

function malformed(operation: string, problem: string, $metadata: ResponseMetadata): UnexpectedResponseError {
  return new UnexpectedResponseError({
    message: `${operation} answer is malformed: ${problem}`,
    excerpt: problem,
    $fault: "server",
    $metadata,
  });
}

function toBonusPayment(item: unknown, $metadata: ResponseMetadata): BonusPayment {
  const record = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
  const { WorkerId, BonusAmount, AssignmentId, Reason, GrantTime } = record;
  if (typeof WorkerId !== "string" || typeof BonusAmount !== "string" || typeof AssignmentId !== "string") {
    throw malformed("ListBonusPayments", "a payment lacks WorkerId, BonusAmount or AssignmentId", $metadata);
  }
  const when =
    typeof GrantTime === "number"
      ? new Date(GrantTime * 1000)
      : typeof GrantTime === "string"
        ? new Date(GrantTime)
        : new Date(Number.NaN);
  if (Number.isNaN(when.getTime())) throw malformed("ListBonusPayments", "a payment has no valid GrantTime", $metadata);
  return { WorkerId, BonusAmount, AssignmentId, Reason: typeof Reason === "string" ? Reason : "", GrantTime: when };
}
