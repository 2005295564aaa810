/**
 * One delivery, from body to outcome: check the body with the client's own
 * rules, give it the bonus's one token, read back MTurk's payments when the
 * token may be forgotten, and send. Every redelivery of the same bonus takes
 * the same path with the same token, so none of them can pay twice.
 */
import { bonusKey, deriveToken, paymentKey, type BonusIdentity } from "../identity.js";
import type { BonusPayment, SendBonusInput } from "../model.js";
import { validateSendBonus } from "../validate.js";
import { classifyFailure, pastTokenWindow, type Outcome } from "./policy.js";
import type { QueueClient } from "./types.js";

/** A body that passed validation, with its token and identity. */
export interface PreparedBonus {
  readonly input: SendBonusInput & { UniqueRequestToken: string };
  readonly identity: BonusIdentity;
}

/**
 * Validates a body and gives it its token: its own `UniqueRequestToken`, or
 * the one the bulk payer would derive for the same bonus (`occurrence` 0:
 * two messages with the same worker, assignment, amount and reason are one
 * bonus, delivered twice). Throws the `ValidationError` of the first bad field.
 */
export function prepare(body: unknown, namespace: string): PreparedBonus {
  const { input, cents } = validateSendBonus(body);
  const identity: BonusIdentity = {
    WorkerId: input.WorkerId,
    AssignmentId: input.AssignmentId,
    cents,
    Reason: input.Reason,
  };
  const UniqueRequestToken = input.UniqueRequestToken ?? deriveToken(namespace, identity, 0);
  return { input: { ...input, UniqueRequestToken }, identity };
}

/**
 * The payment MTurk lists for this bonus, if any: same worker, assignment,
 * amount in cents and reason (`bonusKey`). `ListBonusPayments` carries no
 * tokens, so this is the only way to recognise a bonus after 24 hours.
 */
export async function findPayment(client: QueueClient, identity: BonusIdentity): Promise<BonusPayment | undefined> {
  const key = bonusKey(identity);
  for await (const payment of client.paginateBonusPayments({ AssignmentId: identity.AssignmentId })) {
    if (paymentKey(payment) === key) return payment;
  }
  return undefined;
}

/** What `settle` needs besides the delivery. */
export interface SettleContext {
  readonly client: QueueClient;
  /** The token namespace for bodies without a token. */
  readonly namespace: string;
  /** The local clock, epoch ms; MTurk's clock (`client.serverTime()`) wins when known. */
  readonly now: () => number;
  /** Age from which a message is read back before sending. */
  readonly settleAfterMs: number;
}

/** Pays a prepared bonus, reading back first when its token may be forgotten. */
export async function pay(prepared: PreparedBonus, enqueuedAt: number, context: SettleContext): Promise<Outcome> {
  const { client } = context;
  const token = prepared.input.UniqueRequestToken;
  try {
    const now = client.serverTime()?.getTime() ?? context.now();
    if (pastTokenWindow(enqueuedAt, now, context.settleAfterMs)) {
      const payment = await findPayment(client, prepared.identity);
      if (payment !== undefined) return { kind: "settled", token, payment };
    }
    const output = await client.sendBonus(prepared.input);
    return { kind: output.alreadyGranted ? "alreadyGranted" : "paid", token };
  } catch (error) {
    return classifyFailure(token, error);
  }
}
