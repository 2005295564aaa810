/**
 * The Worker the Miniflare test runs: the README's queue Worker
 * (examples/queue-worker/worker.ts), unchanged, wrapped by a harness that
 *
 * - consumes the dead-letter queue into KV, keyed by the refused message's
 *   id, so the test can read exactly what it holds;
 * - crashes one batch midway: half the batch is paid but none of it is
 *   acknowledged, then the handler throws, so the queue redelivers it all;
 * - compresses time: each `retry({ delaySeconds })` is recorded and then
 *   redelivered at once, as a fake clock would;
 * - counts acknowledgements and retries, for `GET /__stats`.
 */
import example, { type Env as ExampleEnv } from "../../examples/queue-worker/worker.js";
import type { MessageBatch, QueueMessage } from "../../src/queue/types.js";

interface Env extends ExampleEnv {
  DLQ_STORE: { put(key: string, value: string): Promise<void> };
  /** Crash the first batch of at least this many messages (0: never). */
  CRASH_BATCH_MIN?: string;
}

const acked = new Set<string>();
const delays: number[] = [];
let retries = 0;
let crashed: string[] = [];
let batches = 0;

function observed(message: QueueMessage): QueueMessage {
  return {
    id: message.id,
    timestamp: message.timestamp,
    body: message.body,
    attempts: message.attempts,
    ack: () => {
      acked.add(message.id);
      message.ack();
    },
    retry: (options) => {
      retries++;
      delays.push(options?.delaySeconds ?? -1);
      message.retry({ delaySeconds: 0 });
    },
  };
}

/** A message whose acknowledgement is lost with the crash: the queue never hears of it. */
function lost(message: QueueMessage): QueueMessage {
  return {
    id: message.id,
    timestamp: message.timestamp,
    body: message.body,
    attempts: message.attempts,
    ack: () => {},
    retry: () => {},
  };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === "/__stats") {
      return Response.json({ acked: acked.size, retries, delays, crashed, batches });
    }
    return example.fetch(request, env);
  },

  async queue(batch: MessageBatch, env: Env, ctx: unknown): Promise<void> {
    if (batch.queue === "bonuses-dlq") {
      for (const message of batch.messages) {
        // Keyed by the refused message's id: a refusal sent again after a crash is the same letter.
        const { messageId } = message.body as { messageId?: string };
        await env.DLQ_STORE.put(messageId ?? `raw:${message.id}`, JSON.stringify(message.body));
        message.ack();
      }
      return;
    }
    batches++;
    const min = Number(env.CRASH_BATCH_MIN ?? 0);
    if (min > 0 && crashed.length === 0 && batch.messages.length >= min) {
      const half = batch.messages.slice(0, Math.floor(batch.messages.length / 2));
      crashed = half.map((m) => m.id);
      await example.queue({ queue: batch.queue, messages: half.map(lost) }, env);
      throw new Error("the consumer crashed midway through a batch");
    }
    await example.queue({ queue: batch.queue, messages: batch.messages.map(observed) }, env, ctx);
  },
};
