/**
 * Turns the raw slices of a run into figures, ratios and target checks, and
 * renders them as Markdown.
 */

const CLIENT_COLUMNS = ["ours-undici", "ours-fetch", "sdk", "ceiling"];

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
  return Array.from({ length: rounds }, (_, i) => list.slice(i * size, (i + 1) * size)).filter((group) => group.length > 0);
}

/** The figures of one run: one row per measure, one value per client. */
export function summarize(raw, plan) {
  const rows = [];
  const add = (id, label, unit, better, values, extra = {}) => rows.push({ id, label, unit, better, values, ...extra });

  const latencies = Object.fromEntries(
    CLIENT_COLUMNS.map((name) => [name, raw.sequential[name].flatMap((slice) => slice.latenciesUs).sort((a, b) => a - b)]),
  );
  const calls = (name) => latencies[name].length;
  const roundQuantile = (q) => mapClients((n) => raw.sequential[n].map((slice) => quantile([...slice.latenciesUs].sort((a, b) => a - b), q)));
  add("sequential-p50", "Sequential latency p50", "ms", "lower", mapClients((n) => quantile(latencies[n], 0.5) / 1000), {
    calls: mapClients(calls),
    perRound: roundQuantile(0.5),
  });
  add("sequential-p99", "Sequential latency p99", "ms", "lower", mapClients((n) => quantile(latencies[n], 0.99) / 1000), {
    calls: mapClients(calls),
  });

  for (const concurrency of plan.concurrencies) {
    const slices = raw.throughput[concurrency];
    add(`throughput-c${concurrency}`, `Throughput, concurrency ${concurrency}`, "calls/s", "higher", mapClients((n) => median(slices[n].map(rate))), {
      calls: mapClients((n) => sum(slices[n].map((s) => s.calls))),
      perRound: mapClients((n) => slices[n].map(rate)),
      simulatorCpuUsPerCall: mapClients((n) => sum(slices[n].map((s) => s.simulatorCpuUs)) / sum(slices[n].map((s) => s.calls))),
      simulatorCpuShare: mapClients((n) => sum(slices[n].map((s) => s.simulatorCpuUs)) / 1000 / sum(slices[n].map((s) => s.wallMs))),
    });
  }
  const top = Math.max(...plan.concurrencies);
  const topSlices = raw.throughput[top];
  add(`client-cpu-c${top}`, `Client CPU per call at concurrency ${top}`, "µs", "lower", mapClients((n) => sum(topSlices[n].map((s) => s.cpuUs)) / sum(topSlices[n].map((s) => s.calls))), {
    perRound: mapClients((n) => topSlices[n].map((s) => s.cpuUs / s.calls)),
  });

  const signRates = (name) => raw.sign[name].map(rate);
  // One signer serves both transports, so both columns show it.
  const signers = (ours) => ({ "ours-undici": ours, "ours-fetch": ours, sdk: "sdk", ceiling: "ceiling" });
  for (const [id, label, ours] of [
    ["signing", "Signing alone (build + sign, no send)", "ours-undici"],
    ["signing-sha256-js", "Signing alone, our signer on @aws-crypto/sha256-js", "ours-sha256-js"],
  ]) {
    const source = signers(ours);
    add(id, label, "signs/s", "higher", mapClients((n) => median(signRates(source[n]))), { perRound: mapClients((n) => signRates(source[n])) });
  }

  add("cold-start", "Cold start, spawn → first response (median)", "ms", "lower", mapClients((n) => median(raw.cold[n].map((c) => c.ms))), {
    calls: mapClients((n) => raw.cold[n].length),
    perRound: mapClients((n) => byRound(raw.cold[n], plan.rounds).map((group) => median(group.map((c) => c.ms)))),
  });
  add("peak-rss", "Peak RSS of the client process", "MB", "lower", mapClients((n) => raw.memory[n].maxRssBytes / 2 ** 20));

  // Ratios pair the rounds where a row has them (peak RSS is one figure per process).
  for (const row of rows) {
    const versus = (base) => mapClients((n) => (row.perRound ? pairedRatio(row.perRound, n, base) : row.values[n] / row.values[base]));
    row.vsSdk = versus("sdk");
    row.vsCeiling = versus("ceiling");
  }
  return { rows, targets: targets(rows) };
}

