/**
 * The queue consumer on the real engine: Miniflare (workerd with Cloudflare
 * Queues' batching, retry, max_retries and dead-letter semantics) runs the
 * README's queue Worker, bundled from the built package as Wrangler bundles
 * it, with the queue settings of its wrangler.toml, against the local
 * simulator on 127.0.0.1. 1,000 bonuses are enqueued (some twice); MTurk
 * throttles, faults and loses answers; one batch crashes midway. In the end
 * every bonus is paid exactly once and the dead-letter queue holds exactly
 * the refused messages, each with its error.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bonusKey, defaultNamespace, deriveToken } from "../../src/identity.js";
import { formatCents } from "../../src/money.js";
import {
  SIMULATOR_CREDENTIALS,
  startSimulator,
  type ControlAction,
  type FaultSpec,
  type Simulator,
} from "../../src/simulator/index.js";
import type { Rejection } from "../../src/queue/index.js";
import type exampleQueueWorker from "../../examples/queue-worker/worker.js";
import { requireBuild, ROOT } from "../runtimes/helpers.js";
import { readQueueConfig } from "./wrangler.js";

/** Pulls the README's queue Worker into `npm run typecheck`; this test runs it. */
export type ExampleQueueWorker = typeof exampleQueueWorker;

/** About 12 s on an idle two-core machine; the bound only decides when a stuck run fails. */
const DEADLINE_MS = 120_000;
const VALID = 970;
const WRONG_WORKER = 20;
const DUPLICATED_VALID = 50;
const DUPLICATED_REFUSED = 2;

type Body = Record<string, unknown>;

/** mulberry32, for a reproducible shuffle. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 970 payable bonuses (every tenth with its own token), 20 MTurk refuses, 10 invalid bodies. */
function bonuses(): { valid: Body[]; refused: Body[]; assignments: Record<string, string> } {
  const valid: Body[] = [];
  for (let i = 0; i < VALID; i++) {
    const body: Body = {
      WorkerId: `AW${i}`,
      AssignmentId: `3ASG${i}`,
      BonusAmount: formatCents((i % 250) + 1),
      Reason: `Thanks for task ${i % 7}`,
    };
    if (i % 10 === 0) body.UniqueRequestToken = `event-${i}`;
    valid.push(body);
  }
  const assignments: Record<string, string> = {};
  const refused: Body[] = [];
  for (let i = 0; i < WRONG_WORKER; i++) {
    assignments[`3TAKEN${i}`] = `AOWNER${i}`;
    refused.push({ WorkerId: `AOTHER${i}`, AssignmentId: `3TAKEN${i}`, BonusAmount: "1.00", Reason: "Not theirs" });
  }
  refused.push(
    { WorkerId: "AINVALID1", AssignmentId: "3INV1", BonusAmount: "1.505", Reason: "Too precise" },
    { WorkerId: "AINVALID2", AssignmentId: "3INV2", BonusAmount: 1.5, Reason: "A number" },
    { WorkerId: "AINVALID3", AssignmentId: "3INV3", BonusAmount: "1.00" },
    { WorkerId: "ainvalid4", AssignmentId: "3INV4", BonusAmount: "1.00", Reason: "Lower case" },
    { WorkerId: "AINVALID5", AssignmentId: "3INV5", BonusAmount: "0", Reason: "Zero" },
    { WorkerId: "AINVALID6", AssignmentId: "3INV6", BonusAmount: "1.00", Reason: "   " },
    { WorkerId: "AINVALID7", AssignmentId: "3INV7", BonusAmount: "1.00", Reason: "Extra", Tip: "1.00" },
    { WorkerId: "AINVALID8", AssignmentId: "3INV8", BonusAmount: "$1", Reason: "Currency" },
    {
      WorkerId: "AINVALID9",
      AssignmentId: "3INV9",
      BonusAmount: "1.00",
      Reason: "Long token",
      UniqueRequestToken: "x".repeat(65),
    },
    { AssignmentId: "3INV10", BonusAmount: "1.00", Reason: "No worker" },
  );
  return { valid, refused, assignments };
}

