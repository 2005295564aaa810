import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run as balance, HELP as BALANCE_HELP } from "../../src/cli/balance.js";
import { run as list } from "../../src/cli/list.js";
import { run as pay, HELP as PAY_HELP } from "../../src/cli/pay.js";
import { run as send } from "../../src/cli/send.js";
import { defaultNamespace, deriveToken } from "../../src/identity.js";
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { csvOf, makeRows, tempDir } from "../bulk/helpers.js";
import { capture, useSimulatorCredentials } from "./helpers.js";

const tmp = tempDir();
let sim: Simulator;
let restore: () => void;

beforeAll(async () => {
  restore = useSimulatorCredentials();
  sim = await startSimulator({});
});
afterAll(async () => {
  restore();
  await sim.close();
  tmp.remove();
});
beforeEach(() => {
  sim.control({ reset: true });
});

describe("help", () => {
  it("each subcommand's --help exits 0 and documents every option", async () => {
    for (const command of [pay, send, balance, list]) {
      const { code, out } = await capture(() => command(["--help"]));
      expect(code).toBe(0);
      for (const common of ["--sandbox", "--endpoint", "--profile", "--help", "AWS_ACCESS_KEY_ID", "Exit status"])
        expect(out).toContain(common);
    }
    for (const flag of [
      "--dry-run",
      "--journal",
      "--concurrency",
      "--rate",
      "--batch-id",
      "--yes",
      "--report",
      "--allow-partial",
      "--allow-duplicates",
      "--input-changed",
      "--format",
    ]) {
      expect(PAY_HELP).toContain(flag);
    }
    expect(BALANCE_HELP).toContain("--json");
    const { out: sendHelp } = await capture(() => send(["-h"]));
    for (const flag of ["--worker", "--assignment", "--amount", "--reason", "--token"])
      expect(sendHelp).toContain(flag);
  });

  it("refuses unknown options and missing arguments with exit 2", async () => {
    expect(await capture(() => pay(["--nope", "x.csv"]))).toMatchObject({
      code: 2,
      err: expect.stringContaining("--nope"),
    });
    expect(await capture(() => pay([]))).toMatchObject({
      code: 2,
      err: expect.stringContaining("exactly one input file"),
    });
    expect(await capture(() => send(["--worker", "A1"]))).toMatchObject({
      code: 2,
      err: expect.stringContaining("--assignment is required"),
    });
    expect(await capture(() => list(["--endpoint", sim.url]))).toMatchObject({
      code: 2,
      err: expect.stringContaining("--assignment is required"),
    });
    expect(await capture(() => balance(["--sandbox", "--endpoint", sim.url]))).toMatchObject({
      code: 2,
      err: expect.stringContaining("exclude each other"),
    });
    expect(await capture(() => pay(["x.csv", "--rate", "0", "--yes"]))).toMatchObject({
      code: 2,
      err: expect.stringContaining("--rate"),
    });
  });
});

