/**
 * Turns the raw slices of a run into figures, ratios and target checks, and
 * renders them as Markdown.
 */

const CLIENT_COLUMNS = ["ours-node", "ours-fetch", "sdk", "ceiling"];

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
const rate = (slice) => (slice.calls / slice.wallMs) * 1000;

/**
 * The median over rounds of one client's figure divided by another's in the
 * same round: slices that ran side by side are compared, so load that comes
 * and goes on a shared machine (other processes) cancels out.
 */
function pairedRatio(perRound, name, base) {
  const ours = perRound[name];
  const theirs = perRound[base];
  if (!ours || !theirs) return Number.NaN;
  const rounds = Math.min(ours.length, theirs.length);
  return median(Array.from({ length: rounds }, (_, i) => ours[i] / theirs[i]));
}

/** Splits a list into `rounds` consecutive groups (cold starts run `coldPerRound` per round). */
function byRound(list, rounds) {
  const size = Math.ceil(list.length / rounds);
  return Array.from({ length: rounds }, (_, i) => list.slice(i * size, (i + 1) * size)).filter(
    (group) => group.length > 0,
  );
}

/** The figures of one run: one row per measure, one value per client. */
export function summarize(raw, plan, { programs } = {}) {
  const rows = [];
  const add = (id, label, unit, better, values, extra = {}) => rows.push({ id, label, unit, better, values, ...extra });

  const latencies = Object.fromEntries(
    CLIENT_COLUMNS.map((name) => [
      name,
      raw.sequential[name].flatMap((slice) => slice.latenciesUs).sort((a, b) => a - b),
    ]),
  );
  const calls = (name) => latencies[name].length;
  const roundQuantile = (q) =>
    mapClients((n) =>
      raw.sequential[n].map((slice) =>
        quantile(
          [...slice.latenciesUs].sort((a, b) => a - b),
          q,
        ),
      ),
    );
  add(
    "sequential-p50",
    "Sequential latency p50",
    "ms",
    "lower",
    mapClients((n) => quantile(latencies[n], 0.5) / 1000),
    {
      calls: mapClients(calls),
      perRound: roundQuantile(0.5),
    },
  );
  add(
    "sequential-p99",
    "Sequential latency p99",
    "ms",
    "lower",
    mapClients((n) => quantile(latencies[n], 0.99) / 1000),
    {
      calls: mapClients(calls),
    },
  );

  for (const concurrency of plan.concurrencies) {
    const slices = raw.throughput[concurrency];
    add(
      `throughput-c${concurrency}`,
      `Throughput, concurrency ${concurrency}`,
      "calls/s",
      "higher",
      mapClients((n) => median(slices[n].map(rate))),
      {
        calls: mapClients((n) => sum(slices[n].map((s) => s.calls))),
        perRound: mapClients((n) => slices[n].map(rate)),
        simulatorCpuUsPerCall: mapClients(
          (n) => sum(slices[n].map((s) => s.simulatorCpuUs)) / sum(slices[n].map((s) => s.calls)),
        ),
        simulatorCpuShare: mapClients(
          (n) => sum(slices[n].map((s) => s.simulatorCpuUs)) / 1000 / sum(slices[n].map((s) => s.wallMs)),
        ),
      },
    );
  }
  const top = Math.max(...plan.concurrencies);
  const topSlices = raw.throughput[top];
  add(
    `client-cpu-c${top}`,
    `Client CPU per call at concurrency ${top}`,
    "µs",
    "lower",
    mapClients((n) => sum(topSlices[n].map((s) => s.cpuUs)) / sum(topSlices[n].map((s) => s.calls))),
    {
      perRound: mapClients((n) => topSlices[n].map((s) => s.cpuUs / s.calls)),
    },
  );

  add(
    "client-cpu-sequential",
    "Client CPU per call, sequential",
    "µs",
    "lower",
    mapClients((n) => sum(raw.sequential[n].map((s) => s.cpuUs)) / calls(n)),
    {
      perRound: mapClients((n) => raw.sequential[n].map((s) => s.cpuUs / s.latenciesUs.length)),
    },
  );

  const signRates = (name) => raw.sign[name].map(rate);
  // One signer serves both transports, so both columns show it.
  const signers = (ours) => ({ "ours-node": ours, "ours-fetch": ours, sdk: "sdk", ceiling: "ceiling" });
  for (const [id, label, ours] of [
    ["signing", "Signing alone (build + sign, no send)", "ours-node"],
    ["signing-webcrypto", "Signing alone, our signer on WebCrypto (the edge build's hash)", "ours-webcrypto"],
  ]) {
    const source = signers(ours);
    add(
      id,
      label,
      "signs/s",
      "higher",
      mapClients((n) => median(signRates(source[n]))),
      { perRound: mapClients((n) => signRates(source[n])) },
    );
  }

  const oneshot = (n, field) => raw.oneshot[n].map((run) => run[field]);
  add(
    "cold-start",
    "Cold start, spawn → first response (median)",
    "ms",
    "lower",
    mapClients((n) => median(oneshot(n, "firstMs"))),
    {
      calls: mapClients((n) => raw.oneshot[n].length),
      perRound: mapClients((n) => byRound(oneshot(n, "firstMs"), plan.rounds).map(median)),
    },
  );
  add(
    "spawn-to-exit",
    "One-call script, spawn → exit (median)",
    "ms",
    "lower",
    mapClients((n) => median(oneshot(n, "exitMs"))),
    {
      perRound: mapClients((n) => byRound(oneshot(n, "exitMs"), plan.rounds).map(median)),
    },
  );
  add(
    "peak-rss",
    "Peak RSS of the client process",
    "MB",
    "lower",
    mapClients((n) => raw.memory[n].maxRssBytes / 2 ** 20),
  );

  // Ratios pair the rounds where a row has them (peak RSS is one figure per process).
  for (const row of rows) {
    const versus = (base) =>
      mapClients((n) => (row.perRound ? pairedRatio(row.perRound, n, base) : row.values[n] / row.values[base]));
    row.vsSdk = versus("sdk");
    row.vsCeiling = versus("ceiling");
  }
  const processes = summarizeOneShots(raw, plan, programs ?? {});
  const worker = { gzip: raw.worker?.gzip, minified: raw.worker?.minified, budgetGzip: raw.workerBudgetGzip };
  return { rows, processes, worker, targets: targets(rows, processes, worker), split: splitDistance(raw, top) };
}

