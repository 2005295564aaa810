/** `mturk-bonus pay FILE`: a whole study's bonuses, exactly once, resumable. */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { InvalidRowsError, listProblems, parseBonusFile, type RowFormat } from "../bulk/rows.js";
import { inputOptions, INPUT_HELP, INPUT_OPTIONS, inputNotes } from "./input.js";
import { JournalError } from "../bulk/journal.js";
import { InsufficientBalanceError, payBonuses, previewPayout, type PayoutResult } from "../bulk/pay.js";
import { describePlan, formatDollars, type PayoutPlan } from "../bulk/plan.js";
import { ProgressDisplay } from "../bulk/progress.js";
import { describeResult, writeReport } from "../bulk/report.js";
import { BATCH_ID_PATTERN } from "../bulk/token.js";
import { COMMON_HELP, createClient, EXIT, numberOption, parse, runCommand, str, targetOf, UsageError, type Target } from "./args.js";

export const HELP = `Usage: mturk-bonus pay FILE [options]

Pays every bonus in FILE exactly once. Every row is checked before anything is
paid; a file with any bad row is refused whole, with each problem by line and
field. Each row is sent with a UniqueRequestToken derived from the batch id and
the row, and a journal records each send, so the command can be run again, or
resumed after a crash or kill, without paying anything twice.

FILE is CSV with a header row, or JSON Lines (one object per line):
  WorkerId,AssignmentId,BonusAmount,Reason[,UniqueRequestToken]
  A1B2C3D4E5F6G7,3X1FV8S5J09OQY1JC80W57HTHFJGVM,1.50,"Thanks, great work"
BonusAmount is US dollars ("1.50", "2", no "$"); rows with 0 are skipped and
reported. RFC 4180 quoting (commas, quotes, line breaks in fields), CRLF and a
UTF-8 BOM are fine. Other columns are ignored; blank rows are skipped.

${INPUT_HELP}

Before paying:
  --dry-run             show rows, total bonus, MTurk fees (20%, at least $0.01 per
                        bonus), grand total and the account balance; pay nothing
  --yes                 pay without asking (required when stdin is not a terminal)
  --allow-partial       pay rows in order until the money runs out, instead of
                        refusing a file whose grand total exceeds the balance
  --allow-duplicates    pay several rows for the same WorkerId and AssignmentId
  --format csv|jsonl    the input format (default: by extension, then by content)

Resuming:
  --journal FILE        the journal (default: FILE.journal.jsonl next to the input;
                        FILE.sandbox.journal.jsonl with --sandbox, FILE.<host>-<port>.journal.jsonl
                        with --endpoint). Run the same command again to resume.
  --batch-id ID         name the batch; tokens derive from it (default: from the rows'
                        content, so the same file is the same batch)
  --input-changed       resume a journal although FILE changed: paid rows stay paid,
                        new or changed rows are paid

Speed:
  --concurrency N       bonuses in flight at once (default 4)
  --rate PER_SECOND     requests per second at most (default 5); halved whenever
                        MTurk throttles, then regained slowly

Output:
  --report FILE         each row's outcome, request id, token and attempts; .json for
                        JSON, otherwise CSV (default: FILE.report.csv next to the input;
                        FILE.sandbox.report.csv with --sandbox, FILE.<host>-<port>.report.csv
                        with --endpoint)
  Progress goes to stderr (a live line on a terminal, a line every 10 s otherwise);
  the plan and the final summary go to stdout.

${COMMON_HELP}

Exit status: 0 every row paid or skipped; 1 some rows failed or were not reached
(run again to resume); 2 bad arguments, input or journal (nothing paid); 3 the
balance does not cover the file, or MTurk reported insufficient funds; 130 interrupted.
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
  concurrency: { type: "string" },
  rate: { type: "string" },
  report: { type: "string" },
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

function exitCodeOf(result: PayoutResult): number {
  if (result.complete) return EXIT.ok;
  if (result.stoppedBy === "insufficient-funds") return EXIT.funds;
  if (result.stoppedBy === "stopped" || result.stoppedBy === "aborted") return EXIT.interrupted;
  return EXIT.failed;
}

export async function run(args: string[]): Promise<number> {
  return runCommand("pay", async () => {
    const { values, positionals } = parse("pay", args, OPTIONS, true);
    if (values.help === true) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw new UsageError(`give exactly one input file${positionals.length > 1 ? ` (got ${positionals.length})` : ""}. Run "mturk-bonus pay --help" for the options.`);
    const input = positionals[0] as string;
    const format = str(values, "format");
    if (format !== undefined && format !== "csv" && format !== "jsonl") throw new UsageError(`--format must be csv or jsonl, not ${JSON.stringify(format)}`);
    const concurrency = numberOption(values, "concurrency", 4, { min: 1, max: 64, integer: true });
    const rate = numberOption(values, "rate", 5, { min: 0.01, max: 1000, integer: false });
    const dryRun = values["dry-run"] === true;
    const yes = values.yes === true;
    if (!dryRun && !yes && !process.stdin.isTTY) {
      throw new UsageError("stdin is not a terminal, so the payout cannot be confirmed: pass --yes to pay without confirmation (try --dry-run first)");
    }
    const target = targetOf(values);
    const batchId = str(values, "batch-id");
    if (batchId !== undefined && !BATCH_ID_PATTERN.test(batchId)) {
      throw new UsageError(`--batch-id ${JSON.stringify(batchId)} must be 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`);
    }

    const readOptions = inputOptions(values);
    const allowDuplicates = values["allow-duplicates"] === true;
    let parsed: ReturnType<typeof parseBonusFile>;
    try {
      parsed = parseBonusFile(readInput(input), { fileName: input, allowDuplicates, ...readOptions, ...(format === undefined ? {} : { format: format as RowFormat }) });
    } catch (error) {
      if (!(error instanceof InvalidRowsError)) throw error;
      const lines = new Set(error.problems.map((p) => p.line)).size;
      process.stderr.write(`mturk-bonus pay: ${input} was refused, nothing was paid: ${error.problems.length} problem(s) on ${lines} line(s):\n`);
      process.stderr.write(`${listProblems(error.problems, (problem) => `  ${input}:${problem.line}: ${problem.message}`)}\n`);
      return EXIT.usage;
    }
    for (const note of inputNotes(parsed)) process.stderr.write(`note: ${note}\n`);

    const journal = str(values, "journal") ?? defaultPath(input, target, "journal.jsonl");
    const reportPath = str(values, "report") ?? defaultPath(input, target, "report.csv");
    const client = createClient(values, target);
    const common = {
      client,
      journal,
      target: target.label,
      inputName: input,
      allowDuplicates,
      acceptChangedInput: values["input-changed"] === true,
      ...(batchId === undefined ? {} : { batchId }),
    };

    try {
      if (dryRun) {
        const plan = await previewPayout(parsed.rows, common);
        process.stdout.write(describePlan(plan, { input, target: target.label }));
        const short = plan.balanceCents !== undefined && plan.toPay.totalCents > plan.balanceCents;
        process.stdout.write(
          short && values["allow-partial"] !== true
            ? "Dry run: nothing was paid. A real run would refuse this file: the balance does not cover it (add funds, or pass --allow-partial).\n"
            : "Dry run: nothing was paid. Run again without --dry-run to pay.\n",
        );
        return EXIT.ok;
      }

      const stop = new AbortController();
      const abort = new AbortController();
      let interrupts = 0;
      const onSignal = (): void => {
        interrupts++;
        if (interrupts === 1) {
          process.stderr.write("\nStopping: no new bonuses are sent; those in flight are finished and journaled. Press Ctrl-C again to abort them (the journal settles them on resume).\n");
          stop.abort();
        } else {
          abort.abort();
        }
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const progress = new ProgressDisplay(process.stderr);
      let result: PayoutResult;
      try {
        result = await payBonuses(parsed.rows, {
          ...common,
          concurrency,
          rate,
          allowPartial: values["allow-partial"] === true,
          stopSignal: stop.signal,
          signal: abort.signal,
          confirm: async (plan: PayoutPlan) => {
            process.stdout.write(describePlan(plan, { input, target: target.label }));
            if (yes) return true;
            return ask(`Pay ${formatDollars(plan.toPay.totalCents)} (${plan.toPay.rows} bonuses + fees) on ${target.label}? [y/N] `);
          },
          onProgress: (p) => {
            progress.update(p);
            progress.start();
          },
        });
      } finally {
        progress.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      process.stdout.write(describeResult(result));
      let code = exitCodeOf(result);
      try {
        writeReport(reportPath, result);
        process.stdout.write(`Report:  ${reportPath}\n`);
      } catch (error) {
        // The payments stand (the journal has them); only the report is missing, which a script must notice.
        process.stderr.write(`mturk-bonus pay: could not write the report ${reportPath}: ${(error as Error).message}\n`);
        if (code === EXIT.ok) code = EXIT.failed;
      }
      process.stdout.write(`Journal: ${journal}\n`);
      if (!result.complete && result.stoppedBy !== "declined") {
        process.stdout.write("Run the same command again to resume: paid rows are skipped, the rest are sent with the same tokens.\n");
      }
      return code;
    } catch (error) {
      if (error instanceof InsufficientBalanceError) {
        process.stdout.write(describePlan(error.plan, { input, target: target.label }));
        process.stderr.write(`mturk-bonus pay: ${error.message}\n`);
        return EXIT.funds;
      }
      if (error instanceof InvalidRowsError) {
        process.stderr.write(`mturk-bonus pay: ${error.message}\n`);
        return EXIT.usage;
      }
      if (error instanceof JournalError) throw new UsageError(error.message);
      throw error;
    } finally {
      await client.destroy();
    }
  });
}