function mapClients(f) {
  return Object.fromEntries(CLIENT_COLUMNS.map((name) => [name, f(name)]));
}

/** The issue's targets, each checked on this run's ratios. */
function targets(rows) {
  const row = (id) => rows.find((r) => r.id === id);
  const check = (label, id, client, op, limit) => {
    const ratio = row(id).vsSdk[client];
    const met = op === ">=" ? ratio >= limit : ratio <= limit;
    return { label, client, ratio, limit: `${op} ${limit}`, met };
  };
  const c64 = row("throughput-c64");
  return [
    check("Throughput at concurrency 64 ≥ 2.5× SDK", "throughput-c64", "ours-undici", ">=", 2.5),
    check("Sequential p50 ≤ 0.7× SDK", "sequential-p50", "ours-undici", "<=", 0.7),
    check("Sequential p50 ≤ 0.7× SDK (fetch transport)", "sequential-p50", "ours-fetch", "<=", 0.7),
    check("Cold start ≤ 1.0× SDK (undici)", "cold-start", "ours-undici", "<=", 1.0),
    check("Cold start ≤ 0.75× SDK (fetch)", "cold-start", "ours-fetch", "<=", 0.75),
    check("Peak RSS ≤ 0.9× SDK", "peak-rss", "ours-undici", "<=", 0.9),
    check("Peak RSS ≤ 0.9× SDK (fetch transport)", "peak-rss", "ours-fetch", "<=", 0.9),
    { label: "Throughput at concurrency 64 vs the ceiling (reported)", client: "ours-undici", ratio: c64 ? c64.vsCeiling["ours-undici"] : Number.NaN, limit: "report", met: undefined },
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

/** The run as Markdown: results table, targets, machine and versions. */
export function renderMarkdown(result) {
  const { rows, targets: checks } = result.summary;
  const lines = [];
  lines.push("| Workload | mturk-bonus (undici) | mturk-bonus (fetch) | @aws-sdk/client-mturk | ceiling |");
  lines.push("|---|---:|---:|---:|---:|");
  for (const row of rows) {
    const cell = (name) => {
      const value = formatValue(row.values[name], row.unit);
      // The SDK and the ceiling have one signer each; the sha256-js row repeats their figures in parentheses.
      if (name === "sdk" || name === "ceiling") return row.id === "signing-sha256-js" ? `(${value})` : value;
      return `${value} · ${ratio(row.vsSdk[name])} SDK · ${ratio(row.vsCeiling[name])} ceiling`;
    };
    lines.push(`| ${row.label} (${row.unit}, ${row.better} is better) | ${CLIENT_COLUMNS.map(cell).join(" | ")} |`);
  }
  lines.push("");
  lines.push("| Target | Client | Ratio | Goal | Met |");
  lines.push("|---|---|---:|---:|:---:|");
  for (const t of checks) {
    lines.push(`| ${t.label} | ${t.client} | ${ratio(t.ratio)} | ${t.limit} | ${t.met === undefined ? "–" : t.met ? "yes" : "**no**"} |`);
  }
  lines.push("");
  const c64 = rows.find((r) => r.id === "throughput-c64");
  if (c64?.simulatorCpuShare) {
    const share = CLIENT_COLUMNS.map((n) => `${n} ${(c64.simulatorCpuShare[n] * 100).toFixed(0)}% (${c64.simulatorCpuUsPerCall[n].toFixed(0)} µs/request)`).join(", ");
    lines.push(`Simulator CPU during the concurrency-64 slices (100% = one core busy): ${share}.`);
  }
  const m = result.machine;
  lines.push(
    `Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average ${m.loadAverageAtStart.join("/")} at start, ${m.loadAverageAtEnd?.join("/")} at end.`,
  );
  lines.push(`Versions: ${Object.entries(result.versions).map(([k, v]) => `${k} ${v}`).join(", ")}.`);
  const p = result.plan;
  lines.push(
    `Run: ${result.date}, ${result.durationSeconds} s, ${p.rounds} interleaved rounds; ${p.sequential} sequential calls, ${p.throughput} calls per concurrency level, ${p.coldStarts} cold starts per client. Latency percentiles pool every call; throughput and signing are medians of per-round rates; each ratio is the median of per-round ratios (same round, side by side), except peak RSS.`,
  );
  return `${lines.join("\n")}\n`;
}
