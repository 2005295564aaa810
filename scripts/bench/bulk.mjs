/**
 * The bulk payer's benchmark (issue #9 and #14): against the simulator in its
 * own process, client-side rate limit off.
 *
 *   node scripts/bench/bulk.mjs [--rows 100000] [--million 1000000] [--concurrency 16] [--quick]
 *
 * 1. The bare client: SendBonus calls/s at the same concurrency.
 * 2. A fresh payout of --rows rows with a journal: rows/s, calls and fsyncs
 *    per row, and rows/s as a share of the bare client's calls/s. By default
 *    each row costs two calls (a ListBonusPayments check, then SendBonus), so
 *    the same is measured again with the check off (`payAgainAfter24h`, one
 *    call per row): the payer's own overhead.
 * 3. The same command re-run on the finished journal (target < 10 s), and
 *    the journal replayed alone (target >= 200,000 entries/s).
 * 4. A dry run of the same rows against the finished journal.
 * 5. --million rows validated and planned (a dry run without a journal), in
 *    a process of its own for its peak RSS (targets < 20 s, < 1 GB).
 *
 * Needs `npm run build` first (it runs dist/). Writes bench-results/bulk.{json,md}.
 */
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const { values: args } = parseArgs({
  options: {
    rows: { type: "string" },
    million: { type: "string" },
    concurrency: { type: "string", default: "16" },
    quick: { type: "boolean", default: false },
    child: { type: "string" },
    url: { type: "string" },
    out: { type: "string", default: join(root, "bench-results/bulk.json") },
  },
});

const { MTurkClient } = await import(join(root, "dist/index.js"));
const { SIMULATOR_CREDENTIALS } = await import(join(root, "dist/simulator/index.js"));
const bulk = await import(join(root, "dist/bulk/index.js"));

const ROWS = Number(args.rows ?? (args.quick ? 10_000 : 100_000));
const MILLION = Number(args.million ?? (args.quick ? 100_000 : 1_000_000));
const CONCURRENCY = Number(args.concurrency);
const log = (text) => process.stderr.write(`${text}\n`);

/** `n` distinct rows (a study: one bonus per assignment). */
function rowsOf(n, prefix = "A") {
  const rows = new Array(n);
  for (let i = 0; i < n; i++) {
    rows[i] = {
      line: i + 2,
      WorkerId: `AW${prefix}${String(i).padStart(10, "0")}`,
      AssignmentId: `3${prefix}${String(i).padStart(12, "0")}`,
      BonusAmount: `${1 + (i % 5)}.${String(i % 100).padStart(2, "0")}`,
      Reason: `Bonus for study round ${i % 7}`,
    };
  }
  return rows;
}

const clientFor = (url) => new MTurkClient({ endpoint: url, credentials: SIMULATOR_CREDENTIALS });
const rssMb = () => Math.round((process.resourceUsage().maxRSS * 1024) / 1e6);

/** In a child process: the million-row dry run, reporting its time and peak RSS. */
async function millionChild(url) {
  const client = clientFor(url);
  const started = performance.now();
  const rows = rowsOf(MILLION);
  const made = performance.now();
  const plan = await bulk.previewPayout(rows, { client, target: url });
  const ms = performance.now() - made;
  await client.destroy();
  process.send({ rows: MILLION, ms, generateMs: made - started, toPay: plan.toPay.rows, peakRssMb: rssMb() });
}

function startSimulator() {
  const child = fork(join(here, "sim.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  return new Promise((resolveUrl, reject) => {
    child.once("message", (message) => resolveUrl({ url: message.url, stop: () => child.disconnect() }));
    child.once("exit", (code) => reject(new Error(`simulator exited ${code}`)));
  });
}

