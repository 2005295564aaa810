/**
 * The shapes the queue consumer meets: the part of the client it uses, and
 * the engines' messages, written structurally so that neither
 * `@cloudflare/workers-types` nor an AWS package is needed to use or type it.
 */
import type { BaseMTurkClient } from "../client.js";

/** What the consumer needs of an `MTurkClient`; a real client is one. */
export type QueueClient = Pick<
  BaseMTurkClient,
  "sendBonus" | "paginateBonusPayments" | "serverTime" | "endpointOrigin"
>;

/** One delivery of one message, whichever engine delivered it. */
export interface Delivery {
  /** The engine's message id; stable across redeliveries of the same message. */
  readonly id: string;
  /** The message body: a `SendBonus` input (parsed JSON). */
  readonly body: unknown;
  /** When the message was first enqueued, epoch ms (the engine's clock). */
  readonly enqueuedAt: number;
  /** This delivery's number: 1 the first time, 2 after one retry, … */
  readonly attempts: number;
  /** Why the body could not even be decoded (an SQS body that is not JSON); such a delivery is refused. */
  readonly undecodable?: Error;
}

/** A message of a Cloudflare Queues batch (`Message` in `@cloudflare/workers-types`). */
export interface QueueMessage<Body = unknown> {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Body;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

/** A Cloudflare Queues batch (`MessageBatch` in `@cloudflare/workers-types`). */
export interface MessageBatch<Body = unknown> {
  readonly queue: string;
  readonly messages: readonly QueueMessage<Body>[];
}

/** A Cloudflare Queues producer binding (`Queue` in `@cloudflare/workers-types`). */
export interface QueueProducer<Body = unknown> {
  send(body: Body, options?: { contentType?: string; delaySeconds?: number }): Promise<void>;
}

/** An SQS record as Lambda delivers it (the fields the handler reads). */
export interface SqsRecord {
  readonly messageId: string;
  /** The message body as sent: a JSON `SendBonus` input. */
  readonly body: string;
  readonly attributes: {
    /** Epoch ms, as a string, when SQS received the message. */
    readonly SentTimestamp: string;
    /** How many times it has been received, this time included, as a string. */
    readonly ApproximateReceiveCount: string;
  };
}

/** The event of an SQS-triggered Lambda. */
export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** A partial batch response: the records to redeliver (`ReportBatchItemFailures` must be enabled). */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}