/**
 * The distance from mturk-bonus to the ceiling, in client CPU per call,
 * split by the ceiling on node:http (`ceiling-http`): the client's own work
 * (ours ÷ ceiling-http, the same transport) and the transport's
 * (ceiling-http ÷ ceiling, node:http against undici). Each ratio pairs the
 * rounds; undefined when the run had no `ceiling-http` client.
 */
export function splitDistance(raw, top) {
  if (raw.sequential?.["ceiling-http"] === undefined) return undefined;
  const perCall = (slices) =>
    Object.fromEntries(
      Object.entries(slices).map(([n, list]) => [n, list.map((s) => s.cpuUs / (s.calls ?? s.latenciesUs.length))]),
    );
  const split = (perRound) => ({
    client: pairedRatio(perRound, "ours-node", "ceiling-http"),
    transport: pairedRatio(perRound, "ceiling-http", "ceiling"),
    whole: pairedRatio(perRound, "ours-node", "ceiling"),
  });
  return { sequential: split(perCall(raw.sequential)), [`c${top}`]: split(perCall(raw.throughput[top])) };
}

/** One row per one-shot program: medians, and ratios to the SDK program it is compared with, paired by round. */
export function summarizeOneShots(raw, plan, programs) {
  const out = {};
  for (const [name, runs] of Object.entries(raw.oneshot ?? {})) {
    const field = (f) => runs.map((run) => run[f]);
    const perRound = (f) => byRound(field(f), plan.rounds).map(median);
    const row = {
      label: programs[name]?.label ?? name,
      versus: programs[name]?.versus,
      runs: runs.length,
      firstMs: median(field("firstMs")),
      exitMs: median(field("exitMs")),
      lingerMs: median(runs.map((run) => run.exitMs - run.firstMs)),
      rssMB: median(field("rssBytes")) / 2 ** 20,
      bundleBytes: raw.bundles?.[programs[name]?.bundle],
      perRound: { firstMs: perRound("firstMs"), exitMs: perRound("exitMs") },
    };
    out[name] = row;
  }
  for (const row of Object.values(out)) {
    const base = row.versus === undefined ? undefined : out[row.versus];
    if (base === undefined) continue;
    const paired = (f) =>
      median(row.perRound[f].map((value, i) => value / base.perRound[f][i]).filter(Number.isFinite));
    row.vs = {
      firstMs: paired("firstMs"),
      exitMs: paired("exitMs"),
      rssMB: row.rssMB / base.rssMB,
      bundleBytes: row.bundleBytes / base.bundleBytes,
    };
  }
  return out;
}

function mapClients(f) {
  return Object.fromEntries(CLIENT_COLUMNS.map((name) => [name, f(name)]));
}

