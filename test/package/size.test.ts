/**
 * The Worker bundle budget: a one-call Worker, bundled and minified by
 * `npm run size` exactly as the README's table reports it, must stay at or
 * under 10 KB gzipped. A size is deterministic, so this is a plain check.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { requireBuild, ROOT, run } from "../runtimes/helpers.js";

interface SizeReport {
  budgetGzip: number;
  sizes: { "mturk-bonus": { worker: { minified: number; gzip: number; byPackage: Record<string, number> } } };
}

it("the one-call Worker bundle is at most 10 KB gzipped, with no undici in it", async () => {
  requireBuild();
  const child = await run(process.execPath, [join(ROOT, "scripts/size.mjs"), "--only=mturk-bonus"], {
    cwd: ROOT,
    timeoutMs: 30_000,
  });
  expect(child.code, child.stderr).toBe(0);
  const report = JSON.parse(child.stdout) as SizeReport;
  const { worker } = report.sizes["mturk-bonus"];
  expect(report.budgetGzip).toBe(10 * 1024);
  expect(worker.byPackage.undici).toBeUndefined();
  const breakdown = Object.entries(worker.byPackage)
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => `${name} ${bytes}`)
    .join(", ");
  expect(
    worker.gzip,
    `Worker bundle: ${worker.gzip} B gzipped, ${worker.minified} B minified (${breakdown})`,
  ).toBeLessThanOrEqual(report.budgetGzip);
});

it("the queue-consumer Worker (client + mturk-bonus/queue) is at most 14.5 KB gzipped, with no undici in it", async () => {
  requireBuild();
  const child = await run(process.execPath, [join(ROOT, "scripts/size.mjs"), "--only=mturk-bonus"], {
    cwd: ROOT,
    timeoutMs: 30_000,
  });
  expect(child.code, child.stderr).toBe(0);
  const report = JSON.parse(child.stdout) as {
    queueBudgetGzip: number;
    sizes: { "mturk-bonus": { queueWorker: SizeReport["sizes"]["mturk-bonus"]["worker"] } };
  };
  const { queueWorker } = report.sizes["mturk-bonus"];
  expect(report.queueBudgetGzip).toBe(14.5 * 1024);
  expect(queueWorker.byPackage.undici).toBeUndefined();
  expect(
    queueWorker.gzip,
    `queue Worker bundle: ${queueWorker.gzip} B gzipped, ${queueWorker.minified} B minified`,
  ).toBeLessThanOrEqual(report.queueBudgetGzip);
});
