/**
 * The start-up balance check: GetAccountBalance, retried when it fails for
 * a passing reason, and an error that says nothing was paid when it fails
 * for good. Its answer also teaches the client MTurk's clock.
 */
import type { CallOptions, GetAccountBalanceOutput } from "../client.js";
import { isMTurkError, MTurkError, TransportError, UnexpectedResponseError } from "../errors.js";
import { formatDollars, toCents } from "../money.js";
import { sleep } from "../retry.js";
import { shortfallCents, type PayoutPlan } from "./plan.js";

/** The balance could not be read, so nothing was paid. */
export class BalanceCheckError extends MTurkError {
  constructor(cause: unknown, calls: number) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super({
      name: "BalanceCheckError",
      message: `the balance check (GetAccountBalance) failed ${calls > 1 ? `${calls} times ` : ""}(${what}); nothing was paid. Run the same command again when MTurk answers.`,
      cause,
      // Whose fault it was, and what is known of the exchange, are the failed call's.
      ...(isMTurkError(cause) ? { $fault: cause.$fault, $metadata: cause.$metadata } : {}),
    });
  }
}

/** The balance does not cover the batch; nothing was paid. */
export class InsufficientBalanceError extends MTurkError {
  readonly shortfallCents: number;
  readonly plan: PayoutPlan;

  constructor(plan: PayoutPlan) {
    const short = shortfallCents(plan);
    super({
      name: "InsufficientBalanceError",
      message:
        `The grand total ${formatDollars(plan.toPay.totalCents)} (bonuses ${formatDollars(plan.toPay.bonusCents)} + fees ${formatDollars(plan.toPay.feeCents)}) ` +
        `exceeds the available balance ${formatDollars(plan.balanceCents ?? 0)} by ${formatDollars(short)}; nothing was paid. ` +
        `Add funds, or allow a partial payout to pay rows in order until the money runs out.`,
      $fault: "client",
    });
    this.shortfallCents = short;
    this.plan = plan;
  }
}

/** Calls of the balance check before giving up. */
export const BALANCE_CALLS = 3;

function passing(error: unknown): boolean {
  if (!isMTurkError(error)) return false;
  return (
    error.$retryable !== undefined ||
    error.outcomeUnknown ||
    error instanceof TransportError ||
    error instanceof UnexpectedResponseError
  );
}

/**
 * The available balance in cents. A failure that may pass (a network error,
 * a 5xx, throttling) is retried up to {@link BALANCE_CALLS} calls (each
 * with the client's own attempts); a lasting one throws {@link BalanceCheckError}.
 */
export async function availableCents(
  client: { getAccountBalance(options?: CallOptions): Promise<GetAccountBalanceOutput> },
  options: CallOptions,
  delayMs = 1000,
): Promise<number> {
  let balance: GetAccountBalanceOutput | undefined;
  for (let call = 1; balance === undefined; call++) {
    try {
      balance = await client.getAccountBalance(options);
    } catch (error) {
      if (options.signal?.aborted || !passing(error) || call >= BALANCE_CALLS) throw new BalanceCheckError(error, call);
      await sleep(delayMs * 2 ** (call - 1), options.signal);
    }
  }
  const cents = toCents(balance.AvailableBalance);
  if (cents === undefined) {
    // Paying on regardless would skip the one check that keeps a short balance from failing half-way.
    throw new UnexpectedResponseError({
      message: `GetAccountBalance answered AvailableBalance ${JSON.stringify(balance.AvailableBalance)}, which is not a dollar amount, so the balance could not be checked: nothing was paid (checkBalance: false pays without the check)`,
      excerpt: String(balance.AvailableBalance),
      $fault: "server",
      $metadata: balance.$metadata,
    });
  }
  return cents;
}
