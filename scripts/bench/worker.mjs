/**
 * One client (or one signer) in its own process, driven by the orchestrator
 * over IPC, so that its peak RSS is its own and it stays warm between
 * rounds. It answers each command with one message:
 *
 *   { op: "init", kind: "client" | "signer", name, endpoint, credentials, warmup }
 *   { op: "sequential", calls }              → { latenciesUs: number[], cpuUs, wallMs }
 *   { op: "throughput", calls, concurrency } → { calls, wallMs, cpuUs }
 *   { op: "sign", minMs }                    → { calls, wallMs, cpuUs }
 *   { op: "stats" }                          → { maxRssBytes, rssBytes, heapUsedBytes }
 *
 * Any failed call fails the command: a benchmark of errors measures nothing.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { BONUS, CLIENTS, SIGNERS } from "./clients.mjs";

let client;
let sign;

function cpuUs(since) {
  const { user, system } = process.cpuUsage(since);
  return user + system;
}

async function sequential(calls) {
  const latenciesUs = new Array(calls);
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const token = randomUUID();
    const t0 = performance.now();
    await client.send(BONUS, token);
    latenciesUs[i] = Math.round((performance.now() - t0) * 1000);
  }
  return { latenciesUs, wallMs: performance.now() - start, cpuUs: cpuUs(cpu) };
}

async function throughput(calls, concurrency) {
  let started = 0;
  const lane = async () => {
    while (started < calls) {
      started++;
      await client.send(BONUS, randomUUID());
    }
  };
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, lane));
  return { calls, concurrency, wallMs: performance.now() - start, cpuUs: cpuUs(cpu) };
}

async function signing(minMs) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  let calls = 0;
  // Batches of 50 between clock reads; bounded by time and by count.
  while (performance.now() - start < minMs && calls < 10_000_000) {
    for (let i = 0; i < 50; i++) await sign(BONUS, randomUUID());
    calls += 50;
  }
  return { calls, wallMs: performance.now() - start, cpuUs: cpuUs(cpu) };
}

async function handle(message) {
  switch (message.op) {
    case "init": {
      const options = { endpoint: message.endpoint, credentials: message.credentials };
      if (message.kind === "client") {
        client = await CLIENTS[message.name].create(options);
        // Warm the JIT and the connection pool before anything is measured.
        await throughput(message.warmup, 16);
        await sequential(Math.ceil(message.warmup / 4));
      } else {
        sign = await (CLIENTS[message.name] ?? SIGNERS[message.name]).signer(options);
        await signing(message.warmupMs ?? 200);
      }
      return { ready: true };
    }
    case "sequential":
      return sequential(message.calls);
    case "throughput":
      return throughput(message.calls, message.concurrency);
    case "sign":
      return signing(message.minMs);
    case "stats": {
      const memory = process.memoryUsage();
      return {
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      };
    }
    case "close":
      await client?.close();
      return { closed: true };
    default:
      throw new Error(`unknown op ${message.op}`);
  }
}

process.on("message", (message) => {
  handle(message).then(
    (result) => process.send({ id: message.id, ok: true, result }),
    (error) => process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) }),
  );
});
// The orchestrator going away ends the worker.
process.on("disconnect", () => process.exit(0));
