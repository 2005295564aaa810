/**
 * The Cloudflare Queues consumer: `export default createQueueConsumer({…})`
 * is a complete Worker. Each message is acknowledged once its bonus is paid
 * (now, earlier, or found by read-back), redelivered later when the outcome
 * is not settled, and dead-lettered with its error when MTurk or validation
 * refuses it.
 */
import type { Settled } from "./batch.js";
import { clientOnce, settleDeliveries, type ConsumerOptions, type Resolved } from "./core.js";
import { retryDelaySeconds } from "./policy.js";
import { toRejection, type Rejection } from "./rejection.js";
import type { Delivery, MessageBatch, QueueMessage, QueueProducer } from "./types.js";

/** Options of {@link createQueueConsumer}. */
export interface QueueConsumerOptions<Env> extends ConsumerOptions<Env> {
  /**
   * The producer binding refused messages are sent to, as a {@link Rejection}
   * (the body and its error), e.g. `(env) => env.BONUSES_DLQ`. Without one, a
   * refused message is retried until the queue's `max_retries` moves it to
   * the queue's own `dead_letter_queue` (as the bare body, without the
   * error; configure one, or Cloudflare drops it).
   * @default none
   */
  deadLetter?: (env: Env) => QueueProducer<Rejection> | undefined;
}

/** A Worker with a queue handler. */
export interface QueueConsumer<Env> {
  queue(batch: MessageBatch, env: Env, ctx?: unknown): Promise<void>;
}

/**
 * A Cloudflare Queues consumer that pays each message's bonus exactly once.
 *
 * @example
 * ```ts
 * export default createQueueConsumer<Env>({
 *   client: (env) => new MTurkClient({ credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }),
 *   deadLetter: (env) => env.BONUSES_DLQ,
 * });
 * ```
 */
export function createQueueConsumer<Env = unknown>(options: QueueConsumerOptions<Env>): QueueConsumer<Env> {
  const resolve = clientOnce(options);
  return {
    async queue(batch, env) {
      const resolved = resolve(env);
      const messages = batch.messages;
      const deliveries: Delivery[] = messages.map((m) => ({
        id: m.id,
        body: m.body,
        enqueuedAt: m.timestamp.getTime(),
        attempts: m.attempts,
      }));
      const settled = await settleDeliveries(deliveries, resolved, options);
      await Promise.all(settled.map((result, i) => apply(messages[i]!, result, env, resolved, options)));
    },
  };
}

/** Carries out one message's action. */
async function apply<Env>(
  message: QueueMessage,
  { delivery, outcome, action }: Settled,
  env: Env,
  resolved: Resolved,
  options: QueueConsumerOptions<Env>,
): Promise<void> {
  if (action.type === "ack") return message.ack();
  if (action.type === "retry") return message.retry({ delaySeconds: action.delaySeconds });
  const now = resolved.client.serverTime()?.getTime() ?? (options.now ?? Date.now)();
  const rejection = toRejection(delivery, action.error, outcome.kind === "refused" ? outcome.token : undefined, now);
  try {
    await options.onRejected?.(rejection, env);
    const deadLetter = options.deadLetter?.(env);
    if (deadLetter === undefined) {
      // No binding: spend the message's retries, so that the queue's own dead-letter queue receives it.
      return message.retry({ delaySeconds: retryDelaySeconds(delivery.attempts, false, options, options.random) });
    }
    await deadLetter.send(rejection, { contentType: "json" });
    message.ack();
  } catch {
    // Neither dropped nor acknowledged: the refusal is repeated on the next delivery.
    message.retry({ delaySeconds: retryDelaySeconds(delivery.attempts, false, options, options.random) });
  }
}
