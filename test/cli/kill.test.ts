/**
 * The CLI killed with SIGKILL at random points of a payout, then resumed,
 * pays every row exactly once. The CLI runs as a real child process (bundled
 * from src with esbuild into a private file, so the test does not depend on
 * a fresh `dist/`; `conditions: []` so `#sigv4` resolves as Node resolves it),
 * against a simulator in this process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../src/bulk/csv.js";
import { readJournal } from "../../src/bulk/journal.js";
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { csvOf, makeRows, tempDir } from "../bulk/helpers.js";

const tmp = tempDir();
const cacheDir = join(process.cwd(), "node_modules", ".cache", "mturk-bonus-cli-test");
const cli = join(cacheDir, `main-${process.pid}.mjs`);
let sim: Simulator;

beforeAll(async () => {
  mkdirSync(cacheDir, { recursive: true });
  await build({
    entryPoints: ["src/cli/bin.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    conditions: [],
    outfile: cli,
    logLevel: "silent",
  });
  sim = await startSimulator({
    seed: 11,
    faults: [
      { kind: "delay", ms: 10 },
      { kind: "lostAnswer", probability: 0.05, operation: "SendBonus" },
      { kind: "serviceFault", probability: 0.05, operation: "SendBonus" },
    ],
  });
}, 30_000);

afterAll(async () => {
  await sim?.close();
  rmSync(cli, { force: true });
  tmp.remove();
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function journalLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, "utf8").split("\n").length - 1;
}

describe("mturk-bonus pay under kill -9", () => {
  it("killed with SIGKILL at random points and resumed, pays each row exactly once, and the report matches the ledger", async () => {
    const rows = makeRows(150);
    const file = tmp.path("study.csv");
    const journal = tmp.path("study.journal.jsonl");
    const report = tmp.path("study.report.csv");
    writeFileSync(file, csvOf(rows));
    const args = [
      cli,
      "pay",
      file,
      "--endpoint",
      sim.url,
      "--yes",
      "--journal",
      journal,
      "--report",
      report,
      "--concurrency",
      "4",
      "--rate",
      "300",
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.secretAccessKey,
    };
    delete env.AWS_SESSION_TOKEN;
    delete env.AWS_PROFILE;
    // Each run leads its own process group, so it can also be killed the way supervisors do: the whole group at once.
    const start = () => spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });

    // Kill each run after a random number of further journal lines (each line is an intent or an outcome),
    // every other time through its process group.
    const kills: number[] = [];
    for (let round = 0; round < 6; round++) {
      const child = start();
      const before = journalLines(journal);
      const target = before + 4 + Math.floor(Math.random() * 40);
      const deadline = Date.now() + 10_000;
      let done = false;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) {
          done = true;
          break;
        }
        if (journalLines(journal) >= target) break;
        await sleep(2);
      }
      if (done) break;
      if (round % 2 === 1) process.kill(-(child.pid as number), "SIGKILL");
      else child.kill("SIGKILL");
      await exited(child);
      kills.push(journalLines(journal) - before);
    }
    expect(kills.length).toBeGreaterThanOrEqual(3);

    // Resume until it finishes (bounded).
    let code: number | null = null;
    let output = "";
    for (let round = 0; round < 3 && code !== 0; round++) {
      const child = start();
      child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      code = await exited(child);
      clearTimeout(timer);
    }
    expect(code, output).toBe(0);
    expect(output).toMatch(/Done: 150 of 150 bonuses paid/);

    // Exactly one payment per row, each with its row's content.
    const ledger = sim.ledger;
    expect(ledger.bonuses).toHaveLength(150);
    const tokens = new Set(ledger.bonuses.map((b) => b.UniqueRequestToken));
    expect(tokens.size).toBe(150);
    const paidPairs = new Set(
      ledger.bonuses.map((b) => `${b.WorkerId}/${b.AssignmentId}/${b.BonusAmount}/${b.Reason}`),
    );
    for (const row of rows)
      expect(
        paidPairs.has(`${row.WorkerId}/${row.AssignmentId}/${Number(row.BonusAmount).toFixed(2)}/${row.Reason}`),
      ).toBe(true);

    // The report of the last run agrees with the ledger, row by row.
    const [header, ...records] = parseCsv(readFileSync(report, "utf8")).records;
    const col = (name: string) => (header?.fields ?? []).indexOf(name);
    expect(records).toHaveLength(150);
    const byToken = new Map(ledger.bonuses.map((b) => [b.UniqueRequestToken, b]));
    for (const record of records) {
      const f = record.fields;
      expect(f[col("status")]).toBe("paid");
      const bonus = byToken.get(f[col("UniqueRequestToken")]);
      expect(bonus, `report line ${record.line}`).toBeDefined();
      for (const field of ["WorkerId", "AssignmentId", "BonusAmount", "Reason"] as const)
        expect(bonus?.[field], `report line ${record.line}: ${field}`).toBe(f[col(field)]);
      if (f[col("via")] === "sent") expect(f[col("requestId")]).toBe(bonus?.requestId);
    }

    // The killed runs had paid some rows already; the last run only skipped those.
    expect(records.filter((r) => r.fields[col("earlierRun")] === "true").length).toBeGreaterThan(0);
    // Every run started by the loop left its mark, and the journal is whole.
    const entries = readJournal(journal)?.entries ?? [];
    expect(entries.filter((e) => e.t === "run").length).toBeGreaterThanOrEqual(kills.length + 1);
    expect(statSync(journal).size).toBeGreaterThan(0);
  }, 90_000);
});

describe("mturk-bonus pay killed through its process group", () => {
  it("under a timeout wrapper killed through its process group (SIGKILL), resumes at once: no refusal, each row paid once", async () => {
    const slow = await startSimulator({ seed: 5, faults: [{ kind: "delay", ms: 15 }] });
    try {
      const rows = makeRows(120);
      const file = tmp.path("timeout.csv");
      const journal = tmp.path("timeout.journal.jsonl");
      writeFileSync(file, csvOf(rows));
      const args = [
        cli,
        "pay",
        file,
        "--endpoint",
        slow.url,
        "--yes",
        "--journal",
        journal,
        "--report",
        tmp.path("timeout.report.csv"),
        "--concurrency",
        "2",
        "--rate",
        "off",
      ];
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        AWS_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.secretAccessKey,
      };
      delete env.AWS_SESSION_TOKEN;
      delete env.AWS_PROFILE;
      // timeout leads its own process group; SIGKILL to that group, as a supervisor (or timeout itself, when time is
      // up) sends it, kills timeout and the payer together: the payer is left dead and unreaped (a zombie) until
      // something reaps it, which in a container whose PID 1 does not reap is never.
      const wrapped = spawn("timeout", ["-s", "KILL", "120", process.execPath, ...args], {
        env,
        stdio: ["ignore", "ignore", "ignore"],
      });
      const deadline = Date.now() + 30_000;
      while (journalLines(journal) < 12 && Date.now() < deadline && wrapped.exitCode === null) await sleep(2);
      expect(journalLines(journal)).toBeGreaterThanOrEqual(12);
      process.kill(-(wrapped.pid as number), "SIGKILL");
      await exited(wrapped);
      let code: number | null = null;
      let output = "";
      for (let round = 0; round < 3 && code !== 0; round++) {
        const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        code = await exited(child);
        clearTimeout(timer);
        expect(output).not.toMatch(/in use by another run/);
      }
      expect(code, output).toBe(0);
      expect(slow.ledger.bonuses).toHaveLength(120);
      expect(new Set(slow.ledger.bonuses.map((b) => b.UniqueRequestToken)).size).toBe(120);
    } finally {
      await slow.close();
    }
  }, 90_000);
});

describe("mturk-bonus pay as a command in a pipeline", () => {
  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.secretAccessKey,
    };
    delete e.AWS_SESSION_TOKEN;
    delete e.AWS_PROFILE;
    return e;
  };
  const run = (command: string, args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(command, args, { env: env(), stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });

  it("`pay … | head -1` ends quietly with the payout's own exit status (EPIPE on stdout)", async () => {
    const file = tmp.path("pipe.csv");
    writeFileSync(file, csvOf(makeRows(30)));
    const pay = [
      process.execPath,
      cli,
      "pay",
      file,
      "--endpoint",
      sim.url,
      "--yes",
      "--rate",
      "off",
      "--journal",
      tmp.path("pipe.journal.jsonl"),
      "--report",
      tmp.path("pipe.report.csv"),
    ];
    const quoted = pay.map((a) => `'${a}'`).join(" ");
    const { out, err } = await run("bash", [
      "-c",
      `set -o pipefail; ${quoted} 2>${tmp.path("pipe.err")} | head -c 1 >/dev/null; echo "exit=$?"`,
    ]);
    expect(out.trim(), err).toBe("exit=0");
    expect(readFileSync(tmp.path("pipe.err"), "utf8")).not.toMatch(/EPIPE|Error/);
  }, 60_000);

  it("--timeout and --max-attempts reach the client; a balance check that keeps failing says nothing was paid", async () => {
    const stuck = await startSimulator({ faults: [{ kind: "delay", ms: 1500 }] });
    try {
      const file = tmp.path("stuck.csv");
      writeFileSync(file, csvOf(makeRows(3)));
      const { code, err } = await run(process.execPath, [
        cli,
        "pay",
        file,
        "--endpoint",
        stuck.url,
        "--yes",
        "--timeout",
        "0.2",
        "--max-attempts",
        "1",
        "--journal",
        tmp.path("stuck.journal.jsonl"),
      ]);
      expect(code).toBe(1);
      expect(err).toMatch(/balance check \(GetAccountBalance\) failed 3 times .*Timeout.*nothing was paid/);
      // One attempt per call, three calls: --max-attempts 1 was honoured.
      expect(stuck.ledger.counters.byOperation.GetAccountBalance).toBe(3);
      expect(stuck.ledger.bonuses).toHaveLength(0);
    } finally {
      await stuck.close();
    }
  }, 60_000);

  it("an unusable journal exits 2 before paying anything", async () => {
    const file = tmp.path("unusable.csv");
    writeFileSync(file, csvOf(makeRows(3)));
    const corrupt = tmp.path("corrupt.journal.jsonl");
    writeFileSync(corrupt, "not a journal\n{}\n");
    for (const journal of [corrupt, tmp.path("no-such-dir/j.jsonl")]) {
      const { code, err } = await run(process.execPath, [
        cli,
        "pay",
        file,
        "--endpoint",
        sim.url,
        "--yes",
        "--journal",
        journal,
      ]);
      expect(code, err).toBe(2);
    }
  }, 60_000);
});