async function bareClient(url, calls, tag = "bare") {
  const client = clientFor(url);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < calls) {
        const i = next++;
        const prefix = tag === "warm" ? "W" : "B";
        await client.sendBonus({
          WorkerId: `A${prefix}${String(i).padStart(10, "0")}`,
          AssignmentId: `3${prefix}${String(i).padStart(12, "0")}`,
          BonusAmount: "1.00",
          Reason: tag,
          UniqueRequestToken: `${tag}-${process.pid}-${i}`,
        });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await client.destroy();
  return { calls, seconds, callsPerSecond: calls / seconds };
}

async function main() {
  const sim = await startSimulator();
  const dir = mkdtempSync(join(os.tmpdir(), "bulk-bench-"));
  const journal = join(dir, "study.journal.jsonl");
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    concurrency: CONCURRENCY,
    rows: ROWS,
  };
  try {
    log(`bulk bench: bare client, ${Math.min(ROWS, 20_000)} calls at concurrency ${CONCURRENCY} (after a warm-up)`);
    await bareClient(sim.url, 3_000, "warm");
    result.client = await bareClient(sim.url, Math.min(ROWS, 20_000));

    const rows = rowsOf(ROWS);
    const client = clientFor(sim.url);
    log(`bulk bench: paying ${ROWS} rows`);
    let started = performance.now();
    const paid = await bulk.payBonuses(rows, {
      client,
      journal,
      target: sim.url,
      concurrency: CONCURRENCY,
      rate: Number.POSITIVE_INFINITY,
    });
    let seconds = (performance.now() - started) / 1000;
    if (!paid.complete) throw new Error(`the payout did not complete: ${JSON.stringify(paid.counts)}`);
    result.pay = {
      seconds,
      rowsPerSecond: ROWS / seconds,
      fsyncsPerRow: paid.fsyncs / ROWS,
      callsPerRow: 2, // one ListBonusPayments (no journal record of being paid) and one SendBonus per row
      shareOfClient: ROWS / seconds / result.client.callsPerSecond,
      callsShareOfClient: (2 * ROWS) / seconds / result.client.callsPerSecond,
    };

    log(`bulk bench: paying ${ROWS} other rows without the listing check (one call per row)`);
    const others = rowsOf(ROWS, "C"); // "B" assignments belong to the bare client's workers
    started = performance.now();
    const sendOnly = await bulk.payBonuses(others, {
      client,
      journal: join(dir, "send-only.journal.jsonl"),
      target: sim.url,
      concurrency: CONCURRENCY,
      rate: Number.POSITIVE_INFINITY,
      payAgainAfter24h: true,
    });
    seconds = (performance.now() - started) / 1000;
    if (!sendOnly.complete)
      throw new Error(`the send-only payout did not complete: ${JSON.stringify(sendOnly.counts)}`);
    result.sendOnly = {
      seconds,
      rowsPerSecond: ROWS / seconds,
      fsyncsPerRow: sendOnly.fsyncs / ROWS,
      shareOfClient: ROWS / seconds / result.client.callsPerSecond,
    };

    log("bulk bench: re-running on the finished journal");
    started = performance.now();
    const again = await bulk.payBonuses(rows, {
      client,
      journal,
      target: sim.url,
      concurrency: CONCURRENCY,
      rate: Number.POSITIVE_INFINITY,
    });
    seconds = (performance.now() - started) / 1000;
    if (again.counts.paidNow !== 0) throw new Error("the re-run paid something");
    result.rerun = { seconds };

    started = performance.now();
    const contents = bulk.readJournal(journal);
    const state = bulk.replay(contents.entries);
    seconds = (performance.now() - started) / 1000;
    result.replay = {
      entries: contents.entries.length,
      seconds,
      entriesPerSecond: contents.entries.length / seconds,
      tokens: state.tokens.size,
      bytes: readFileSync(journal).length,
    };

    log("bulk bench: dry run");
    started = performance.now();
    const plan = await bulk.previewPayout(rows, { client, journal, target: sim.url });
    result.dryRun = { seconds: (performance.now() - started) / 1000, alreadyPaid: plan.alreadyPaid.rows };
    result.peakRssMb = rssMb();
    await client.destroy();

    log(`bulk bench: ${MILLION} rows validated and planned, in a process of its own`);
    result.million = await new Promise((resolveMillion, reject) => {
      const child = fork(
        fileURLToPath(import.meta.url),
        ["--child", "million", "--url", sim.url, "--million", String(MILLION)],
        { stdio: ["ignore", "inherit", "inherit", "ipc"] },
      );
      child.once("message", resolveMillion);
      child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`million child exited ${code}`))));
    });
    result.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  } finally {
    sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

const TARGETS = [
  [
    "Re-run of a finished batch",
    (r) => `${r.rerun.seconds.toFixed(2)} s (${r.rows.toLocaleString("en-US")} rows)`,
    (r) => r.rerun.seconds < 10,
    "< 10 s",
  ],
  [
    "Journal replay",
    (r) =>
      `${Math.round(r.replay.entriesPerSecond).toLocaleString("en-US")} entries/s (${r.replay.entries.toLocaleString("en-US")} entries)`,
    (r) => r.replay.entriesPerSecond >= 200_000,
    ">= 200,000/s",
  ],
  [
    "Validated + planned",
    (r) =>
      `${(r.million.ms / 1000).toFixed(2)} s, peak RSS ${r.million.peakRssMb} MB (${r.million.rows.toLocaleString("en-US")} rows)`,
    (r) => r.million.ms < 20_000 && r.million.peakRssMb < 1000,
    "< 20 s, < 1 GB",
  ],
  [
    "Bulk rows/s vs client calls/s, default (check + send: 2 calls/row)",
    (r) =>
      `${Math.round(r.pay.rowsPerSecond)} / ${Math.round(r.client.callsPerSecond)} = ${(100 * r.pay.shareOfClient).toFixed(0)}% (calls: ${(100 * r.pay.callsShareOfClient).toFixed(0)}%)`,
    (r) => r.pay.shareOfClient >= 0.5,
    ">= 50%",
  ],
  [
    "Bulk rows/s vs client calls/s, send only (1 call/row)",
    (r) =>
      `${Math.round(r.sendOnly.rowsPerSecond)} / ${Math.round(r.client.callsPerSecond)} = ${(100 * r.sendOnly.shareOfClient).toFixed(0)}%, ${r.sendOnly.fsyncsPerRow.toFixed(3)} fsyncs/row`,
    (r) => r.sendOnly.shareOfClient >= 0.5,
    ">= 50%",
  ],
];

function markdown(r) {
  const lines = [
    `### Bulk payer (${r.rows.toLocaleString("en-US")} rows, concurrency ${r.concurrency}, rate limit off, ${r.cpus} CPUs, Node ${r.node}, load average at the end ${r.loadAverageAtEnd.join(" ")})`,
    "",
    "| Measure | Result | Target | Met |",
    "|---|---|---|---|",
    ...TARGETS.map(([name, show, met, target]) => `| ${name} | ${show(r)} | ${target} | ${met(r) ? "yes" : "no"} |`),
    `| Paid, fresh journal | ${Math.round(r.pay.rowsPerSecond)} rows/s, ${r.pay.fsyncsPerRow.toFixed(3)} fsyncs/row, ${r.pay.callsPerRow} calls/row | | |`,
    `| Dry run on the finished journal | ${r.dryRun.seconds.toFixed(2)} s | | |`,
    `| Peak RSS (pay, re-run, dry run) | ${r.peakRssMb} MB | | |`,
    "",
  ];
  return lines.join("\n");
}

if (args.child === "million") {
  await millionChild(args.url);
  process.exit(0);
} else {
  const result = await main();
  const md = markdown(result);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(args.out.replace(/\.json$/, ".md"), md);
  process.stdout.write(`${md}\n`);
}
