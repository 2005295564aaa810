/** `mturk-bonus pay FILE`: a whole study's bonuses, exactly once, resumable. */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { InvalidRowsError, listProblems, parseBonusFile, type ParsedBonusFile, type RowFormat } from "../bulk/rows.js";
import { inputOptions, INPUT_HELP, INPUT_OPTIONS, inputNotes } from "./input.js";
import { BalanceCheckError, InsufficientBalanceError } from "../bulk/balance.js";
import { JournalError } from "../bulk/journal.js";
import { payBonuses, previewPayout } from "../bulk/pay.js";
import { describePlan, type PayoutPlan } from "../bulk/plan.js";
import { ProgressDisplay } from "../bulk/progress.js";
import { describeResult, writeReport } from "../bulk/report.js";
import { BATCH_ID_PATTERN } from "../bulk/token.js";
import type { BulkClient, PayoutOptions, PayoutResult, RowResult } from "../bulk/types.js";
import { formatDollars } from "../money.js";
import { planLine, rowLine, summaryLine } from "./pay-json.js";
import {
  COMMON_HELP,
  createClient,
  EXIT,
  numberOption,
  parse,
  runCommand,
  str,
  targetOf,
  namespaceOption,
  UsageError,
  type Target,
} from "./args.js";

export const HELP = `Usage: mturk-bonus pay FILE [options]

Pays every bonus in FILE exactly once. Every row is checked before anything is
paid; a file with any bad row is refused whole, with each problem by line and
field. Each row is sent with a UniqueRequestToken derived from the row alone
(worker, assignment, amount, reason) and a namespace, so an edited, sorted or
renamed copy of the file pays no bonus twice; a journal records each send, so
the command can be run again, or resumed after a crash or kill. A row the
journal does not show paid is first looked for in ListBonusPayments (one call
per assignment), so a bonus paid more than 24 hours ago is not paid again.

FILE is CSV with a header row, or JSON Lines (one object per line):
  WorkerId,AssignmentId,BonusAmount,Reason[,UniqueRequestToken]
  A1B2C3D4E5F6G7,3X1FV8S5J09OQY1JC80W57HTHFJGVM,1.50,"Thanks, great work"
BonusAmount is US dollars ("1.50", "2", no "$"); rows with 0 are skipped and
reported. RFC 4180 quoting (commas, quotes, line breaks in fields), CRLF and a
UTF-8 BOM are fine. Other columns are ignored; blank rows are skipped.

${INPUT_HELP}

Before paying:
  --dry-run             show the counts of rows, total bonus, MTurk fees (20%, at least $0.01 per
                        bonus), grand total and the account balance; pay nothing
  -y, --yes             pay without asking (required when stdin is not a terminal);
                        answering no to the question exits 0 and writes nothing
  --allow-partial       pay rows in order until the money runs out, instead of
                        refusing a file whose grand total exceeds the balance
  --allow-duplicates    pay several rows for the same WorkerId and AssignmentId
  --format csv|jsonl    the input format (default: by extension, then by content)

Resuming:
  --journal FILE        the journal (default: FILE.journal.jsonl next to the input;
                        FILE.sandbox.journal.jsonl with --sandbox, FILE.<host>-<port>.journal.jsonl
                        with --endpoint). Run the same command again to resume.
  --batch-id ID         name the batch in the journal and report (tokens do not depend on it)
  --namespace NS        derive tokens in NS (default: one per target, e.g.
                        target:https://mturk-requester.us-east-1.amazonaws.com); change it
                        only to pay identical bonuses again on purpose
  --input-changed       resume a journal although FILE changed: paid rows stay paid,
                        new or changed rows are paid
  --pay-again-after-24h pay rows without first looking for a matching payment in
                        ListBonusPayments: a bonus MTurk already lists (paid over 24 h
                        ago, by another journal, file or tool) is then PAID AGAIN

Speed:
  --concurrency N       calls in flight at once (default 4)
  --rate PER_SECOND     requests per second at most (default 5); halved whenever
                        MTurk throttles, then regained slowly; "off": no client-side limit
  --timeout SECONDS     limit for one HTTP attempt, answer included (default 30)
  --max-attempts N      HTTP attempts per call, the first included (default 3)

Output:
  --report FILE         each row's outcome, request id, token and attempts; .json for
                        JSON, otherwise CSV (default: FILE.report.csv next to the input;
                        FILE.sandbox.report.csv with --sandbox, FILE.<host>-<port>.report.csv
                        with --endpoint)
  --json                JSON Lines on stdout: {"type":"plan",…}, then one {"type":"row",…}
                        per settled row, then {"type":"summary",…}; nothing else on stdout
  Progress goes to stderr (a live line on a terminal, cut to its width, with the
  percentage done and an ETA; a line every 10 s otherwise; none with --quiet);
  the plan and the final summary go to stdout.

${COMMON_HELP}

Exit status: 0 every row paid or skipped; 1 some rows failed or were not reached,
the balance check failed (nothing paid), or the journal or report could not be
written (run again to resume); 2 bad arguments, input or journal, or the journal
in use by another run (nothing paid); 3 the balance does not cover the file, or
MTurk reported insufficient funds; 130 interrupted.
`;

