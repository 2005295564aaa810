/**
 * `npm run bench`: this library against @aws-sdk/client-mturk and against the
 * ceiling (a minimal node:crypto signer on undici), all talking to the
 * simulator in its own process with signature checking on. Also one-shot
 * programs (a one-call script, the same bundled as for Lambda, the CLI's
 * `send` and `balance`): spawn to first answer, spawn to exit, peak RSS and
 * bundle bytes; and the one-call Worker bundle against its budget.
 *
 * Every client lives in its own warm worker process (so peak RSS is its own);
 * the orchestrator runs them one at a time, interleaved in rounds: in each
 * round every workload runs a slice for every client, in an order rotated
 * per round, so drift on a shared machine hits every client alike.
 *
 *   node scripts/bench/index.mjs [--rounds 8] [--quick] [--out bench-results/latest.json]
 *
 * Writes a Markdown table to stdout and bench-results/latest.{json,md}.
 */
import { execFileSync, fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bundleSizes, WORKER_BUDGET_GZIP } from "../size.mjs";
import { CLIENTS, CLIENT_NAMES, SIGNERS } from "./clients.mjs";
import { buildBundles, oneShotPrograms, runOneShot } from "./oneshot.mjs";
import { renderMarkdown, summarize } from "./report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string" },
    quick: { type: "boolean", default: false },
    out: { type: "string", default: join(root, "bench-results/latest.json") },
  },
});

/**
 * Workload sizes, totals over all rounds. The minimums: 2,000
 * sequential calls, 5,000 calls per concurrency level, 15 cold starts.
 */
const FULL = {
  rounds: 8,
  sequential: 2400,
  throughput: 5600,
  concurrencies: [1, 16, 64],
  coldStarts: 16,
  signMs: 300,
  warmup: 800,
};
const QUICK = {
  rounds: 2,
  sequential: 200,
  throughput: 400,
  concurrencies: [1, 16, 64],
  coldStarts: 4,
  signMs: 100,
  warmup: 200,
};
const plan = { ...(args.quick ? QUICK : FULL) };
if (args.rounds !== undefined) plan.rounds = Math.max(1, Number(args.rounds));
const perRound = (total) => Math.ceil(total / plan.rounds);
const coldPerRound = Math.max(1, Math.ceil(plan.coldStarts / plan.rounds));
// The totals actually run, for the report.
plan.sequential = perRound(plan.sequential) * plan.rounds;
plan.throughput = perRound(plan.throughput) * plan.rounds;
plan.coldStarts = coldPerRound * plan.rounds;

const SIGNER_NAMES = ["ours-node", "ours-webcrypto", "sdk", "ceiling"];

/** A forked child speaking request/answer over IPC. */
function ipcChild(script, argv = [], { onFirstMessage } = {}) {
  const child = fork(join(here, script), argv, { stdio: ["ignore", "inherit", "pipe", "ipc"], execArgv: [] });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  let nextId = 1;
  const pending = new Map();
  let first = onFirstMessage;
  child.on("message", (message) => {
    if (first) {
      const f = first;
      first = undefined;
      f(message);
      return;
    }
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${script}: ${message.error}`));
  });
  child.on("exit", (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited (${code ?? signal}) ${stderr}`));
    pending.clear();
  });
  return {
    child,
    stderr: () => stderr,
    call(message) {
      return new Promise((resolvePromise, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolvePromise, reject });
        child.send({ ...message, id });
      });
    },
    stop() {
      if (child.connected) child.disconnect();
      return new Promise((resolvePromise) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolvePromise();
        });
      });
    },
  };
}

function startSimulatorProcess() {
  return new Promise((resolvePromise, reject) => {
    const sim = ipcChild("sim.mjs", [], {
      onFirstMessage: (message) => resolvePromise({ ...sim, url: message.url, pid: message.pid }),
    });
    sim.child.once("exit", (code) => reject(new Error(`simulator exited early (${code}): ${sim.stderr()}`)));
  });
}

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}

