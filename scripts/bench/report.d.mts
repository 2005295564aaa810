/** Types for report.mjs, for its test (test/bench/report.test.ts). */
export interface OneShotRun {
  firstMs: number;
  exitMs: number;
  rssBytes: number;
}
export interface OneShotRow {
  label: string;
  versus: string | undefined;
  runs: number;
  firstMs: number;
  exitMs: number;
  lingerMs: number;
  rssMB: number;
  bundleBytes: number | undefined;
  vs?: { firstMs: number; exitMs: number; rssMB: number; bundleBytes: number };
}
export function summarizeOneShots(
  raw: { oneshot: Record<string, OneShotRun[]>; bundles?: Record<string, number> },
  plan: { rounds: number },
  programs: Record<string, { label: string; versus?: string; bundle?: string }>,
): Record<string, OneShotRow>;
export function summarize(raw: unknown, plan: unknown, options?: unknown): unknown;
export function renderMarkdown(result: unknown): string;
export interface DistanceSplit {
  /** ours-node ÷ ceiling-http: the client's own work over the same transport. */
  client: number;
  /** ceiling-http ÷ ceiling: node:http against undici. */
  transport: number;
  /** ours-node ÷ ceiling: the target's ratio. */
  whole: number;
}
export function splitDistance(
  raw: {
    sequential: Record<string, { cpuUs: number; latenciesUs: number[] }[]>;
    throughput: Record<number, Record<string, { cpuUs: number; calls: number }[]>>;
  },
  top: number,
): Record<string, DistanceSplit> | undefined;
