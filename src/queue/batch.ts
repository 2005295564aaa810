/**
 * A batch, settled with bounded concurrency. Deliveries of the same bonus
 * (the same token) run one after another, so a duplicated event never races
 * its twin to MTurk; a throttled batch halves its concurrency and pauses
 * before starting more, so it slows down instead of spending its deliveries
 * against the rate limit.
 */
import { sleep } from "../retry.js";
import { decide, type Action, type BackoffOptions, type Outcome } from "./policy.js";
import { pay, prepare, type PreparedBonus, type SettleContext } from "./pay.js";
import { classifyFailure } from "./policy.js";
import type { Delivery } from "./types.js";

/** How a batch is run. */
export interface BatchOptions extends BackoffOptions {
  /**
   * Bonuses in flight at once within a batch. Cloudflare Workers run at most
   * six outgoing connections per invocation, so more only queues inside the runtime.
   * @default 6
   */
  concurrency?: number;
  /**
   * Pause, in ms, before starting more bonuses after MTurk throttled one.
   * @default 1000
   */
  throttlePauseMs?: number;
  /** Random numbers for the backoff jitter. @default Math.random */
  random?: () => number;
}

/** One delivery's outcome and the action it leads to. */
export interface Settled {
  readonly delivery: Delivery;
  readonly outcome: Outcome;
  readonly action: Action;
}

/** The shared pace of one batch: how many may run, and not before when. */
class Pace {
  #pauseUntil = 0;

  constructor(
    public limit: number,
    readonly pauseMs: number,
  ) {}

  /** MTurk throttled: halve the concurrency (never below one) and pause. */
  throttled(): void {
    this.limit = Math.max(1, Math.ceil(this.limit / 2));
    this.#pauseUntil = Math.max(this.#pauseUntil, Date.now() + this.pauseMs);
  }

  async wait(): Promise<void> {
    const ms = this.#pauseUntil - Date.now();
    if (ms > 0) await sleep(ms, undefined);
  }
}

/** Deliveries grouped by token, in first-seen order; an invalid body is a group of its own. */
function group(deliveries: readonly Delivery[], namespace: string): { delivery: Delivery; prepared: PreparedBonus | unknown }[][] {
  const groups = new Map<string, { delivery: Delivery; prepared: PreparedBonus | unknown }[]>();
  deliveries.forEach((delivery, index) => {
    let prepared: PreparedBonus | unknown;
    let key: string;
    try {
      if (delivery.undecodable !== undefined) throw delivery.undecodable;
      const valid = prepare(delivery.body, namespace);
      prepared = valid;
      key = `t:${valid.input.UniqueRequestToken}`;
    } catch (error) {
      prepared = error;
      key = `i:${index}`;
    }
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [{ delivery, prepared }]);
    else list.push({ delivery, prepared });
  });
  return [...groups.values()];
}

function isPrepared(value: unknown): value is PreparedBonus {
  return typeof value === "object" && value !== null && "identity" in value && "input" in value;
}

/**
 * Settles every delivery of a batch and decides each one's action. Never
 * throws; the result is in the order of `deliveries`.
 */
export async function settleBatch(deliveries: readonly Delivery[], context: SettleContext, options: BatchOptions = {}): Promise<Settled[]> {
  const concurrency = options.concurrency ?? 6;
  const pace = new Pace(concurrency, options.throttlePauseMs ?? 1000);
  const random = options.random ?? Math.random;
  const results = new Map<Delivery, Settled>();
  const groups = group(deliveries, context.namespace);
  let next = 0;

  const runGroup = async (items: { delivery: Delivery; prepared: PreparedBonus | unknown }[]): Promise<void> => {
    for (const { delivery, prepared } of items) {
      const outcome = isPrepared(prepared) ? await pay(prepared, delivery.enqueuedAt, context) : classifyFailure(undefined, prepared);
      if (outcome.kind === "failed" && outcome.throttled) pace.throttled();
      results.set(delivery, { delivery, outcome, action: decide(outcome, delivery.attempts, options, random) });
    }
  };

  const lane = async (index: number): Promise<void> => {
    // A lane above the current limit stops taking work: that is how a throttled batch narrows.
    while (index < pace.limit && next < groups.length) {
      const items = groups[next++]!;
      await pace.wait();
      await runGroup(items);
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, (_, index) => lane(index)));
  return deliveries.map((delivery) => results.get(delivery)!);
}
