/** Command-line conventions, through the real executable: version, help, usage, typos, negative numbers, --json, --quiet, --verbose, declining. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { csvOf, makeRows, tempDir } from "../bulk/helpers.js";
import { runBin, SIMULATOR_ENV } from "./bin.js";

const tmp = tempDir();
const home = tmp.dir;
let sim: Simulator;
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

beforeAll(async () => {
  sim = await startSimulator({});
});
afterAll(async () => {
  await sim.close();
  tmp.remove();
});
beforeEach(() => {
  sim.control({ reset: true });
});

describe("version and help", () => {
  it("prints the version for --version and -V on stdout, exit 0", async () => {
    for (const flag of ["--version", "-V"]) {
      expect(await runBin([flag], { home })).toEqual({ code: 0, stdout: `mturk-bonus ${pkg.version}\n`, stderr: "" });
    }
  });

  it("prints --help on stdout with exit 0, and the bare command's usage on stderr with exit 2", async () => {
    const help = await runBin(["--help"], { home });
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain("Usage: mturk-bonus <command>");
    const bare = await runBin([], { home });
    expect(bare).toMatchObject({ code: 2, stdout: "" });
    expect(bare.stderr).toBe(help.stdout);
  });

  it("states the closure with its dates in --help", async () => {
    const { stdout } = await runBin(["--help"], { home });
    for (const date of ["2026-09-30", "2026-10-30", "2027-01-28"]) expect(stdout).toContain(date);
    expect(stdout).toMatch(/Real MTurk payments are no longer possible after 2026-10-30/);
  });

  it("documents every short flag of every command", async () => {
    for (const command of ["pay", "send", "balance", "list", "simulate"]) {
      const { code, stdout } = await runBin([command, "--help"], { home });
      expect(code).toBe(0);
      expect(stdout).toContain("-h, --help");
      if (command !== "simulate") for (const flag of ["-q, --quiet", "-v, --verbose"]) expect(stdout).toContain(flag);
    }
    expect((await runBin(["pay", "--help"], { home })).stdout).toContain("-y, --yes");
  });
});

describe("misuse", () => {
  it("suggests the nearest option for a misspelt one, on stderr with exit 2", async () => {
    const result = await runBin(["send", "--amont", "1"], { home });
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toContain("unknown option --amont (did you mean --amount?)");
    expect(result.stderr).toContain("\nUsage: mturk-bonus send --worker ID");
    expect((await runBin(["pay", "x.csv", "--dryrun"], { home })).stderr).toContain("did you mean --dry-run?");
    expect((await runBin(["blance"], { home })).stderr).toContain('did you mean "balance"?');
  });

  it("parses a negative amount as a value and refuses it with the validator's message", async () => {
    const result = await runBin(
      ["send", "--worker", "A1B2C3", "--assignment", "3X1F", "--amount", "-1", "--reason", "r", "--endpoint", sim.url],
      { home, env: SIMULATOR_ENV },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain("ambiguous");
    expect(result.stderr).toMatch(/--amount: BonusAmount "-1" is not a dollar amount/);
    expect(sim.ledger.counters.requests).toBe(0);
  });
});

describe("pay output", () => {
  it("--json writes the plan, one line per settled row, then the summary, and nothing else on stdout", async () => {
    const file = tmp.path("json.csv");
    writeFileSync(file, csvOf(makeRows(3, 3)));
    const result = await runBin(["pay", file, "--endpoint", sim.url, "--yes", "--json"], { home, env: SIMULATOR_ENV });
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; status?: string });
    expect(lines.map((line) => line.type)).toEqual(["plan", "row", "row", "row", "summary"]);
    expect(lines[0]).toMatchObject({
      type: "plan",
      toPay: { rows: 2, bonus: expect.any(String) },
      balance: "10000.00",
      skipped: 1,
    });
    expect(
      lines
        .slice(1, 4)
        .map((line) => line.status)
        .sort(),
    ).toEqual(["paid", "paid", "skipped"]);
    expect(lines[4]).toMatchObject({ type: "summary", exitCode: 0, complete: true, counts: { paid: 2, skipped: 1 } });
    expect(sim.ledger.bonuses).toHaveLength(2);
  });

  it("--json on a dry run writes the plan and a dry-run summary", async () => {
    const file = tmp.path("dry.csv");
    writeFileSync(file, csvOf(makeRows(2)));
    const result = await runBin(["pay", file, "--endpoint", sim.url, "--dry-run", "--json"], {
      home,
      env: SIMULATOR_ENV,
    });
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { type: string }).type),
    ).toEqual(["plan", "summary"]);
  });

  it("--quiet drops the notes on stderr", async () => {
    const file = tmp.path("extra.csv");
    writeFileSync(file, "WorkerId,AssignmentId,BonusAmount,Reason,Comment\nA1QUIET,3QUIET1,0.10,thanks,hi\n");
    const loud = await runBin(["pay", file, "--endpoint", sim.url, "--dry-run"], { home, env: SIMULATOR_ENV });
    expect(loud.stderr).toContain("note: ignoring column(s)");
    const quiet = await runBin(["pay", file, "--endpoint", sim.url, "--dry-run", "-q"], { home, env: SIMULATOR_ENV });
    expect(quiet).toMatchObject({ code: 0, stderr: "" });
  });

  it("--verbose logs each attempt (operation, status, request id, attempt, wait) and never a secret or signature", async () => {
    sim.control({ faults: [{ kind: "serviceFault", count: 1, operation: "SendBonus" }] });
    const result = await runBin(
      [
        "send",
        "--worker",
        "A1VERBOSE",
        "--assignment",
        "3VERBOSE1",
        "--amount",
        "0.25",
        "--reason",
        "thanks",
        "--endpoint",
        sim.url,
        "--verbose",
      ],
      {
        home,
        env: SIMULATOR_ENV,
      },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /SendBonus attempt 1, HTTP 500, ServiceFault, request id [0-9a-f-]{36}, \d+ ms, retrying in \d+ ms/,
    );
    expect(result.stderr).toMatch(/SendBonus attempt 2, HTTP 200, request id [0-9a-f-]{36}/);
    expect(result.stderr).not.toContain(SIMULATOR_CREDENTIALS.secretAccessKey);
    expect(result.stderr).not.toMatch(/Signature=|AWS4-HMAC-SHA256/);
  });

  it("--debug is another name for --verbose", async () => {
    const result = await runBin(["balance", "--endpoint", sim.url, "--debug"], { home, env: SIMULATOR_ENV });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/GetAccountBalance attempt 1, HTTP 200, request id [0-9a-f-]{36}/);
  });
});

describe("confirmation", () => {
  it("declining exits 0 and writes no journal and no report", async () => {
    const dir = tempDir();
    try {
      const file = dir.path("ask.csv");
      writeFileSync(file, csvOf(makeRows(2)));
      const result = await runBin(["pay", file, "--endpoint", sim.url], {
        home,
        env: SIMULATOR_ENV,
        tty: true,
        input: "n\n",
      });
      expect(result.stdout).toContain("Nothing was paid, and nothing was written.");
      expect(result.code).toBe(0);
      expect(readdirSync(dir.dir)).toEqual(["ask.csv"]);
      expect(sim.ledger.bonuses).toHaveLength(0);
    } finally {
      dir.remove();
    }
  });

  it("answering yes pays, and writes the journal and the report", async () => {
    const dir = tempDir();
    try {
      const file = dir.path("yes.csv");
      writeFileSync(file, csvOf(makeRows(2)));
      const result = await runBin(["pay", file, "--endpoint", sim.url], {
        home,
        env: SIMULATOR_ENV,
        tty: true,
        input: "y\n",
      });
      expect(result.code).toBe(0);
      expect(sim.ledger.bonuses).toHaveLength(2);
      expect(readdirSync(dir.dir).some((name) => name.endsWith(".journal.jsonl"))).toBe(true);
      expect(existsSync(`${file}.127.0.0.1-${sim.port}.report.csv`)).toBe(true);
    } finally {
      dir.remove();
    }
  });
});
