/**
 * Runs test/runtimes/conformance.mjs for real inside Node (node:http and fetch
 * transports), Bun, Deno and workerd, each against its own simulator on
 * 127.0.0.1 started here, and checks the result and the simulator's ledger.
 * A runtime that cannot start fails its test; none is skipped.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { killAll, requireBuild, ROOT, run, runtimeBinary, track } from "./helpers.js";

const CLI = join(ROOT, "test/runtimes/cli.mjs");
/** Per child; a cold Deno or workerd start is well under 2 s on two cores. */
const CHILD_TIMEOUT_MS = 25_000;

interface CaseResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
  detail?: unknown;
}
interface ConformanceResult {
  runtime: string;
  transport: string;
  ok: boolean;
  cases: CaseResult[];
  entry?: string;
}

let sim: Simulator | undefined;
let scratch: string;

beforeAll(() => {
  requireBuild();
  scratch = mkdtempSync(join(tmpdir(), "mturk-bonus-runtimes-"));
});
afterEach(async () => {
  killAll();
  await sim?.close();
  sim = undefined;
});
afterAll(() => {
  killAll();
  rmSync(scratch, { recursive: true, force: true });
});

function config(runtime: string, transport: "default" | "fetch" = "default"): string {
  if (sim === undefined) throw new Error("no simulator");
  return JSON.stringify({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS, runtime, transport });
}

/** The one line the CLI entry prints, parsed; fails with everything the child said otherwise. */
function parseResult(stdout: string, stderr: string, code: number | null, timedOut: boolean): ConformanceResult {
  const line = stdout.split("\n").find((l) => l.startsWith("CONFORMANCE "));
  if (line === undefined) {
    throw new Error(
      `no result (exit ${String(code)}${timedOut ? ", killed after the timeout" : ""})\nstdout:\n${stdout}\nstderr:\n${stderr}`,
    );
  }
  return JSON.parse(line.slice("CONFORMANCE ".length)) as ConformanceResult;
}

