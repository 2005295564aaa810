/**
 * Progress on a stream (stderr): a live line redrawn in place on a
 * terminal, or a plain line every few seconds when the output is a file or
 * a pipe (CI logs, `2> log`), so that logs stay readable.
 */
import type { PayoutProgress } from "./pay.js";
import { formatDollars } from "./plan.js";

/** Where progress goes: stderr, or anything with `write` (and `isTTY`). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Options of a {@link ProgressDisplay}. */
export interface ProgressOptions {
  /** Milliseconds between lines when the stream is not a terminal. @default 10000 */
  intervalMs?: number;
  /** Milliseconds between redraws on a terminal. @default 250 */
  liveIntervalMs?: number;
}

/** `paid 512/990 · failed 3 · remaining 475 · 4.9/s · $612.50 paid`. */
export function formatProgress(p: PayoutProgress): string {
  const parts = [`paid ${p.paid}/${p.total}`, `failed ${p.failed}`, `remaining ${p.remaining}`, `${p.ratePerSecond.toFixed(1)}/s`];
  if (p.rateLimit < p.maxRate) parts.push(`throttled: limit ${p.rateLimit.toFixed(1)}/s`);
  parts.push(`${formatDollars(p.paidCents)} paid`);
  return parts.join(" · ");
}

export class ProgressDisplay {
  private latest: PayoutProgress | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawn = false;
  private readonly live: boolean;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions = {},
  ) {
    this.live = stream.isTTY === true;
  }

  /** Records the newest counts; they are shown at the next tick. */
  update(progress: PayoutProgress): void {
    this.latest = progress;
  }

  start(): void {
    if (this.timer !== undefined) return;
    const every = this.live ? (this.options.liveIntervalMs ?? 250) : (this.options.intervalMs ?? 10_000);
    this.timer = setInterval(() => this.draw(), every);
    this.timer.unref();
  }

  private draw(): void {
    if (this.latest === undefined) return;
    const line = formatProgress(this.latest);
    if (this.live) {
      this.stream.write(`\r\x1b[K${line}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Stops redrawing and clears the live line (the summary follows). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.live && this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
  }
}
