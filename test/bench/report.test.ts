/**
 * The bench's one-shot figures: medians per program, and each ratio paired
 * round by round with the SDK program it is compared with, so that load
 * that comes and goes between rounds cancels out. No timing here: the runs
 * are given.
 */
import { describe, expect, it } from "vitest";
import { splitDistance, summarizeOneShots } from "../../scripts/bench/report.mjs";

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

describe("the distance to the ceiling, split by the ceiling on node:http", () => {
  const seq = (cpuPerCall: number) => ({ cpuUs: cpuPerCall * 4, latenciesUs: [1, 1, 1, 1] });
  const c64 = (cpuPerCall: number) => ({ cpuUs: cpuPerCall * 10, calls: 10 });
  // Three rounds, the second on a machine twice as slow. Paired by round, ours ÷ ceiling-http is
  // 1.2, 1.5 and 1.08, median 1.2; the ratio of the medians (130 / 120) would be 1.08.
  const raw = {
    sequential: {
      "ours-node": [seq(120), seq(300), seq(130)],
      "ceiling-http": [seq(100), seq(200), seq(120)],
      ceiling: [seq(80), seq(160), seq(96)],
    },
    throughput: {
      64: { "ours-node": [c64(60), c64(120)], "ceiling-http": [c64(50), c64(100)], ceiling: [c64(50), c64(100)] },
    },
  };

  it("splits the client's own work from the transport's, pairing rounds", () => {
    const split = splitDistance(raw, 64)!;
    expect(split.sequential).toEqual({ client: 1.2, transport: 1.25, whole: 1.5 });
    expect(split.c64).toEqual({ client: 1.2, transport: 1, whole: 1.2 });
  });

  it("is absent from a run without the node:http ceiling", () => {
    expect(splitDistance({ sequential: {}, throughput: {} }, 64)).toBeUndefined();
  });
});