let sim: Simulator;
let mf: Miniflare | undefined;
let scratch: string;
let runtimeOutput = "";

beforeAll(() => {
  requireBuild();
  scratch = mkdtempSync(join(tmpdir(), "mturk-bonus-queue-"));
});
afterAll(async () => {
  await mf?.dispose();
  await sim?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function bundleHarness(): Promise<string> {
  const outfile = join(scratch, "worker.js");
  // esbuild as Wrangler configures it; "mturk-bonus" and "mturk-bonus/queue" resolve to the built package.
  const result = await build({
    entryPoints: [join(ROOT, "test/queue/harness.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs).toContain("dist/queue/index.js");
  expect(inputs.filter((file) => /\/undici\/|dist\/index\.js$|hash-node/.test(file))).toEqual([]);
  return outfile;
}

it(
  "pays 1,000 queued bonuses exactly once through faults, duplicates and a crashed batch; the DLQ holds exactly the refused ones with their errors",
  async () => {
    const { valid, refused, assignments } = bonuses();
    const background: FaultSpec[] = [
      { kind: "serviceFault", probability: 0.03, operation: "SendBonus" },
      { kind: "throttle", probability: 0.03, operation: "SendBonus" },
      { kind: "lostAnswer", probability: 0.03, operation: "SendBonus" },
    ];
    // A burst first, ahead of the background faults: every SendBonus fails until it is spent, so the
    // bonuses in flight exhaust the client's three attempts and come back to the consumer to retry.
    const burst = (kind: "throttle" | "serviceFault"): ControlAction => ({
      clearFaults: true,
      faults: [{ kind, count: 18, operation: "SendBonus" }, ...background],
    });
    sim = await startSimulator({ seed: 12, assignments, faults: background });
    const config = readQueueConfig(join(ROOT, "examples/queue-worker/wrangler.toml"));
    expect(config.queueConsumers.bonuses).toMatchObject({ deadLetterQueue: "bonuses-dlq" });
    expect(config.queueProducers.BONUSES_DLQ).toBe(config.queueConsumers.bonuses!.deadLetterQueue);

    mf = new Miniflare({
      modules: true,
      scriptPath: await bundleHarness(),
      modulesRoot: scratch,
      compatibilityDate: config.compatibilityDate,
      bindings: {
        AWS_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.secretAccessKey,
        MTURK_ENDPOINT: sim.url,
        CRASH_BATCH_MIN: "50",
      },
      kvNamespaces: ["DLQ_STORE"],
      // The Worker's console (one line per refusal) is kept for a failure message, not printed.
      handleRuntimeStdio: (stdout, stderr) => {
        stdout.setEncoding("utf8").on("data", (chunk: string) => (runtimeOutput += chunk));
        stderr.setEncoding("utf8").on("data", (chunk: string) => (runtimeOutput += chunk));
      },
      queueProducers: config.queueProducers,
      queueConsumers: {
        // The README's settings, with the batch timeout shortened: it only decides how long a part-full batch waits.
        bonuses: { ...config.queueConsumers.bonuses, maxBatchTimeout: 1 },
        "bonuses-dlq": { maxBatchSize: 100, maxBatchTimeout: 1 },
      },
    });

    // The producer: the example's fetch handler, 100 messages per POST, duplicates shuffled in.
    const shuffle = random(7);
    const messages = [
      ...valid,
      ...refused,
      ...valid.slice(0, DUPLICATED_VALID),
      ...refused.slice(0, DUPLICATED_REFUSED),
    ]
      .map((body) => ({ body, order: shuffle() }))
      .sort((a, b) => a.order - b.order)
      .map(({ body }) => body);
    for (let i = 0; i < messages.length; i += 100) {
      const answer = await mf.dispatchFetch("http://queue.example/", {
        method: "POST",
        body: JSON.stringify(messages.slice(i, i + 100)),
      });
      expect(answer.status, await answer.text()).toBe(202);
    }

    // Typed here: Miniflare's own KV types need @cloudflare/workers-types, which nothing else here needs.
    const dlq = (await mf.getKVNamespace("DLQ_STORE")) as unknown as {
      list(): Promise<{ keys: { name: string }[] }>;
      get(key: string): Promise<string | null>;
    };
    const expectedDeadLetters = refused.length + DUPLICATED_REFUSED;
    let stats = { acked: 0, retries: 0, delays: [] as number[], crashed: [] as string[], batches: 0 };
    let dead: string[] = [];
    let bursts = 0;
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      stats = (await (await mf.dispatchFetch("http://queue.example/__stats")).json()) as typeof stats;
      dead = (await dlq.list()).keys.map((k) => k.name);
      // After the crashed batch (whose retries the harness does not see): throttling, then ServiceFaults.
      const paidSoFar = sim.ledger.bonuses.length;
      if (bursts === 0 && stats.crashed.length > 0 && paidSoFar >= 200) {
        sim.control(burst("throttle"));
        bursts = 1;
      }
      if (bursts === 1 && paidSoFar >= 500) {
        sim.control(burst("serviceFault"));
        bursts = 2;
      }
      if (stats.acked === messages.length && dead.length >= expectedDeadLetters) break;
      if (Date.now() > deadline) {
        throw new Error(
          `not settled in time: ${JSON.stringify({ ...stats, delays: stats.delays.length, dead: dead.length, paid: sim.ledger.bonuses.length })}\n${runtimeOutput.slice(-4000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // Every payable bonus paid exactly once, with its one token.
    const ledger = sim.ledger;
    const namespace = defaultNamespace(sim.url);
    const expected = new Map(
      valid.map((b) => {
        const identity = {
          WorkerId: String(b.WorkerId),
          AssignmentId: String(b.AssignmentId),
          cents: Number(String(b.BonusAmount).replace(".", "")),
          Reason: String(b.Reason),
        };
        return [
          bonusKey(identity),
          (b.UniqueRequestToken as string | undefined) ?? deriveToken(namespace, identity, 0),
        ];
      }),
    );
    expect(ledger.bonuses).toHaveLength(VALID);
    const paid = new Map(ledger.bonuses.map((b) => [bonusKey({ ...b, cents: b.amountCents }), b.UniqueRequestToken]));
    expect(paid.size).toBe(VALID);
    expect(paid).toEqual(expected);

    // The dead-letter queue: exactly the refused messages, duplicates included, each with its error.
    expect(dead).toHaveLength(expectedDeadLetters);
    const letters = await Promise.all(dead.map(async (key) => JSON.parse((await dlq.get(key))!) as Rejection));
    const sortKey = (body: unknown): string => JSON.stringify(body);
    expect(letters.map((l) => sortKey(l.bonus)).sort()).toEqual(
      [...refused, ...refused.slice(0, DUPLICATED_REFUSED)].map(sortKey).sort(),
    );
    for (const letter of letters) {
      expect(dead).toContain(letter.messageId); // a Rejection, not a raw body moved by max_retries
      const body = letter.bonus as Body;
      if (String(body.AssignmentId).startsWith("3TAKEN")) {
        expect(letter.error).toMatchObject({ name: "RequestError", httpStatusCode: 400 });
        expect(letter.UniqueRequestToken).toMatch(/^mtb2-/);
      } else {
        expect(letter.error).toMatchObject({
          name: "ValidationError",
          field: expect.any(String),
          rule: expect.any(String),
        });
      }
    }

    // What happened on the way: faults fired, unsettled bonuses were retried (throttled ones later), a crashed batch was redelivered.
    expect(ledger.counters.faults).toMatchObject({
      throttle: expect.any(Number),
      serviceFault: expect.any(Number),
      lostAnswer: expect.any(Number),
    });
    expect(stats.crashed.length).toBeGreaterThanOrEqual(25);
    expect(bursts).toBe(2);
    // Throttled bonuses asked to come back after 15 s or more, the others after 3 to 5 s (their first retry).
    expect(stats.delays.some((d) => d >= 15)).toBe(true);
    expect(stats.delays.some((d) => d >= 3 && d <= 5)).toBe(true);
    expect(ledger.counters.duplicates).toBeGreaterThan(0);
    expect(ledger.counters.signatureFailures).toBe(0);
  },
  DEADLINE_MS + 30_000,
);
