/**
 * Profiles one client under load with `node --cpu-prof`, against the same
 * simulator process the benchmark uses, and prints where the time goes:
 * self time by module group and the hottest functions.
 *
 *   node scripts/bench/profile.mjs <client|signer> [--concurrency 64] [--calls 20000] [--sign] [--simulator]
 *
 * `--sign` profiles the signing-alone loop instead of calls; `--simulator`
 * profiles the simulator process too. Profiles are written to
 * bench-results/profiles/ (open them in Chrome DevTools or speedscope).
 */
import { fork } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: "string", default: "64" },
    calls: { type: "string", default: "20000" },
    sign: { type: "boolean", default: false },
    simulator: { type: "boolean", default: false },
    top: { type: "string", default: "25" },
  },
});
const name = positionals[0] ?? "ours-node";
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const dir = join(root, "bench-results/profiles", `${name}-${stamp}`);
mkdirSync(dir, { recursive: true });

function child(script, execArgv) {
  const proc = fork(join(here, script), [], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let id = 0;
  const pending = new Map();
  let first;
  const ready = new Promise((r) => (first = r));
  proc.on("message", (m) => {
    if (m.id === undefined) return first(m);
    const waiter = pending.get(m.id);
    pending.delete(m.id);
    m.ok ? waiter.resolve(m.result) : waiter.reject(new Error(m.error));
  });
  return {
    ready,
    call: (message) =>
      new Promise((res, rej) => {
        pending.set(++id, { resolve: res, reject: rej });
        proc.send({ ...message, id });
      }),
    stop: () =>
      new Promise((res) => {
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        proc.once("exit", () => {
          clearTimeout(timer);
          res();
        });
        proc.disconnect();
      }),
  };
}

const profArgs = (prefix) => ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-name", `${prefix}.cpuprofile`];
const sim = child("sim.mjs", args.simulator ? profArgs("simulator") : []);
const { url } = await sim.ready;
const { SIMULATOR_CREDENTIALS } = await import("../../dist/simulator/index.js");
const worker = child("worker.mjs", profArgs("client"));
const credentials = { ...SIMULATOR_CREDENTIALS };
try {
  if (args.sign) {
    await worker.call({ op: "init", kind: "signer", name, endpoint: url, credentials, warmupMs: 300 });
    const r = await worker.call({ op: "sign", minMs: 5000 });
    console.log(`${name}: ${Math.round((r.calls / r.wallMs) * 1000)} signs/s`);
  } else {
    await worker.call({ op: "init", kind: "client", name, endpoint: url, credentials, warmup: 1000 });
    const r = await worker.call({ op: "throughput", calls: Number(args.calls), concurrency: Number(args.concurrency) });
    console.log(
      `${name}: ${Math.round((r.calls / r.wallMs) * 1000)} calls/s at concurrency ${args.concurrency}, ${Math.round(r.cpuUs / r.calls)} µs CPU per call`,
    );
    await worker.call({ op: "close" });
  }
} finally {
  await worker.stop();
  await sim.stop();
}

/** Self time per function and per module group from a .cpuprofile. */
function summarize(file) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const groups = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = url.replace(`file://${root}/`, "").replace(/^node_modules\//, "");
    const key = `${functionName || "(anonymous)"}  ${where}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const group = !url
      ? functionName.startsWith("(")
        ? functionName
        : "(native)"
      : url.startsWith("node:")
        ? "node: internals"
        : (/node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? where.split("/").slice(0, 2).join("/"));
    groups.set(group, (groups.get(group) ?? 0) + us);
  }
  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${file.replace(`${root}/`, "")}: ${(total / 1000).toFixed(0)} ms sampled`);
  console.log("  by module:");
  for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`    ${pct(us)}  ${g}`);
  console.log("  hottest functions (self time):");
  for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top)))
    console.log(`    ${pct(us)}  ${f}`);
}

for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) summarize(join(dir, file));
