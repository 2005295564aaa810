/** Fakes for the queue tests: a scripted client and Cloudflare messages that record what was done to them. */
import type { BonusPayment, SendBonusOutput } from "../../src/client.js";
import type { QueueClient, QueueMessage } from "../../src/queue/types.js";
import type { SendBonusInput } from "../../src/validate.js";

export const ORIGIN = "https://mturk-requester.us-east-1.amazonaws.com";

export interface FakeClient extends QueueClient {
  readonly sent: SendBonusInput[];
  readonly listed: string[];
  /** The most sends that were in flight at once. */
  maxInFlight: number;
  /** In flight when each send started, in order. */
  readonly inFlightAtStart: number[];
  /** Sends that started while another with the same token was in flight. */
  sameTokenOverlaps: number;
}

/** A client whose `sendBonus` answers with `answer` (after a macrotask, so sends overlap) and which lists `payments`. */
export function fakeClient(
  answer: (input: SendBonusInput, call: number) => "paid" | "alreadyGranted" | Error = () => "paid",
  options: { payments?: BonusPayment[]; serverTime?: Date } = {},
): FakeClient {
  let inFlight = 0;
  const tokensInFlight = new Set<string | undefined>();
  const client: FakeClient = {
    sent: [],
    listed: [],
    maxInFlight: 0,
    inFlightAtStart: [],
    sameTokenOverlaps: 0,
    endpointOrigin: ORIGIN,
    serverTime: () => options.serverTime,
    async sendBonus(input: SendBonusInput): Promise<SendBonusOutput> {
      const call = client.sent.push({ ...input }) - 1;
      client.inFlightAtStart.push(inFlight);
      inFlight++;
      if (tokensInFlight.has(input.UniqueRequestToken)) client.sameTokenOverlaps++;
      tokensInFlight.add(input.UniqueRequestToken);
      client.maxInFlight = Math.max(client.maxInFlight, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1));
        const result = answer(input, call);
        if (result instanceof Error) throw result;
        return {
          UniqueRequestToken: input.UniqueRequestToken!,
          alreadyGranted: result === "alreadyGranted",
          $metadata: { attempts: 1, totalRetryDelay: 0 },
        };
      } finally {
        inFlight--;
        tokensInFlight.delete(input.UniqueRequestToken);
      }
    },
    async *paginateBonusPayments(input: { AssignmentId: string }): AsyncGenerator<BonusPayment, void, undefined> {
      client.listed.push(input.AssignmentId);
      yield* (options.payments ?? []).filter((p) => p.AssignmentId === input.AssignmentId);
    },
  };
  return client;
}

export interface FakeMessage extends QueueMessage {
  acked: boolean;
  retried: { delaySeconds?: number } | undefined;
}

let ids = 0;

/** A Cloudflare Queues message that records its `ack()` and `retry()`. */
export function fakeMessage(
  body: unknown,
  options: { attempts?: number; timestamp?: Date; id?: string } = {},
): FakeMessage {
  const message: FakeMessage = {
    id: options.id ?? `m${++ids}`,
    timestamp: options.timestamp ?? new Date(),
    body,
    attempts: options.attempts ?? 1,
    acked: false,
    retried: undefined,
    ack() {
      message.acked = true;
    },
    retry(retryOptions) {
      message.retried = retryOptions ?? {};
    },
  };
  return message;
}

/** A valid SendBonus body, numbered. */
export function bonus(i: number, extra: Partial<SendBonusInput> = {}): SendBonusInput {
  return { WorkerId: `AWORKER${i}`, AssignmentId: `3ASSIGN${i}`, BonusAmount: "1.25", Reason: "Thank you", ...extra };
}