function gitCommit() {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain", "--", "src", "scripts"], { cwd: root, encoding: "utf8" }).trim() !==
      "";
    return dirty ? `${commit}+uncommitted changes to src or scripts` : commit;
  } catch {
    return "unknown";
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function log(text) {
  process.stderr.write(`${text}\n`);
}

async function main() {
  const started = performance.now();
  const info = {
    date: new Date().toISOString(),
    machine: machine(),
    versions: {
      "mturk-bonus": `${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version} (${gitCommit()})`,
      "undici (the ceiling)": versionOf("undici"),
      "@aws-crypto/sha256-js": versionOf("@aws-crypto/sha256-js"),
      esbuild: versionOf("esbuild"),
      "@aws-sdk/client-mturk": versionOf("@aws-sdk/client-mturk"),
    },
    plan,
  };
  log(`bench: ${info.machine.cores} × ${info.machine.cpu}, Node ${info.machine.node}, ${plan.rounds} rounds`);

  const sim = await startSimulatorProcess();
  const { bundles, remove: removeBundles } = await buildBundles(root);
  const programs = oneShotPrograms({ root, bundles });
  const PROGRAM_NAMES = Object.keys(programs);
  const { SIMULATOR_CREDENTIALS } = await import("../../dist/simulator/index.js");
  const credentials = { ...SIMULATOR_CREDENTIALS };
  const workers = new Map();
  const signers = new Map();
  const raw = {
    sequential: Object.fromEntries(CLIENT_NAMES.map((n) => [n, []])),
    throughput: Object.fromEntries(
      plan.concurrencies.map((c) => [c, Object.fromEntries(CLIENT_NAMES.map((n) => [n, []]))]),
    ),
    sign: Object.fromEntries(SIGNER_NAMES.map((n) => [n, []])),
    oneshot: Object.fromEntries(PROGRAM_NAMES.map((n) => [n, []])),
    bundles: Object.fromEntries(Object.entries(bundles).map(([n, b]) => [n, b.bytes])),
    worker: (await bundleSizes({ only: "mturk-bonus" }))["mturk-bonus"].worker,
    workerBudgetGzip: WORKER_BUDGET_GZIP,
    memory: {},
    simulator: {},
  };

  try {
    for (const name of CLIENT_NAMES) {
      const worker = ipcChild("worker.mjs");
      workers.set(name, worker);
      // One at a time: warming up is itself a load.
      await worker.call({ op: "init", kind: "client", name, endpoint: sim.url, credentials, warmup: plan.warmup });
    }
    for (const name of SIGNER_NAMES) {
      const worker = ipcChild("worker.mjs");
      signers.set(name, worker);
      await worker.call({ op: "init", kind: "signer", name, endpoint: sim.url, credentials, warmupMs: plan.signMs });
    }
    log(`bench: warm after ${((performance.now() - started) / 1000).toFixed(1)} s`);

    for (let round = 0; round < plan.rounds; round++) {
      const order = rotate(CLIENT_NAMES, round);
      for (const name of order)
        raw.sequential[name].push(await workers.get(name).call({ op: "sequential", calls: perRound(plan.sequential) }));
      for (const concurrency of plan.concurrencies) {
        for (const name of order) {
          const before = (await sim.call({ op: "cpu" })).cpuUs;
          const slice = await workers
            .get(name)
            .call({ op: "throughput", calls: perRound(plan.throughput), concurrency });
          slice.simulatorCpuUs = (await sim.call({ op: "cpu" })).cpuUs - before;
          raw.throughput[concurrency][name].push(slice);
        }
      }
      for (const name of rotate(SIGNER_NAMES, round))
        raw.sign[name].push(await signers.get(name).call({ op: "sign", minMs: plan.signMs }));
      for (let i = 0; i < coldPerRound; i++) {
        for (const name of rotate(PROGRAM_NAMES, round + i))
          raw.oneshot[name].push(await runOneShot(programs[name], sim.url, credentials, root));
      }
      log(`bench: round ${round + 1}/${plan.rounds} done at ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }

    for (const [name, worker] of workers) raw.memory[name] = await worker.call({ op: "stats" });
    raw.simulator = await sim.call({ op: "stats" });
    for (const worker of workers.values()) await worker.call({ op: "close" });
  } finally {
    await Promise.all([...workers.values(), ...signers.values(), sim].map((child) => child.stop()));
    removeBundles();
  }

  info.machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  info.durationSeconds = Math.round((performance.now() - started) / 100) / 10;
  const summary = summarize(raw, plan, { clients: CLIENTS, signers: SIGNERS, programs });
  const result = { ...info, summary, simulator: raw.simulator, raw };
  const markdown = renderMarkdown(result);

  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${args.out.replace(/\.json$/, "")}.md`, markdown);
  process.stdout.write(markdown);
  log(`bench: ${info.durationSeconds} s; results in ${args.out}`);
  if (raw.simulator.signatureFailures > 0 || raw.simulator.requestErrors > 0) {
    log(`bench: the simulator refused requests: ${JSON.stringify(raw.simulator)}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  log(`bench failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
});

// The bulk payer's figures (scripts/bench/bulk.mjs), in their own process, once the client's are done.
process.once("beforeExit", () => {
  try {
    execFileSync(process.execPath, [join(here, "bulk.mjs"), ...(args.quick ? ["--quick"] : [])], { stdio: "inherit" });
  } catch {
    process.exitCode = 1;
  }
});
