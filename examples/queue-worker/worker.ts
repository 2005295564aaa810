/**
 * A Cloudflare Worker that pays MTurk bonuses from a queue, exactly once.
 *
 *   fetch: POST a JSON array of up to 100 SendBonus inputs; they are enqueued on `bonuses`.
 *   queue: the consumer. Each bonus is paid once however often its message is
 *          delivered; a bonus MTurk refuses (or an invalid body) goes to
 *          `bonuses-dlq` with its error.
 *
 * wrangler.toml beside this file binds the queues. This exact file is what
 * test/queue/miniflare.test.ts runs, on Miniflare, against the local simulator.
 * Store the secret key with `wrangler secret put AWS_SECRET_ACCESS_KEY`.
 */
import { MTurkClient, type SendBonusInput } from "mturk-bonus";
import { createQueueConsumer, type QueueProducer, type Rejection } from "mturk-bonus/queue";

export interface Env {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  /** "true" to pay in the MTurk sandbox, where no money moves. */
  MTURK_SANDBOX?: string;
  /** Another endpoint, such as a local simulator. */
  MTURK_ENDPOINT?: string;
  /** Producer of the `bonuses` queue. */
  BONUSES: { sendBatch(messages: { body: SendBonusInput }[]): Promise<void> };
  /** Producer of the `bonuses-dlq` queue: refused bonuses, each with its error. */
  BONUSES_DLQ: QueueProducer<Rejection>;
}

const consumer = createQueueConsumer<Env>({
  // Called once per isolate; the client (and its signing-key cache) serves every batch after.
  client: (env) =>
    new MTurkClient({
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      sandbox: env.MTURK_SANDBOX === "true",
      ...(env.MTURK_ENDPOINT ? { endpoint: env.MTURK_ENDPOINT } : {}),
    }),
  deadLetter: (env) => env.BONUSES_DLQ,
  onRejected: (rejection) => console.warn(`bonus refused (${rejection.error.name}): message ${rejection.messageId}`),
});

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== "POST") return new Response("POST a JSON array of SendBonus inputs\n", { status: 405 });
    const bonuses: unknown = await request.json().catch(() => undefined);
    if (!Array.isArray(bonuses) || bonuses.length === 0 || bonuses.length > 100) {
      return new Response("the body must be a JSON array of 1 to 100 SendBonus inputs\n", { status: 400 });
    }
    // The consumer validates each body and dead-letters the bad ones, so one bad row does not block the rest.
    await env.BONUSES.sendBatch(bonuses.map((body) => ({ body: body as SendBonusInput })));
    return Response.json({ enqueued: bonuses.length }, { status: 202 });
  },
  queue: consumer.queue,
};
