/**
 * How fast the input side reads a big study: a CSV of N rows (default
 * 1,000,000) read from disk as bytes, decoded, split, mapped and checked by
 * parseBonusFile, in a fresh process so that its peak RSS is its own.
 * Not a test: timing belongs here.
 *
 *   npm run build && node scripts/bench/input.mjs [rows]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

if (process.argv[2] === "--measure") {
  const { parseBonusFile } = await import("../../dist/bulk/rows.js");
  const file = process.argv[3];
  const start = performance.now();
  const cpu = process.cpuUsage();
  const bytes = readFileSync(file);
  const { rows } = parseBonusFile(bytes, { fileName: file });
  const ms = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    `${rows.length.toLocaleString("en-US")} rows (${(bytes.length / 1e6).toFixed(0)} MB) read and checked in ${(ms / 1000).toFixed(2)} s ` +
      `(${Math.round(rows.length / (ms / 1000)).toLocaleString("en-US")} rows/s; CPU ${((user + system) / 1e6).toFixed(2)} s, which a busy machine inflates less), ` +
      `peak RSS ${(peak / 1e6).toFixed(0)} MB`,
  );
} else {
  const count = Number(process.argv[2] ?? 1_000_000);
  const id = (prefix, n, width) => prefix + n.toString(36).toUpperCase().padStart(width, "0");
  const parts = ["WorkerId,AssignmentId,BonusAmount,Reason\r\n"];
  for (let i = 0; i < count; i++) {
    const cents = (i % 500) + 1;
    parts.push(
      `${id("A", i, 13)},${id("3", i, 29)},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")},"Thanks, participant ${i}: accuracy bonus"\r\n`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "mturk-bonus-input-"));
  const file = join(dir, "bench.csv");
  writeFileSync(file, parts.join(""));
  try {
    process.stdout.write(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--measure", file], { encoding: "utf8" }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
