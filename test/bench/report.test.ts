/**
 * The bench's one-shot figures: medians per program, and each ratio paired
 * round by round with the SDK program it is compared with, so that load
 * that comes and goes between rounds cancels out. No timing here: the runs
 * are given.
 */
import { describe, expect, it } from "vitest";
import { summarizeOneShots } from "../../scripts/bench/report.mjs";

const run = (firstMs: number, exitMs: number, rssMB = 50) => ({ firstMs, exitMs, rssBytes: rssMB * 2 ** 20 });
const programs = {
  ours: { label: "ours", versus: "sdk", bundle: "ours-bundle" },
  sdk: { label: "sdk", bundle: "sdk-bundle" },
};

describe("one-shot summaries", () => {
  // Round 2 ran on a machine twice as slow: the ratio must not move.
  const raw = {
    oneshot: {
      ours: [run(100, 110), run(100, 110), run(200, 220), run(200, 220)],
      sdk: [run(200, 200, 100), run(200, 200, 100), run(400, 400, 100), run(400, 400, 100)],
    },
    bundles: { "ours-bundle": 25_000, "sdk-bundle": 500_000 },
  };
  const rows = summarizeOneShots(raw, { rounds: 2 }, programs);

  it("pairs each program with its SDK counterpart round by round", () => {
    expect(rows.ours!.vs!.firstMs, "rows.ours!.vs!.firstMs").toBe(0.5);
    expect(rows.ours!.vs!.exitMs, "rows.ours!.vs!.exitMs").toBe(0.55);
  });

  it("reports how long a program kept running after its answer", () => {
    expect(rows.ours!.lingerMs, "rows.ours!.lingerMs").toBe(15);
    expect(rows.sdk!.lingerMs, "rows.sdk!.lingerMs").toBe(0);
  });

  it("compares bundle bytes and peak RSS as plain ratios", () => {
    expect(rows.ours!.vs!.bundleBytes, "rows.ours!.vs!.bundleBytes").toBe(0.05);
    expect(rows.ours!.vs!.rssMB, "rows.ours!.vs!.rssMB").toBe(0.5);
  });

  it("gives the SDK program no ratio of its own", () => {
    expect(rows.sdk!.vs).toBeUndefined();
  });
});
