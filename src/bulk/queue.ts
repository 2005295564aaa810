/**
 * The payout's work queue: items ready now, in order, and items waiting for
 * a time (retries). Taking is O(1) for ready items and O(waiting) for
 * retries, which are few, so a whole payout stays linear in its rows.
 */

/** Anything with a time before which it must not be taken (`performance.now()` ms). */
export interface Timed {
  notBefore: number;
}

export class WorkQueue<T extends Timed> {
  private ready: T[] = [];
  private head = 0;
  private waiting: T[] = [];

  /** Items not yet taken. */
  get size(): number {
    return this.ready.length - this.head + this.waiting.length;
  }

  push(item: T): void {
    if (item.notBefore > 0) this.waiting.push(item);
    else this.ready.push(item);
  }

  /** The next item that may be taken at `now`: a due retry first, then the next ready item. */
  take(now: number): T | undefined {
    for (let i = 0; i < this.waiting.length; i++) {
      const item = this.waiting[i] as T;
      if (item.notBefore <= now) {
        this.waiting[i] = this.waiting[this.waiting.length - 1] as T;
        this.waiting.pop();
        return item;
      }
    }
    if (this.head >= this.ready.length) return undefined;
    const item = this.ready[this.head++] as T;
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** When the earliest waiting item becomes due, if any is waiting. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const item of this.waiting) if (next === undefined || item.notBefore < next) next = item.notBefore;
    return next;
  }
}

/** At most `size` holders at once; the rest wait in order. */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    if (this.head < this.waiting.length) {
      const wake = this.waiting[this.head++] as () => void;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      wake();
    } else this.free++;
  }

  /** Runs `task` holding one place. */
  async with<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }
}
