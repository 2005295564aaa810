/**
 * A client-side rate limiter that backs off when the service throttles:
 * requests are spaced evenly at the current rate; a throttling answer halves
 * the rate (at most once per interval, so one burst of refusals counts once)
 * and successes win it back a little at a time (AIMD, as TCP does).
 */
import { checkOption } from "../options.js";
import type { CallOptions } from "../client.js";
import { sleep } from "../retry.js";

/** Options of a {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per second at most. */
  rate: number;
  /**
   * The floor the rate never drops below when throttled.
   * @default the smaller of `rate` and 0.2 (one request every 5 s)
   */
  minRate?: number;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
  /** How to wait; injectable for tests. @default a timer that stops on the signal */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Successes needed to grow from half the rate back to the full rate. */
const RECOVERY_STEPS = 25;

export class RateLimiter {
  readonly maxRate: number;
  readonly minRate: number;
  private current: number;
  /** When the next request may start. */
  private nextAt = Number.NEGATIVE_INFINITY;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: RateLimiterOptions) {
    checkOption(
      "rate",
      options.rate,
      options.rate > 0 && Number.isFinite(options.rate),
      "a positive number of requests per second",
    );
    this.maxRate = options.rate;
    this.minRate = Math.min(options.minRate ?? 0.2, options.rate);
    this.current = options.rate;
    this.now = options.now ?? Date.now;
    this.wait = options.sleep ?? sleep;
  }

  /** The rate now, in requests per second. */
  get rate(): number {
    return this.current;
  }

  private get interval(): number {
    return 1000 / this.current;
  }

  /** Waits for the next free slot. Slots are handed out in call order. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.interval;
    if (at > now) await this.wait(at - now, signal);
  }

  /** The service throttled: halve the rate, and pause one (new) interval before the next request. */
  throttled(): void {
    const now = this.now();
    if (now - this.lastDecrease < this.interval) return;
    this.current = Math.max(this.minRate, this.current / 2);
    this.lastDecrease = now;
    this.nextAt = Math.max(this.nextAt, now + this.interval);
  }

  /** A request succeeded: grow the rate by a small step, up to the maximum. */
  succeeded(): void {
    this.current = Math.min(this.maxRate, this.current + this.maxRate / (2 * RECOVERY_STEPS));
  }
}

/**
 * The call options of a payout's calls: its signal, and the rate limit for
 * the client's own retries. The first attempt of each call takes its slot
 * before its intent is journaled (see `run.ts`); the client's retries take
 * theirs here, and a throttled attempt slows the limiter at once.
 */
export function limitedCallOptions(limiter: RateLimiter | undefined, signal: AbortSignal | undefined): CallOptions {
  const beforeAttempt: CallOptions["beforeAttempt"] = async (attempt, retryOf) => {
    if (attempt === 1 || limiter === undefined) return;
    if (retryOf?.$retryable?.throttling) limiter.throttled();
    await limiter.acquire(signal);
  };
  return signal === undefined ? { beforeAttempt } : { signal, beforeAttempt };
}
