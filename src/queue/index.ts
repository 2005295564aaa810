/**
 * `mturk-bonus/queue`: pay bonuses from a queue, exactly once, on the
 * library's one identity of a bonus. A Cloudflare Queues consumer
 * (`createQueueConsumer`) and an AWS Lambda SQS handler (`createSqsHandler`)
 * share one core: validate, derive the token, read back after 23 hours,
 * send, then acknowledge, redeliver or dead-letter.
 *
 * Edge-safe: nothing here imports a `node:` module.
 */
export { createQueueConsumer, type QueueConsumer, type QueueConsumerOptions } from "./cloudflare.js";
export { createSqsHandler, type SqsHandler, type SqsHandlerOptions } from "./sqs.js";
export type { ConsumerOptions } from "./core.js";
export type { BatchOptions, Settled } from "./batch.js";
export { settleBatch } from "./batch.js";
export { findPayment, prepare, type PreparedBonus } from "./pay.js";
export {
  classifyFailure,
  decide,
  MAX_DELAY_SECONDS,
  pastTokenWindow,
  retryDelaySeconds,
  SETTLE_AFTER_MS,
  TOKEN_WINDOW_MS,
  type Action,
  type BackoffOptions,
  type Outcome,
} from "./policy.js";
export { describeError, type Rejection, type RejectionReason } from "./rejection.js";
export type {
  Delivery,
  MessageBatch,
  QueueClient,
  QueueMessage,
  QueueProducer,
  SqsBatchResponse,
  SqsEvent,
  SqsRecord,
} from "./types.js";
