/** The live progress line: percentage and ETA, cut to the terminal's width, cleared without a trail. */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PayoutProgress } from "../../src/bulk/pay.js";
import { fitLine, formatDuration, formatProgress, ProgressDisplay } from "../../src/bulk/progress.js";

const progress: PayoutProgress = {
  total: 200,
  paid: 50,
  failed: 0,
  remaining: 150,
  inFlight: 4,
  ratePerSecond: 2.5,
  rateLimit: 1.25,
  maxRate: 5,
  paidCents: 12_345,
  elapsedMs: 20_000,
};

afterEach(() => {
  vi.useRealTimers();
});

/** A terminal of `columns` that keeps what was written. */
function terminal(columns: number): { isTTY: true; columns: number; text: string; write(chunk: string): boolean } {
  return {
    isTTY: true,
    columns,
    text: "",
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe("progress line", () => {
  it("shows the percentage settled and an ETA from the current rate", () => {
    expect(formatProgress(progress)).toMatch(
      /^25% · paid 50\/200 · .* · ETA 1m00s · throttled: limit 1\.3\/s · \$123\.45 paid$/,
    );
    expect(formatProgress({ ...progress, ratePerSecond: 0 })).toContain("ETA —");
    expect(formatProgress({ ...progress, paid: 200, remaining: 0 })).not.toContain("ETA");
    expect([formatDuration(42), formatDuration(97), formatDuration(7500)]).toEqual(["42s", "1m37s", "2h05m"]);
  });

  it("never fills the last column, so it cannot wrap", () => {
    const line = formatProgress(progress);
    expect(fitLine(line, 40)).toHaveLength(39);
    expect(fitLine(line, 40).endsWith("…")).toBe(true);
    expect(fitLine(line, 200)).toBe(line);
    expect(fitLine(line, undefined)).toBe(line);
  });

  it("redraws in place within an 80-column terminal and clears the line when it stops", () => {
    vi.useFakeTimers();
    const tty = terminal(80);
    const display = new ProgressDisplay(tty, { liveIntervalMs: 10 });
    display.update(progress);
    display.start();
    vi.advanceTimersByTime(35);
    display.log("a log line\n");
    vi.advanceTimersByTime(15);
    display.stop();
    const frames = tty.text.split("\r\x1b[K");
    // Every frame fits in 79 columns; the log line was written on a cleared line; the last write clears.
    for (const frame of frames) for (const line of frame.split("\n")) expect([...line].length).toBeLessThanOrEqual(79);
    expect(tty.text).toContain("\r\x1b[Ka log line\n");
    expect(tty.text.endsWith("\r\x1b[K")).toBe(true);
    expect(tty.text).not.toContain("\n25%");
  });
});
