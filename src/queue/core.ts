/**
 * What the Cloudflare consumer and the SQS handler share: their options,
 * the client created once and reused, and one batch's settlement.
 */
import { ValidationError } from "../errors.js";
import { defaultNamespace, NAMESPACE_PATTERN } from "../identity.js";
import { settleBatch, type BatchOptions, type Settled } from "./batch.js";
import { SETTLE_AFTER_MS } from "./policy.js";
import type { Rejection } from "./rejection.js";
import type { Delivery, QueueClient } from "./types.js";

/** Options common to `createQueueConsumer` and `createSqsHandler`. */
export interface ConsumerOptions<Env> extends BatchOptions {
  /**
   * Returns the client to pay with, e.g. `(env) => new MTurkClient({ credentials: … })`.
   * Called once, on the first batch, and the client reused for every later
   * batch of the isolate or Lambda container.
   */
  client(env: Env): QueueClient;
  /**
   * Namespace of the tokens derived for messages without a `UniqueRequestToken`.
   * Use the bulk payer's namespace to make a bonus paid from a file and the
   * same bonus from the queue one bonus.
   * @default defaultNamespace(client.endpointOrigin), one namespace per MTurk target
   */
  namespace?: string;
  /**
   * Called with every definite refusal (an invalid body, or a bonus MTurk
   * refused) before it goes to the dead-letter queue; at least once per
   * refusal. If it throws, the message is redelivered instead, and refused again.
   */
  onRejected?: (rejection: Rejection, env: Env) => void | Promise<void>;
  /**
   * A message enqueued this long ago or more, in ms by MTurk's clock, is
   * read back with `ListBonusPayments` before it is sent, because MTurk
   * forgets a token after 24 hours.
   * @default 82800000 (23 hours)
   */
  settleAfterMs?: number;
  /** The local clock, epoch ms; MTurk's (`client.serverTime()`) is used once known. @default Date.now */
  now?: () => number;
}

/** A client and namespace, resolved on the first batch and kept. */
export interface Resolved {
  client: QueueClient;
  namespace: string;
}

/** Resolves `options.client(env)` once; later calls return the same client. */
export function clientOnce<Env>(options: ConsumerOptions<Env>): (env: Env) => Resolved {
  let resolved: Resolved | undefined;
  return (env) => {
    if (resolved !== undefined) return resolved;
    const client = options.client(env);
    const namespace = options.namespace ?? defaultNamespace(client.endpointOrigin);
    if (!NAMESPACE_PATTERN.test(namespace)) {
      throw new ValidationError(
        "namespace",
        `${JSON.stringify(namespace)} is malformed`,
        `it must match ${NAMESPACE_PATTERN.source}`,
      );
    }
    resolved = { client, namespace };
    return resolved;
  };
}

/**
 * A replay: `{ bonus, enqueuedAt }` (a dead-lettered {@link Rejection} is
 * one) is its bonus again, as old as it first was. So a dead letter sent
 * back to the queue, perhaps days later, still gets the read-back that
 * MTurk's 24-hour token window requires, though the engine stamps the
 * replayed message as new.
 */
export function unwrapReplay(delivery: Delivery): Delivery {
  const body = delivery.body;
  if (typeof body !== "object" || body === null || !("bonus" in body) || !("enqueuedAt" in body)) return delivery;
  const { bonus, enqueuedAt } = body as { bonus: unknown; enqueuedAt?: unknown };
  const first = typeof enqueuedAt === "string" ? Date.parse(enqueuedAt) : Number.NaN;
  // An unreadable first time is taken as old (NaN): reading back costs one call, guessing young could pay twice.
  return {
    ...delivery,
    body: bonus,
    enqueuedAt: Number.isNaN(first) ? Number.NaN : Math.min(first, delivery.enqueuedAt),
  };
}

/** Settles one batch of deliveries with the consumer's options. */
export function settleDeliveries<Env>(
  deliveries: readonly Delivery[],
  resolved: Resolved,
  options: ConsumerOptions<Env>,
): Promise<Settled[]> {
  return settleBatch(
    deliveries.map(unwrapReplay),
    {
      client: resolved.client,
      namespace: resolved.namespace,
      now: options.now ?? Date.now,
      settleAfterMs: options.settleAfterMs ?? SETTLE_AFTER_MS,
    },
    options,
  );
}
