import { describe, expect, it, vi } from "vitest";
import { formatProgress, ProgressDisplay } from "../../src/bulk/progress.js";
import type { PayoutProgress } from "../../src/bulk/types.js";

const progress: PayoutProgress = {
  total: 990,
  paid: 512,
  failed: 3,
  remaining: 475,
  inFlight: 4,
  ratePerSecond: 4.94,
  rateLimit: 5,
  maxRate: 5,
  paidCents: 61250,
  elapsedMs: 100_000,
};

describe("the progress line", () => {
  it("formats done, failed, remaining, rate and money", () => {
    expect(formatProgress(progress)).toBe(
      "52% · paid 512/990 · failed 3 · remaining 475 · 4.9/s · ETA 1m36s · $612.50 paid",
    );
    expect(formatProgress({ ...progress, rateLimit: 2.5 })).toContain("throttled: limit 2.5/s");
  });

  it("redraws one line in place on a terminal, and writes plain lines otherwise", () => {
    vi.useFakeTimers();
    try {
      let tty = "";
      const live = new ProgressDisplay({ isTTY: true, write: (t: string) => (tty += t) }, { liveIntervalMs: 100 });
      live.update(progress);
      live.start();
      vi.advanceTimersByTime(250);
      live.stop();
      expect(tty).toBe(`\r\x1b[K${formatProgress(progress)}\r\x1b[K${formatProgress(progress)}\r\x1b[K`);
      let log = "";
      const plain = new ProgressDisplay({ write: (t: string) => (log += t) }, { intervalMs: 1000 });
      plain.update(progress);
      plain.start();
      vi.advanceTimersByTime(2500);
      plain.stop();
      expect(log).toBe(`${formatProgress(progress)}\n`.repeat(2));
    } finally {
      vi.useRealTimers();
    }
  });
});