/** Every case passed, and the simulator agrees: five bonuses, none paid twice, nothing lost. */
function expectConformant(result: ConformanceResult): void {
  const failed = result.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error ?? "?"}`);
  expect(failed, `${result.runtime}/${result.transport}`).toEqual([]);
  expect(result.cases.map((c) => c.name)).toEqual([
    "success",
    "retried ServiceFault",
    "lost answer gives alreadyGranted",
    "RequestError with its fields",
    "abort mid-request, then settle with the token",
  ]);
  expect(result.ok).toBe(true);
  const ledger = sim!.ledger;
  // success, ServiceFault, lost answer and abort each paid once; the RequestError paid nothing.
  expect(ledger.bonuses).toHaveLength(4);
  const tokens = ledger.bonuses.map((b) => b.UniqueRequestToken);
  expect(new Set(tokens).size).toBe(tokens.length);
  expect(ledger.counters.signatureFailures).toBe(0);
  expect(ledger.counters.faults).toMatchObject({ serviceFault: 1, lostAnswer: 1, delay: 1 });
}

async function runCli(
  runtime: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ConformanceResult> {
  const child = await run(command, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeoutMs: CHILD_TIMEOUT_MS,
  });
  const result = parseResult(child.stdout, child.stderr, child.code, child.timedOut);
  expect(result.runtime).toBe(runtime);
  return result;
}

describe("runtime conformance", () => {
  it("Node, node:http transport (the default)", async () => {
    sim = await startSimulator();
    const result = await runCli("node", process.execPath, [CLI, config("node")]);
    expect(result.entry).toBe(new URL("dist/index.js", `file://${ROOT}`).href);
    expectConformant(result);
  });

  it("Node, fetch transport ({ fetch })", async () => {
    sim = await startSimulator();
    const result = await runCli("node", process.execPath, [CLI, config("node", "fetch")]);
    expect(result.transport).toBe("fetch");
    expect(result.entry).toBe(new URL("dist/index.js", `file://${ROOT}`).href);
    expectConformant(result);
  });

  it("Bun (the bun condition: dist/edge.js, global fetch)", async () => {
    const bun = runtimeBinary("bun");
    sim = await startSimulator();
    const result = await runCli("bun", bun, [CLI, config("bun")], { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" });
    expect(result.entry).toBe(new URL("dist/edge.js", `file://${ROOT}`).href);
    expectConformant(result);
  });

  it("Deno (the deno condition: dist/edge.js, global fetch), network limited to 127.0.0.1", async () => {
    const deno = runtimeBinary("deno");
    sim = await startSimulator();
    const args = [
      "run",
      "--no-prompt",
      "--no-lock",
      "--node-modules-dir=manual",
      `--allow-net=127.0.0.1:${sim.port}`,
      `--allow-read=${ROOT}`,
      CLI,
      config("deno"),
    ];
    const result = await runCli("deno", deno, args, { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(scratch, "deno-dir") });
    expect(result.entry).toBe(new URL("dist/edge.js", `file://${ROOT}`).href);
    expectConformant(result);
  });

  it("workerd: the conformance Worker and the README's Worker example, bundled as Wrangler does", async () => {
    const workerd = runtimeBinary("workerd");
    sim = await startSimulator();
    const dir = mkdtempSync(join(scratch, "workerd-"));
    // esbuild as Wrangler configures it: browser platform, Workers conditions, ESM.
    const bundle = async (entry: string, outfile: string): Promise<string[]> => {
      const result = await build({
        entryPoints: [join(ROOT, entry)],
        outfile: join(dir, outfile),
        bundle: true,
        format: "esm",
        platform: "browser",
        conditions: ["workerd", "worker", "browser"],
        metafile: true,
        logLevel: "silent",
      });
      return Object.keys(result.metafile.inputs);
    };
    const inputs = [
      ...(await bundle("test/runtimes/worker.mjs", "conformance.js")),
      ...(await bundle("examples/worker/worker.ts", "example.js")),
    ];
    expect(inputs.filter((file) => /\/undici\/|dist\/index\.js$|hash-node/.test(file))).toEqual([]);
    expect(inputs).toContain("dist/edge.js");
    copyFileSync(join(ROOT, "test/runtimes/workerd.capnp"), join(dir, "config.capnp"));

    const child = track(
      spawn(workerd, ["serve", join(dir, "config.capnp"), "--control-fd=3"], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe", "pipe"],
        env: {
          ...process.env,
          CONFORMANCE_ENDPOINT: sim.url,
          CONFORMANCE_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.accessKeyId,
          CONFORMANCE_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.secretAccessKey,
        },
      }),
    );
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const ports = await new Promise<Record<string, number>>((resolve, reject) => {
      const found: Record<string, number> = {};
      const timer = setTimeout(
        () => reject(new Error(`workerd did not listen within ${CHILD_TIMEOUT_MS} ms:\n${output}`)),
        CHILD_TIMEOUT_MS,
      );
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`workerd exited (${String(code ?? signal)}) before listening:\n${output}`));
      });
      const control = child.stdio[3] as NodeJS.ReadableStream;
      createInterface({ input: control }).on("line", (line) => {
        const message = JSON.parse(line) as { event?: string; socket?: string; port?: number };
        if (message.event === "listen" && message.socket !== undefined && message.port !== undefined)
          found[message.socket] = message.port;
        if (found.example !== undefined && found.conformance !== undefined) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });

    const answer = await fetch(`http://127.0.0.1:${ports.conformance}/`, {
      method: "POST",
      body: config("workerd"),
      signal: AbortSignal.timeout(CHILD_TIMEOUT_MS),
    });
    const text = await answer.text();
    let result: ConformanceResult;
    try {
      result = JSON.parse(text) as ConformanceResult;
    } catch {
      throw new Error(`workerd answered ${answer.status}: ${text}\n${output}`);
    }
    expect(result.runtime).toBe("workerd");
    expectConformant(result);

    // The README's Worker example, exactly as documented: one bonus per POST.
    const input = {
      WorkerId: "A3EXAMPLEWORKER",
      AssignmentId: "3EXAMPLEASSIGNMENT",
      BonusAmount: "1.50",
      Reason: "Great work",
      UniqueRequestToken: "example-worker-1",
    };
    const paid = await fetch(`http://127.0.0.1:${ports.example}/`, { method: "POST", body: JSON.stringify(input) });
    expect(paid.status, output).toBe(200);
    expect(await paid.json()).toMatchObject({ UniqueRequestToken: "example-worker-1", alreadyGranted: false });
    const again = await fetch(`http://127.0.0.1:${ports.example}/`, { method: "POST", body: JSON.stringify(input) });
    expect(await again.json()).toMatchObject({ alreadyGranted: true });
    const refused = await fetch(`http://127.0.0.1:${ports.example}/`, {
      method: "POST",
      body: JSON.stringify({ ...input, BonusAmount: "1.505" }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ name: "ValidationError", field: "BonusAmount" });
    expect(sim.ledger.bonuses.filter((b) => b.UniqueRequestToken === "example-worker-1")).toHaveLength(1);

    child.kill("SIGTERM");
    writeFileSync(join(dir, "workerd.log"), output);
  });
});
