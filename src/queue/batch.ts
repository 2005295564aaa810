/**
 * A batch, settled with bounded concurrency. Deliveries of the same bonus
 * (the same token) run one after another, so a duplicated event never races
 * its twin to MTurk; a throttled batch halves its concurrency and pauses
 * before starting more, so it slows down instead of spending its deliveries
 * against the rate limit.
 */
import { MTurkError } from "../errors.js";
import { sleep } from "../retry.js";
import { classifyFailure, decide, type Action, type BackoffOptions, type Outcome } from "./policy.js";
import { pay, prepare, type PreparedBonus, type SettleContext } from "./pay.js";
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
  /**
   * Time for one batch, in ms. Bonuses not yet sent when it runs out are
   * redelivered without being sent, so that the batch ends before the
   * engine's own limit (Cloudflare: 15 minutes per batch) cuts it off.
   * @default 600000 (10 minutes)
   */
  timeBudgetMs?: number;
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

/** A delivery with its validated bonus, or the reason it has none. */
type Item = { readonly delivery: Delivery } & ({ readonly bonus: PreparedBonus } | { readonly invalid: unknown });

/** Deliveries grouped by token, in first-seen order; an invalid body is a group of its own. */
function group(deliveries: readonly Delivery[], namespace: string): Item[][] {
  const groups = new Map<string, Item[]>();
  deliveries.forEach((delivery, index) => {
    let item: Item;
    let key: string;
    try {
      if (delivery.undecodable !== undefined) throw delivery.undecodable;
      const bonus = prepare(delivery.body, namespace);
      item = { delivery, bonus };
      key = `t:${bonus.input.UniqueRequestToken}`;
    } catch (error) {
      item = { delivery, invalid: error };
      key = `i:${index}`;
    }
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [item]);
    else list.push(item);
  });
  return [...groups.values()];
}

/** The outcome of a bonus the batch had no time left to send. */
function outOfTime(bonus: PreparedBonus): Outcome {
  const error = new MTurkError({
    name: "BatchTimeBudgetError",
    message: "The batch's time budget ran out before this bonus was sent; it was not sent",
  });
  return { kind: "failed", token: bonus.input.UniqueRequestToken, error, throttled: false };
}

/**
 * Settles every delivery of a batch and decides each one's action. Never
 * throws; the result is in the order of `deliveries`.
 */
export async function settleBatch(
  deliveries: readonly Delivery[],
  context: SettleContext,
  options: BatchOptions = {},
): Promise<Settled[]> {
  const concurrency = options.concurrency ?? 6;
  const pace = new Pace(concurrency, options.throttlePauseMs ?? 1000);
  const random = options.random ?? Math.random;
  const results = new Map<Delivery, Settled>();
  const groups = group(deliveries, context.namespace);
  const deadline = Date.now() + (options.timeBudgetMs ?? 600_000);
  let next = 0;

  const runGroup = async (items: Item[]): Promise<void> => {
    for (const item of items) {
      const { delivery } = item;
      const outcome =
        "invalid" in item
          ? classifyFailure(undefined, item.invalid)
          : Date.now() >= deadline
            ? outOfTime(item.bonus)
            : await pay(item.bonus, delivery.enqueuedAt, context);
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