const OPTIONS = {
  "dry-run": { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  "allow-partial": { type: "boolean" },
  "allow-duplicates": { type: "boolean" },
  format: { type: "string" },
  journal: { type: "string" },
  "batch-id": { type: "string" },
  "input-changed": { type: "boolean" },
  namespace: { type: "string" },
  "pay-again-after-24h": { type: "boolean" },
  concurrency: { type: "string" },
  rate: { type: "string" },
  timeout: { type: "string" },
  "max-attempts": { type: "string" },
  report: { type: "string" },
  json: { type: "boolean" },
  ...INPUT_OPTIONS,
} as const;

/** The file's bytes, not kept by the caller once parsed (a big study's file is tens of megabytes). */
function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function defaultPath(input: string, target: Target, kind: "journal.jsonl" | "report.csv"): string {
  return `${input}${target.suffix ? `.${target.suffix}` : ""}.${kind}`;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(question, resolve);
      rl.once("close", () => resolve(""));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * Shows the plan and asks; resolves to the plan agreed to, `undefined` when
 * there is nothing to pay (no question), or "declined". A balance that does
 * not cover the plan is refused here, before anything is written.
 */
async function askFirst(
  preview: PayoutPlan,
  context: {
    input: string;
    target: string;
    json: boolean;
    allowPartial: boolean;
    showPlan: (plan: PayoutPlan) => void;
  },
): Promise<PayoutPlan | undefined | "declined"> {
  if (preview.toPay.rows === 0) return undefined;
  if (preview.balanceCents !== undefined && preview.toPay.totalCents > preview.balanceCents && !context.allowPartial)
    throw new InsufficientBalanceError(preview);
  // With --json the plan's JSON line goes to stdout and its human form to stderr, beside the question.
  if (context.json) process.stderr.write(describePlan(preview, { input: context.input, target: context.target }));
  context.showPlan(preview);
  const question = `Pay ${formatDollars(preview.toPay.totalCents)} (${preview.toPay.rows} bonuses + fees) on ${context.target}? [y/N] `;
  return (await ask(question)) ? preview : "declined";
}

/** `--rate`: a number of requests per second, or "off" (no client-side limit). */
function rateOption(values: Record<string, unknown>): number {
  return str(values, "rate") === "off"
    ? Number.POSITIVE_INFINITY
    : numberOption(values, "rate", 5, { min: 0.01, max: 1000, integer: false });
}

let stdoutGuarded = false;

/**
 * Stdout closed early (`pay … | head -1`): the payout goes on and ends with
 * its own exit status; only its printing stops. Installed once per process
 * and kept, since the error can arrive after the last write.
 */
function quietOnClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

function exitCodeOf(result: PayoutResult): number {
  if (result.complete) return EXIT.ok;
  if (result.stoppedBy === "insufficient-funds") return EXIT.funds;
  if (result.stoppedBy === "stopped" || result.stoppedBy === "aborted") return EXIT.interrupted;
  return EXIT.failed;
}

/** The command line, checked: everything `pay` needs to know before it reads the file. */
interface PayCommand {
  readonly input: string;
  readonly format?: RowFormat;
  readonly concurrency: number;
  readonly rate: number;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly namespace?: string;
  readonly batchId?: string;
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly allowPartial: boolean;
  readonly allowDuplicates: boolean;
  readonly target: Target;
  readonly journal: string;
  readonly reportPath: string;
  readonly values: Record<string, unknown>;
}

/** Step 1: the options, checked before anything is read (bad ones are a `UsageError`, exit 2). */
function commandOf(values: Record<string, unknown>, positionals: readonly string[]): PayCommand {
  if (positionals.length !== 1)
    throw new UsageError(
      `give exactly one input file${positionals.length > 1 ? ` (got ${positionals.length})` : ""}. Run "mturk-bonus pay --help" for the options.`,
    );
  const input = positionals[0] as string;
  const format = str(values, "format");
  if (format !== undefined && format !== "csv" && format !== "jsonl")
    throw new UsageError(`--format must be csv or jsonl, not ${JSON.stringify(format)}`);
  const concurrency = numberOption(values, "concurrency", 4, { min: 1, max: 64, integer: true });
  const rate = rateOption(values);
  const timeoutMs = Math.round(numberOption(values, "timeout", 30, { min: 0.1, max: 3600, integer: false }) * 1000);
  const maxAttempts = numberOption(values, "max-attempts", 3, { min: 1, max: 100, integer: true });
  const namespace = namespaceOption(values);
  const dryRun = values["dry-run"] === true;
  const yes = values.yes === true;
  if (!dryRun && !yes && !process.stdin.isTTY) {
    throw new UsageError(
      "stdin is not a terminal, so the payout cannot be confirmed: pass --yes to pay without confirmation (try --dry-run first)",
    );
  }
  const target = targetOf(values);
  const batchId = str(values, "batch-id");
  if (batchId !== undefined && !BATCH_ID_PATTERN.test(batchId)) {
    throw new UsageError(
      `--batch-id ${JSON.stringify(batchId)} must be 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`,
    );
  }
  return {
    input,
    ...(format === undefined ? {} : { format: format as RowFormat }),
    concurrency,
    rate,
    timeoutMs,
    maxAttempts,
    ...(namespace === undefined ? {} : { namespace }),
    ...(batchId === undefined ? {} : { batchId }),
    dryRun,
    yes,
    json: values.json === true,
    quiet: values.quiet === true,
    allowPartial: values["allow-partial"] === true,
    allowDuplicates: values["allow-duplicates"] === true,
    target,
    journal: str(values, "journal") ?? defaultPath(input, target, "journal.jsonl"),
    reportPath: str(values, "report") ?? defaultPath(input, target, "report.csv"),
    values,
  };
}

/** Step 2: the rows, every one checked; `undefined` when the file is refused (its problems are printed). */
function readRows(cmd: PayCommand): ParsedBonusFile | undefined {
  const readOptions = inputOptions(cmd.values);
  try {
    return parseBonusFile(readInput(cmd.input), {
      fileName: cmd.input,
      allowDuplicates: cmd.allowDuplicates,
      ...readOptions,
      ...(cmd.format === undefined ? {} : { format: cmd.format }),
    });
  } catch (error) {
    if (!(error instanceof InvalidRowsError)) throw error;
    const lines = new Set(error.problems.map((p) => p.line)).size;
    process.stderr.write(
      `mturk-bonus pay: ${cmd.input} was refused, nothing was paid: ${error.problems.length} problem(s) on ${lines} line(s):\n`,
    );
    process.stderr.write(
      `${listProblems(error.problems, (problem) => `  ${cmd.input}:${problem.line}: ${problem.message}`)}\n`,
    );
    return undefined;
  }
}

/**
 * What goes to stdout: the plan once, then rows (with --json), then the
 * summary. With --json, stdout holds JSON Lines only: the human plan goes
 * to stderr, beside the question; rows settled before the plan is shown
 * (skipped, paid in an earlier run) wait for it.
 */
class PayOutput {
  planShown = false;
  private readonly early: string[] = [];

  constructor(private readonly cmd: PayCommand) {}

  showPlan(plan: PayoutPlan): void {
    const { json, input, target, dryRun } = this.cmd;
    this.planShown = true;
    if (json)
      process.stdout.write(planLine(plan, { input, target: target.label, dryRun }) + this.early.splice(0).join(""));
    else process.stdout.write(describePlan(plan, { input, target: target.label }));
  }

  row(row: RowResult): void {
    if (this.planShown) process.stdout.write(rowLine(row));
    else this.early.push(rowLine(row));
  }
}

/** Step 3a (--dry-run): the plan and what a real run would do; nothing is written. */
async function dryRun(
  cmd: PayCommand,
  rows: ParsedBonusFile["rows"],
  common: PayoutOptions,
  out: PayOutput,
): Promise<number> {
  const plan = await previewPayout(rows, common);
  out.showPlan(plan);
  if (cmd.json) {
    process.stdout.write(summaryLine({ exitCode: EXIT.ok, dryRun: true }));
    return EXIT.ok;
  }
  const short = plan.balanceCents !== undefined && plan.toPay.totalCents > plan.balanceCents;
  process.stdout.write(
    short && !cmd.allowPartial
      ? "Dry run: nothing was paid. A real run would refuse this file: the balance does not cover it (add funds, or pass --allow-partial).\n"
      : "Dry run: nothing was paid. Run again without --dry-run to pay.\n",
  );
  return EXIT.ok;
}

/**
 * Step 3b (without --yes): the plan and the question, asked before
 * payBonuses opens the journal, so a "no" leaves no journal and no report
 * behind. Resolves to the plan agreed to, `undefined` (nothing to pay, or
 * --yes), or "declined" (already said so on stdout).
 */
async function agreement(
  cmd: PayCommand,
  rows: ParsedBonusFile["rows"],
  common: PayoutOptions,
  out: PayOutput,
): Promise<PayoutPlan | undefined | "declined"> {
  if (cmd.yes) return undefined;
  const asked = await askFirst(await previewPayout(rows, common), {
    input: cmd.input,
    target: cmd.target.label,
    json: cmd.json,
    allowPartial: cmd.allowPartial,
    showPlan: (plan) => out.showPlan(plan),
  });
  if (asked === "declined")
    process.stdout.write(
      cmd.json ? summaryLine({ exitCode: EXIT.ok, declined: true }) : "Nothing was paid, and nothing was written.\n",
    );
  return asked;
}

/** `confirm` for payBonuses: shows the plan (--yes), or checks it did not grow past what was agreed. */
function confirmation(agreed: PayoutPlan | undefined, out: PayOutput): (plan: PayoutPlan) => boolean {
  return (plan) => {
    if (agreed === undefined) {
      out.showPlan(plan);
      return true;
    }
    // The journal may have moved since the question (another run): never pay more than was agreed.
    if (plan.toPay.totalCents <= agreed.toPay.totalCents) return true;
    process.stderr.write(
      `mturk-bonus pay: the payout grew to ${formatDollars(plan.toPay.totalCents)} since you agreed to ${formatDollars(agreed.toPay.totalCents)}; nothing was paid. Run the command again.\n`,
    );
    return false;
  };
}

/**
 * Step 4: the payout, with Ctrl-C (or SIGTERM) stopping it gently the first
 * time (no new sends; those in flight are finished and journaled) and
 * aborting it the second.
 */
async function payWithSignals(
  cmd: PayCommand,
  rows: ParsedBonusFile["rows"],
  common: PayoutOptions,
  out: PayOutput,
  progress: ProgressDisplay,
  agreed: PayoutPlan | undefined,
): Promise<PayoutResult> {
  const stop = new AbortController();
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      progress.log(
        "Stopping: no new bonuses are sent; those in flight are finished and journaled. Press Ctrl-C again to abort them (the journal settles them on resume).\n",
      );
      stop.abort();
    } else {
      abort.abort();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await payBonuses(rows, {
      ...common,
      concurrency: cmd.concurrency,
      rate: cmd.rate,
      allowPartial: cmd.allowPartial,
      stopSignal: stop.signal,
      signal: abort.signal,
      confirm: confirmation(agreed, out),
      ...(cmd.json ? { onResult: (row: RowResult) => out.row(row) } : {}),
      onProgress: (p) => {
        if (cmd.quiet) return;
        progress.update(p);
        progress.start();
      },
    });
  } finally {
    progress.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Step 5: the result, the report and the journal's path; the exit status. */
function finish(cmd: PayCommand, result: PayoutResult, out: PayOutput): number {
  const { json, reportPath, journal } = cmd;
  // No question is asked when nothing is left to pay; the plan is shown all the same.
  if (!out.planShown) out.showPlan(result.plan);
  if (!json) process.stdout.write(describeResult(result));
  let code = exitCodeOf(result);
  let reported = true;
  try {
    writeReport(reportPath, result);
    if (!json) process.stdout.write(`Report:  ${reportPath}\n`);
  } catch (error) {
    // The payments stand (the journal has them); only the report is missing, which a script must notice.
    process.stderr.write(`mturk-bonus pay: could not write the report ${reportPath}: ${(error as Error).message}\n`);
    reported = false;
    if (code === EXIT.ok) code = EXIT.failed;
  }
  if (json) {
    process.stdout.write(summaryLine({ exitCode: code, ...(reported ? { report: reportPath } : {}), journal }, result));
    return code;
  }
  process.stdout.write(`Journal: ${journal}\n`);
  if (!result.complete && result.stoppedBy !== "declined") {
    process.stdout.write(
      "Run the same command again to resume: paid rows are skipped, the rest are sent with the same tokens.\n",
    );
  }
  return code;
}

/** A payout refused before anything was paid: what to print, and the exit status (or rethrown for `runCommand`). */
function refused(error: unknown, cmd: PayCommand, out: PayOutput): number {
  if (error instanceof InsufficientBalanceError) {
    out.showPlan(error.plan);
    process.stderr.write(`mturk-bonus pay: ${error.message}\n`);
    if (cmd.json) process.stdout.write(summaryLine({ exitCode: EXIT.funds }));
    return EXIT.funds;
  }
  if (error instanceof InvalidRowsError) {
    process.stderr.write(`mturk-bonus pay: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof JournalError) throw new UsageError(error.message);
  if (error instanceof BalanceCheckError) {
    process.stderr.write(`mturk-bonus pay: ${error.message}\n`);
    if (cmd.json) process.stdout.write(summaryLine({ exitCode: EXIT.failed }));
    return EXIT.failed;
  }
  throw error;
}

/** The payout's options that preview and pay share. */
function payoutOptions(cmd: PayCommand, client: BulkClient): PayoutOptions {
  return {
    client,
    journal: cmd.journal,
    target: cmd.target.label,
    inputName: cmd.input,
    allowDuplicates: cmd.allowDuplicates,
    acceptChangedInput: cmd.values["input-changed"] === true,
    payAgainAfter24h: cmd.values["pay-again-after-24h"] === true,
    ...(cmd.batchId === undefined ? {} : { batchId: cmd.batchId }),
    ...(cmd.namespace === undefined ? {} : { namespace: cmd.namespace }),
  };
}

/** `mturk-bonus pay`: options → rows → preview and question → payout → result, report and exit status. */
export async function run(args: string[]): Promise<number> {
  return runCommand(
    "pay",
    async () => {
      const { values, positionals } = parse("pay", args, OPTIONS, true);
      if (values.help === true) {
        process.stdout.write(HELP);
        return EXIT.ok;
      }
      const cmd = commandOf(values, positionals);
      const parsed = readRows(cmd);
      if (parsed === undefined) return EXIT.usage;
      if (!cmd.quiet) for (const note of inputNotes(parsed)) process.stderr.write(`note: ${note}\n`);
      const out = new PayOutput(cmd);
      const progress = new ProgressDisplay(process.stderr);
      const client = createClient(values, cmd.target, (text) => progress.log(text), {
        timeoutMs: cmd.timeoutMs,
        maxAttempts: cmd.maxAttempts,
      });
      const common = payoutOptions(cmd, client);
      quietOnClosedStdout();
      try {
        if (cmd.dryRun) return await dryRun(cmd, parsed.rows, common, out);
        const agreed = await agreement(cmd, parsed.rows, common, out);
        if (agreed === "declined") return EXIT.ok;
        return finish(cmd, await payWithSignals(cmd, parsed.rows, common, out, progress, agreed), out);
      } catch (error) {
        return refused(error, cmd, out);
      } finally {
        await client.destroy();
      }
    },
    HELP,
  );
}