describe("pay", () => {
  it("refuses a malformed file whole, naming every line and field, and pays nothing", async () => {
    const file = tmp.path("bad.csv");
    writeFileSync(
      file,
      [
        "WorkerId,AssignmentId,BonusAmount,Reason",
        "A1GOOD,3GOOD1,1.00,fine",
        "a1lower,3X2,1.00,bad worker",
        "A3CCC,3x3,1.00,bad assignment",
        "A4DDD,3X4,1.505,three decimals",
        "A5EEE,3X5,$2,currency sign",
        "A6FFF,3X6,-1,negative",
        "A7GGG,3X7,1.00,",
        "A1GOOD,3GOOD1,2.00,duplicate pair",
        'A9III,3X9,1.00,"unclosed',
      ].join("\r\n"),
    );
    const { code, err } = await capture(() => pay([file, "--endpoint", sim.url, "--yes"]));
    expect(code).toBe(2);
    expect(err).toContain("was refused, nothing was paid");
    for (const [line, text] of [
      [3, "WorkerId"],
      [4, "AssignmentId"],
      [5, 'BonusAmount "1.505"'],
      [6, 'BonusAmount "$2"'],
      [7, 'BonusAmount "-1"'],
      [8, "Reason is missing"],
      [9, "also on line 2"],
      [10, "never closed"],
    ] as const) {
      expect(err).toMatch(new RegExp(`bad\\.csv:${line}: .*${text.replace(/[$.()]/g, "\\$&")}`));
    }
    expect(err).not.toMatch(/bad\.csv:2:/);
    expect(sim.ledger.counters.requests).toBe(0);
  });

  it("--dry-run shows rows, bonus, fees, grand total and balance, and pays nothing", async () => {
    const file = tmp.path("study.csv");
    writeFileSync(
      file,
      csvOf([...makeRows(4), { WorkerId: "AZERO", AssignmentId: "3ZERO", BonusAmount: "0.00", Reason: "no bonus" }]),
    );
    const { code, out } = await capture(() => pay([file, "--endpoint", sim.url, "--dry-run"]));
    expect(code).toBe(0);
    expect(out).toMatch(/Rows +5 in the input: 4 to pay, 1 skipped \(\$0\)/);
    expect(out).toMatch(/Bonuses +\$/);
    expect(out).toMatch(/MTurk fees +\$.*20%/);
    expect(out).toMatch(/Grand total +\$/);
    expect(out).toMatch(/Balance +\$10,000\.00/);
    expect(out).toContain("Dry run: nothing was paid");
    expect(sim.ledger.counters.byOperation.SendBonus).toBeUndefined();
    expect(existsSync(`${file}.127.0.0.1-${sim.port}.journal.jsonl`)).toBe(false);
  });

  it("pays with --yes, writes the report and journal next to the input, and a second run pays nothing", async () => {
    const file = tmp.path("paid.csv");
    writeFileSync(file, csvOf(makeRows(6)));
    const first = await capture(() => pay([file, "--endpoint", sim.url, "--yes", "--rate", "100"]));
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Done: 6 of 6 bonuses paid/);
    const journal = `${file}.127.0.0.1-${sim.port}.journal.jsonl`;
    const report = `${file}.127.0.0.1-${sim.port}.report.csv`;
    expect(first.out).toContain(`Journal: ${journal}`);
    expect(readFileSync(report, "utf8").split("\r\n")[0]).toBe(
      "line,WorkerId,AssignmentId,BonusAmount,Reason,status,via,earlierRun,UniqueRequestToken,requestId,sends,httpAttempts,error,errorMessage,outcomeUnknown,outcomeJournaled",
    );
    const second = await capture(() => pay([file, "--endpoint", sim.url, "--yes", "--report", tmp.path("again.json")]));
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/6 of them in an earlier run/);
    const json = JSON.parse(readFileSync(tmp.path("again.json"), "utf8")) as {
      complete: boolean;
      rows: { earlierRun?: boolean }[];
    };
    expect(json.complete).toBe(true);
    expect(json.rows.every((r) => r.earlierRun)).toBe(true);
    expect(sim.ledger.bonuses).toHaveLength(6);
  });

  it("exits 3 before paying anything when the balance does not cover the file", async () => {
    sim.control({ balance: "1.00" });
    const file = tmp.path("poor.csv");
    writeFileSync(file, csvOf(makeRows(5)));
    const { code, out, err } = await capture(() => pay([file, "--endpoint", sim.url, "--yes"]));
    expect(code).toBe(3);
    expect(out).toMatch(/Short by +\$/);
    expect(err).toMatch(/exceeds the available balance \$1\.00.*nothing was paid/);
    expect(sim.ledger.bonuses).toHaveLength(0);
  });

  it("will not pay without --yes when it cannot ask", async () => {
    const file = tmp.path("ask.csv");
    writeFileSync(file, csvOf(makeRows(1)));
    expect(await capture(() => pay([file, "--endpoint", sim.url]))).toMatchObject({
      code: 2,
      err: expect.stringContaining("pass --yes"),
    });
  });

  it("reads JSON Lines and takes credentials from --profile", async () => {
    const file = tmp.path("rows.jsonl");
    writeFileSync(
      file,
      makeRows(2)
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    const credentials = tmp.path("credentials");
    writeFileSync(
      credentials,
      `[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[study]\naws_access_key_id = ${SIMULATOR_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${SIMULATOR_CREDENTIALS.secretAccessKey}\n`,
    );
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, file: process.env.AWS_SHARED_CREDENTIALS_FILE };
    delete process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    try {
      expect(await capture(() => pay([file, "--endpoint", sim.url, "--yes", "--profile", "study"]))).toMatchObject({
        code: 0,
      });
      expect(await capture(() => balance(["--endpoint", sim.url, "--profile", "missing"]))).toMatchObject({
        code: 2,
        err: expect.stringContaining('profile "missing"'),
      });
      // Neither the environment nor AWS_PROFILE: the [default] profile is used, as by the AWS CLI (its keys are wrong here).
      expect(await capture(() => balance(["--endpoint", sim.url]))).toMatchObject({
        code: 1,
        err: expect.stringContaining("UnrecognizedClientException"),
      });
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.file === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      else process.env.AWS_SHARED_CREDENTIALS_FILE = saved.file;
    }
    expect(sim.ledger.bonuses).toHaveLength(2);
  });
});

