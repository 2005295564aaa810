/**
 * The per-attempt deadline of a transport, for many attempts at the cost of
 * one timer.
 *
 * Every attempt of a transport has the same time limit, so deadlines expire
 * in the order attempts start: a FIFO list is sorted by deadline for free,
 * and one timer armed for its head serves them all. Starting and finishing
 * an attempt is O(1) and allocates one small record, where a timer per
 * attempt (with an `AbortController` for undici) cost a fifth of the
 * client's CPU. The limit covers the whole attempt, to the last byte of the
 * answer: a server trickling its answer byte by byte cannot stretch it.
 */

interface Entry {
  at: number;
  /** Cleared when the attempt finishes first; finished entries are dropped from the head lazily. */
  expire: (() => void) | undefined;
  next: Entry | undefined;
}

/** A finished attempt's handle: call it to stop its deadline. */
export type Cancel = () => void;

type Timer = ReturnType<typeof setTimeout>;

export class Deadlines {
  readonly #ms: number;
  #head: Entry | undefined;
  #tail: Entry | undefined;
  #timer: Timer | undefined;
  /** When the armed timer fires (epoch ms). */
  #timerAt = 0;
  /** True where timers can be unref'd (Node, Bun): an idle armed timer then costs nothing and is kept. */
  #unrefs = false;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** Calls `expire` once `ms` have passed, unless the returned function is called first. */
  start(expire: () => void): Cancel {
    const entry: Entry = { at: Date.now() + this.#ms, expire, next: undefined };
    if (this.#tail === undefined) this.#head = entry;
    else this.#tail.next = entry;
    this.#tail = entry;
    // An armed timer fires no later than this entry's deadline (entries are in deadline order) unless it is for a later one.
    if (this.#timer === undefined || this.#timerAt > entry.at) this.#arm(entry.at);
    return () => {
      entry.expire = undefined;
      this.#dropFinished();
    };
  }

  /** Stops the timer; pending attempts no longer expire. */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#head = this.#tail = undefined;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    const timer = setTimeout(this.#fire, Math.max(0, at - Date.now()));
    // Never the reason a process stays up: an attempt in flight holds it by its socket anyway.
    const unref = (timer as { unref?: () => void }).unref;
    if (typeof unref === "function") {
      unref.call(timer);
      this.#unrefs = true;
    }
    this.#timer = timer;
  }

  #fire = (): void => {
    this.#timer = undefined;
    const now = Date.now();
    for (let entry = this.#head; entry !== undefined && entry.at <= now; entry = this.#head) {
      this.#head = entry.next;
      const expire = entry.expire;
      entry.expire = undefined;
      expire?.();
    }
    this.#dropFinished();
  };

  /** Drops finished entries at the head, re-arming for the next live one or stopping the timer when none is left. */
  #dropFinished(): void {
    let head = this.#head;
    while (head !== undefined && head.expire === undefined) head = head.next;
    this.#head = head;
    if (head === undefined) {
      this.#tail = undefined;
      // Sequential calls would otherwise set and clear a timer each. Elsewhere (Deno, Workers) a
      // pending timer keeps the program running, so it goes.
      if (!this.#unrefs && this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
    } else if (this.#timer === undefined) {
      this.#arm(head.at);
    }
  }
}
