/**
 * An AWS Lambda function that pays MTurk bonuses from an SQS queue, exactly once.
 * Event source: the queue, with ReportBatchItemFailures on; the queue has a
 * redrive policy to a dead-letter queue. test/queue/sqs.test.ts runs this file.
 *
 * Lambda fills AWS_ACCESS_KEY_ID with the execution role's temporary keys,
 * which MTurk does not accept, so the requester's key pair comes under other names.
 */
import { MTurkClient } from "mturk-bonus";
import { createSqsHandler } from "mturk-bonus/queue";

export const handler = createSqsHandler({
  client: () =>
    new MTurkClient({
      credentials: {
        accessKeyId: process.env.MTURK_ACCESS_KEY_ID ?? "",
        secretAccessKey: process.env.MTURK_SECRET_ACCESS_KEY ?? "",
      },
      sandbox: process.env.MTURK_SANDBOX === "true",
      ...(process.env.MTURK_ENDPOINT ? { endpoint: process.env.MTURK_ENDPOINT } : {}),
    }),
  // Refused records are also returned as failures: the redrive policy moves them to the dead-letter queue.
  onRejected: (rejection) => console.warn(JSON.stringify({ refused: rejection.messageId, error: rejection.error })),
});