/** The issues' targets, each checked on this run's ratios. */
function targets(rows, processes, worker) {
  const row = (id) => rows.find((r) => r.id === id);
  const verdict = (ratio, op, limit) =>
    Number.isFinite(ratio) ? (op === ">=" ? ratio >= limit : ratio <= limit) : false;
  const check = (label, id, client, op, limit, base = "sdk") => {
    const ratio = (base === "ceiling" ? row(id)?.vsCeiling : row(id)?.vsSdk)?.[client] ?? Number.NaN;
    return { label, client, ratio, limit: `${op} ${limit}`, met: verdict(ratio, op, limit) };
  };
  const oneShot = (label, name, field, op, limit) => {
    const ratio = processes[name]?.vs?.[field] ?? Number.NaN;
    return { label, client: name, ratio, limit: `${op} ${limit}`, met: verdict(ratio, op, limit) };
  };
  return [
    check(
      "Client CPU per call at concurrency 64 ≤ 1.15× the ceiling's",
      "client-cpu-c64",
      "ours-node",
      "<=",
      1.15,
      "ceiling",
    ),
    check(
      "Client CPU per call, sequential ≤ 1.3× the ceiling's",
      "client-cpu-sequential",
      "ours-node",
      "<=",
      1.3,
      "ceiling",
    ),
    check("Throughput at concurrency 64 ≥ 2.5× SDK", "throughput-c64", "ours-node", ">=", 2.5),
    check("Sequential p50 ≤ 0.7× SDK", "sequential-p50", "ours-node", "<=", 0.7),
    check("Sequential p50 ≤ 0.7× SDK (fetch transport)", "sequential-p50", "ours-fetch", "<=", 0.7),
    check("Cold start ≤ 0.75× SDK", "cold-start", "ours-node", "<=", 0.75),
    check("Cold start ≤ 0.75× SDK (fetch transport)", "cold-start", "ours-fetch", "<=", 0.75),
    check("One-call script, spawn → exit ≤ 0.8× SDK", "spawn-to-exit", "ours-node", "<=", 0.8),
    check("One-call script, spawn → exit ≤ 0.8× SDK (fetch transport)", "spawn-to-exit", "ours-fetch", "<=", 0.8),
    oneShot("`mturk-bonus send`, spawn → exit ≤ 0.8× the SDK one-call script", "cli-send", "exitMs", "<=", 0.8),
    oneShot("`mturk-bonus balance`, spawn → exit ≤ 0.8× the SDK one-call script", "cli-balance", "exitMs", "<=", 0.8),
    oneShot("Bundled, spawn → first response ≤ 0.8× the bundled SDK", "bundled-ours-node", "firstMs", "<=", 0.8),
    oneShot(
      "Bundled, spawn → first response ≤ 0.8× the bundled SDK (fetch transport)",
      "bundled-ours-fetch",
      "firstMs",
      "<=",
      0.8,
    ),
    oneShot("Bundle bytes ≤ 1.0× the bundled SDK's", "bundled-ours-node", "bundleBytes", "<=", 1.0),
    check("Peak RSS ≤ 0.9× SDK", "peak-rss", "ours-node", "<=", 0.9),
    check("Peak RSS ≤ 0.9× SDK (fetch transport)", "peak-rss", "ours-fetch", "<=", 0.9),
    {
      label: `One-call Worker bundle ≤ ${(worker.budgetGzip / 1024).toFixed(0)} KB gzipped (ratio to the budget)`,
      client: "ours (edge build)",
      ratio: worker.gzip / worker.budgetGzip,
      limit: "<= 1",
      met: worker.gzip <= worker.budgetGzip,
    },
  ];
}

function formatValue(value, unit) {
  if (!Number.isFinite(value)) return "–";
  if (unit === "ms") return value < 10 ? value.toFixed(2) : value.toFixed(0);
  if (unit === "µs") return value.toFixed(0);
  if (unit === "MB") return value.toFixed(0);
  return Math.round(value).toLocaleString("en-US");
}

