/**
 * Progress on a stream (stderr): a live line redrawn in place on a
 * terminal, or a plain line every few seconds when the output is a file or
 * a pipe (CI logs, `2> log`), so that logs stay readable.
 */
import { formatDollars } from "../money.js";
import type { PayoutProgress } from "./types.js";

/** Where progress goes: stderr, or anything with `write` (and `isTTY`). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** The terminal's width; the live line is cut to fit, so it never wraps. */
  readonly columns?: number;
}

/** Options of a {@link ProgressDisplay}. */
export interface ProgressOptions {
  /** Milliseconds between lines when the stream is not a terminal. @default 10000 */
  intervalMs?: number;
  /** Milliseconds between redraws on a terminal. @default 250 */
  liveIntervalMs?: number;
}

/** `1m37s`, `42s`, `2h05m`: short enough for a status line. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** `52% · paid 512/990 · failed 3 · remaining 475 · 4.9/s · ETA 1m37s · $612.50 paid`. */
export function formatProgress(p: PayoutProgress): string {
  const settled = p.paid + p.failed;
  const percent = p.total === 0 ? 100 : Math.floor((settled * 100) / p.total);
  const parts = [
    `${percent}%`,
    `paid ${p.paid}/${p.total}`,
    `failed ${p.failed}`,
    `remaining ${p.remaining}`,
    `${p.ratePerSecond.toFixed(1)}/s`,
  ];
  if (p.remaining > 0)
    parts.push(p.ratePerSecond > 0 ? `ETA ${formatDuration(p.remaining / p.ratePerSecond)}` : "ETA —");
  if (p.rateLimit < p.maxRate) parts.push(`throttled: limit ${p.rateLimit.toFixed(1)}/s`);
  parts.push(`${formatDollars(p.paidCents)} paid`);
  return parts.join(" · ");
}

/**
 * Cuts a line to fit `columns` without wrapping: one column is left free,
 * because many terminals wrap when the last column is written, and a wrapped
 * line is what leaves a trail of stale lines behind `\r`.
 */
export function fitLine(line: string, columns: number | undefined): string {
  if (columns === undefined || columns <= 1) return line;
  const room = columns - 1;
  const chars = [...line];
  return chars.length <= room ? line : `${chars.slice(0, Math.max(0, room - 1)).join("")}…`;
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
      this.stream.write(`\r\x1b[K${fitLine(line, this.stream.columns)}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Writes a line of text (a log message) above the live line, which is redrawn below it at the next tick. */
  log(text: string): void {
    if (this.live && this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
    this.stream.write(text);
  }

  /** Stops redrawing and clears the live line (the summary follows). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.live && this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
  }
}
