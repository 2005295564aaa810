/**
 * The SQS handler for AWS Lambda, on the same core as the Cloudflare
 * consumer: SQS records in, a partial batch response out. A record left out
 * of `batchItemFailures` is deleted by Lambda; one listed comes back after
 * the queue's visibility timeout. No AWS SDK: SQS cannot be told a per-message
 * delay without one, so the visibility timeout is the redelivery delay.
 */
import { ValidationError } from "../errors.js";
import { clientOnce, settleDeliveries, type ConsumerOptions } from "./core.js";
import { toRejection } from "./rejection.js";
import type { Delivery, SqsBatchResponse, SqsEvent, SqsRecord } from "./types.js";

/** Options of {@link createSqsHandler}; `Env` is what `client` and `onRejected` receive (the Lambda context). */
export type SqsHandlerOptions<Env = unknown> = ConsumerOptions<Env>;

/** A Lambda handler for an SQS event source with `ReportBatchItemFailures`. */
export type SqsHandler<Env = unknown> = (event: SqsEvent, context?: Env) => Promise<SqsBatchResponse>;

/** A record as a delivery; a body that is not JSON is kept as text and refused. */
export function toDelivery(record: SqsRecord): Delivery {
  const attempts = Number(record.attributes?.ApproximateReceiveCount);
  const delivery = {
    id: record.messageId,
    body: record.body as unknown,
    // Missing or garbled, it is NaN, which counts as old: the consumer then reads back before sending.
    enqueuedAt: Number(record.attributes?.SentTimestamp),
    attempts: Number.isSafeInteger(attempts) && attempts > 0 ? attempts : 1,
  };
  try {
    return { ...delivery, body: JSON.parse(record.body) as unknown };
  } catch {
    return {
      ...delivery,
      undecodable: new ValidationError("body", "is not JSON", "a message body must be a JSON SendBonus input"),
    };
  }
}

/** Time left to the function, less a margin: bonuses not started by then are returned as failures, unsent. */
const LAMBDA_MARGIN_MS = 10_000;

function withinLambdaTime<Env>(options: SqsHandlerOptions<Env>, context: unknown): SqsHandlerOptions<Env> {
  const remaining = (context as { getRemainingTimeInMillis?: () => number } | undefined)?.getRemainingTimeInMillis;
  if (typeof remaining !== "function") return options;
  const budget = Math.max(0, remaining.call(context) - LAMBDA_MARGIN_MS);
  return { ...options, timeBudgetMs: Math.min(options.timeBudgetMs ?? budget, budget) };
}

/**
 * A Lambda handler that pays each SQS message's bonus exactly once.
 *
 * A definite refusal (an invalid body, a bonus MTurk refused) is reported to
 * `onRejected` and returned as a failure, so the queue's redrive policy moves
 * it to its dead-letter queue after `maxReceiveCount` receives: configure one.
 *
 * @example
 * ```ts
 * export const handler = createSqsHandler({ client: () => new MTurkClient() });
 * ```
 */
export function createSqsHandler<Env = unknown>(options: SqsHandlerOptions<Env>): SqsHandler<Env> {
  const resolve = clientOnce(options);
  return async (event, context) => {
    const env = context as Env;
    const resolved = resolve(env);
    const settled = await settleDeliveries(
      (event.Records ?? []).map(toDelivery),
      resolved,
      withinLambdaTime(options, context),
    );
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const { delivery, outcome, action } of settled) {
      if (action.type === "ack") continue;
      batchItemFailures.push({ itemIdentifier: delivery.id });
      if (action.type !== "reject" || options.onRejected === undefined) continue;
      const now = resolved.client.serverTime()?.getTime() ?? (options.now ?? Date.now)();
      const rejection = toRejection(
        delivery,
        action.error,
        outcome.kind === "refused" ? outcome.token : undefined,
        now,
      );
      // A failing hook changes nothing: the record comes back and is refused again either way.
      await Promise.resolve(options.onRejected(rejection, env)).catch(() => undefined);
    }
    return { batchItemFailures };
  };
}