const ratio = (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x.toFixed(1)}×` : "–");

/** The one-shot programs as a table: medians, and ratios to the SDK program each is compared with. */
function renderOneShots(processes, worker) {
  const lines = [];
  lines.push(
    "| One-shot program | spawn → first answer (ms) | spawn → exit (ms) | exit after the answer (ms) | peak RSS (MB) | bundle (KB) |",
  );
  lines.push("|---|---:|---:|---:|---:|---:|");
  const withRatio = (value, r, digits = 0) =>
    Number.isFinite(value) ? `${value.toFixed(digits)}${Number.isFinite(r) ? ` · ${ratio(r)}` : ""}` : "–";
  for (const row of Object.values(processes ?? {})) {
    const vs = row.vs ?? {};
    lines.push(
      `| ${row.label}${row.versus ? ` (vs ${processes[row.versus]?.label ?? row.versus})` : ""} | ${withRatio(row.firstMs, vs.firstMs)} | ${withRatio(row.exitMs, vs.exitMs)} | ${withRatio(row.lingerMs, undefined, 1)} | ${withRatio(row.rssMB, vs.rssMB)} | ${row.bundleBytes === undefined ? "–" : withRatio(row.bundleBytes / 1024, vs.bundleBytes, 1)} |`,
    );
  }
  lines.push("");
  if (worker?.gzip !== undefined) {
    lines.push(
      `One-call Worker bundle (esbuild, Workers conditions, minified): ${(worker.minified / 1024).toFixed(1)} KB, **${(worker.gzip / 1024).toFixed(1)} KB gzipped** (budget ${(worker.budgetGzip / 1024).toFixed(0)} KB).`,
    );
  }
  return lines;
}

/** Where the distance to the ceiling lies: the client's own work, and node:http against undici. */
function renderSplit(split) {
  if (split === undefined) return [];
  const [seq, top] = [split.sequential, Object.entries(split).find(([k]) => k !== "sequential")];
  const line = (label, key) => `| ${label} | ${ratio(seq[key])} | ${ratio(top[1][key])} |`;
  return [
    `| Client CPU per call, split (each ratio paired by round) | sequential | concurrency ${top[0].slice(1)} |`,
    "|---|---:|---:|",
    line("mturk-bonus (node:http) ÷ the ceiling on node:http: the client's own work, same transport", "client"),
    line("the ceiling on node:http ÷ the ceiling on undici: the transport", "transport"),
    line("mturk-bonus (node:http) ÷ the ceiling on undici: the target's ratio", "whole"),
    "",
  ];
}

/** The run as Markdown: results table, targets, machine and versions. */
export function renderMarkdown(result) {
  const { rows, targets: checks } = result.summary;
  const lines = [];
  lines.push("| Workload | mturk-bonus (node:http) | mturk-bonus (fetch) | @aws-sdk/client-mturk | ceiling |");
  lines.push("|---|---:|---:|---:|---:|");
  for (const row of rows) {
    const cell = (name) => {
      const value = formatValue(row.values[name], row.unit);
      // The SDK and the ceiling have one signer each; the WebCrypto row repeats their figures in parentheses.
      if (name === "sdk" || name === "ceiling") return row.id === "signing-webcrypto" ? `(${value})` : value;
      return `${value} · ${ratio(row.vsSdk[name])} SDK · ${ratio(row.vsCeiling[name])} ceiling`;
    };
    lines.push(`| ${row.label} (${row.unit}, ${row.better} is better) | ${CLIENT_COLUMNS.map(cell).join(" | ")} |`);
  }
  lines.push("");
  lines.push(...renderOneShots(result.summary.processes, result.summary.worker));
  lines.push("");
  lines.push("| Target | Client | Ratio | Goal | Met |");
  lines.push("|---|---|---:|---:|:---:|");
  for (const t of checks) {
    lines.push(
      `| ${t.label} | ${t.client} | ${ratio(t.ratio)} | ${t.limit} | ${t.met === undefined ? "–" : t.met ? "yes" : "**no**"} |`,
    );
  }
  lines.push("");
  lines.push(...renderSplit(result.summary.split));
  const c64 = rows.find((r) => r.id === "throughput-c64");
  if (c64?.simulatorCpuShare) {
    const share = CLIENT_COLUMNS.map(
      (n) =>
        `${n} ${(c64.simulatorCpuShare[n] * 100).toFixed(0)}% (${c64.simulatorCpuUsPerCall[n].toFixed(0)} µs/request)`,
    ).join(", ");
    lines.push(`Simulator CPU during the concurrency-64 slices (100% = one core busy): ${share}.`);
  }
  const m = result.machine;
  lines.push(
    `Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average ${m.loadAverageAtStart.join("/")} at start, ${m.loadAverageAtEnd?.join("/")} at end.`,
  );
  lines.push(
    `Versions: ${Object.entries(result.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
  );
  const p = result.plan;
  lines.push(
    `Run: ${result.date}, ${result.durationSeconds} s, ${p.rounds} interleaved rounds; ${p.sequential} sequential calls, ${p.throughput} calls per concurrency level, ${p.coldStarts} runs of each one-shot program. Latency percentiles pool every call; throughput and signing are medians of per-round rates; each ratio is the median of per-round ratios (same round, side by side), except peak RSS and bundle bytes.`,
  );
  return `${lines.join("\n")}\n`;
}