describe("send, balance, list", () => {
  it("send pays once; the same command again reports already paid", async () => {
    const args = [
      "--endpoint",
      sim.url,
      "--worker",
      "A1WORKER",
      "--assignment",
      "3ASSIGNMENT",
      "--amount",
      "1.5",
      "--reason",
      "Thanks, great work",
    ];
    const first = await capture(() => send(args));
    expect(first).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^Paid \$1\.50 to A1WORKER for 3ASSIGNMENT \(request id [0-9a-f-]+, token mtb2-/),
    });
    const second = await capture(() => send(args));
    expect(second).toMatchObject({ code: 0, out: expect.stringContaining("Already paid") });
    const json = await capture(() => send([...args, "--token", "fresh-token", "--json"]));
    expect(JSON.parse(json.out)).toMatchObject({
      status: "paid",
      alreadyGranted: false,
      UniqueRequestToken: "fresh-token",
    });
    expect(sim.ledger.bonuses).toHaveLength(2);
    expect(await capture(() => send([...args.slice(0, 6), "--amount", "1.505", "--reason", "x"]))).toMatchObject({
      code: 2,
      err: expect.stringContaining("--amount"),
    });
  });

  it("send and pay give the same bonus the same token, so paying it both ways pays it once", async () => {
    const sent = await capture(() =>
      send([
        "--endpoint",
        sim.url,
        "--worker",
        "A1BOTH",
        "--assignment",
        "3BOTH",
        "--amount",
        "0.75",
        "--reason",
        "Both ways",
        "--json",
      ]),
    );
    const token = (JSON.parse(sent.out) as { UniqueRequestToken: string }).UniqueRequestToken;
    const bonus = { WorkerId: "A1BOTH", AssignmentId: "3BOTH", cents: 75, Reason: "Both ways" };
    expect(token, "the library's one identity of this bonus").toBe(
      deriveToken(defaultNamespace(new URL(sim.url).origin), bonus),
    );
    const file = tmp.path("both.csv");
    writeFileSync(file, "WorkerId,AssignmentId,BonusAmount,Reason\nA1BOTH,3BOTH,0.75,Both ways\n");
    const paid = await capture(() => pay([file, "--endpoint", sim.url, "--yes"]));
    expect(paid.code, "pay's exit status").toBe(0);
    expect(sim.ledger.bonuses, "payments in the ledger").toHaveLength(1);
    expect(sim.ledger.bonuses[0]?.UniqueRequestToken, "the token send used").toBe(token);
    const other = await capture(() =>
      send([
        "--endpoint",
        sim.url,
        "--worker",
        "A1BOTH",
        "--assignment",
        "3BOTH",
        "--amount",
        "0.75",
        "--reason",
        "Both ways",
        "--namespace",
        "study-2",
        "--json",
      ]),
    );
    expect(
      (JSON.parse(other.out) as { UniqueRequestToken: string }).UniqueRequestToken,
      "another namespace, another token",
    ).not.toBe(token);
  });

  it("send says whether a failed bonus may have been paid", async () => {
    sim.control({
      faults: [
        { kind: "lostAnswer", count: 1 },
        { kind: "serviceFault", count: 5 },
      ],
    });
    const { code, err } = await capture(() =>
      send(["--endpoint", sim.url, "--worker", "A1W", "--assignment", "3A", "--amount", "1", "--reason", "r"]),
    );
    expect(code).toBe(1);
    expect(err).toContain("may have been paid");
    sim.control({ clearFaults: true });
    expect(
      await capture(() =>
        send(["--endpoint", sim.url, "--worker", "A1W", "--assignment", "3A", "--amount", "1", "--reason", "r"]),
      ),
    ).toMatchObject({ out: expect.stringContaining("Already paid") });
    expect(sim.ledger.bonuses).toHaveLength(1);
  });

  it("balance and list print what MTurk says", async () => {
    expect(await capture(() => balance(["--endpoint", sim.url]))).toMatchObject({
      code: 0,
      out: "Available balance: $10,000.00\nOn hold:           $0.00\n",
    });
    expect(JSON.parse((await capture(() => balance(["--endpoint", sim.url, "--json"]))).out)).toEqual({
      AvailableBalance: "10000.00",
      OnHoldBalance: "0.00",
    });
    await capture(() =>
      send(["--endpoint", sim.url, "--worker", "A1W", "--assignment", "3A", "--amount", "2", "--reason", "first"]),
    );
    await capture(() =>
      send(["--endpoint", sim.url, "--worker", "A1W", "--assignment", "3A", "--amount", "0.5", "--reason", "second"]),
    );
    const listed = await capture(() => list(["--endpoint", sim.url, "--assignment", "3A"]));
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/A1W +\$2\.00 +first/);
    expect(listed.out).toContain("2 bonus(es), $2.50 in all.");
    expect((await capture(() => list(["--endpoint", sim.url, "--assignment", "3NONE"]))).out).toBe(
      "No bonuses paid for 3NONE.\n",
    );
    const lines = (await capture(() => list(["--endpoint", sim.url, "--assignment", "3A", "--json"]))).out
      .trim()
      .split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { BonusAmount: string }).BonusAmount)).toEqual(["2.00", "0.50"]);
  });
});
