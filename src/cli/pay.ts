/** `mturk-bonus pay FILE`: a whole study's bonuses, exactly once, resumable. */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { InvalidRowsError, parseBonusFile, type RowFormat } from "../bulk/rows.js";
import { BalanceCheckError } from "../bulk/balance.js";
import { JournalError } from "../bulk/journal.js";
import { NAMESPACE_PATTERN } from "../identity.js";
import { MTurkClient } from "../index.js";
import { InsufficientBalanceError, payBonuses, previewPayout, type PayoutResult } from "../bulk/pay.js";
import { describePlan, formatDollars, type PayoutPlan } from "../bulk/plan.js";
import { ProgressDisplay } from "../bulk/progress.js";
import { describeResult, writeReport } from "../bulk/report.js";
import { BATCH_ID_PATTERN } from "../bulk/token.js";
import { COMMON_HELP, credentialsOf, EXIT, numberOption, parse, runCommand, str, targetOf, UsageError, type Target } from "./args.js";

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
UTF-8 BOM are fine. Other columns are ignored.

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
  --concurrency N       bonuses in flight at once (default 4)
  --rate PER_SECOND     requests per second at most (default 5); halved whenever
                        MTurk throttles, then regained slowly; "off": no client-side limit
  --timeout SECONDS     limit for one HTTP attempt, answer included (default 30)
  --max-attempts N      HTTP attempts per call, the first included (default 3)

Output:
  --report FILE         each row's outcome, request id, token and attempts; .json for
                        JSON, otherwise CSV (default: FILE.report.csv next to the input;
                        FILE.sandbox.report.csv with --sandbox, FILE.<host>-<port>.report.csv
                        with --endpoint)
  Progress goes to stderr (a live line on a terminal, a line every 10 s otherwise);
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
} as const;

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

/** `--rate`: a number of requests per second, or "off" (no client-side limit). */
function rateOption(values: Record<string, unknown>): number {
  return str(values, "rate") === "off" ? Number.POSITIVE_INFINITY : numberOption(values, "rate", 5, { min: 0.01, max: 1000, integer: false });
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
    const rate = rateOption(values);
    const timeoutMs = Math.round(numberOption(values, "timeout", 30, { min: 0.1, max: 3600, integer: false }) * 1000);
    const maxAttempts = numberOption(values, "max-attempts", 3, { min: 1, max: 100, integer: true });
    const namespace = str(values, "namespace");
    if (namespace !== undefined && !NAMESPACE_PATTERN.test(namespace)) {
      throw new UsageError(`--namespace ${JSON.stringify(namespace)} must be 1 to 128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit`);
    }
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

    let text: string;
    try {
      text = readFileSync(input, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const allowDuplicates = values["allow-duplicates"] === true;
    let parsed: ReturnType<typeof parseBonusFile>;
    try {
      parsed = parseBonusFile(text, { fileName: input, allowDuplicates, ...(format === undefined ? {} : { format: format as RowFormat }) });
    } catch (error) {
      if (!(error instanceof InvalidRowsError)) throw error;
      const lines = new Set(error.problems.map((p) => p.line)).size;
      process.stderr.write(`mturk-bonus pay: ${input} was refused, nothing was paid: ${error.problems.length} problem(s) on ${lines} line(s):\n`);
      for (const problem of error.problems) process.stderr.write(`  ${input}:${problem.line}: ${problem.message}\n`);
      return EXIT.usage;
    }
    if (parsed.ignoredFields.length > 0) process.stderr.write(`note: ignoring column(s) ${parsed.ignoredFields.join(", ")}\n`);

    const journal = str(values, "journal") ?? defaultPath(input, target, "journal.jsonl");
    const reportPath = str(values, "report") ?? defaultPath(input, target, "report.csv");
    let client: MTurkClient;
    try {
      client = new MTurkClient({ ...target.options, credentials: credentialsOf(values), timeoutMs, maxAttempts });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const common = {
      client,
      journal,
      target: target.label,
      inputName: input,
      allowDuplicates,
      acceptChangedInput: values["input-changed"] === true,
      payAgainAfter24h: values["pay-again-after-24h"] === true,
      ...(batchId === undefined ? {} : { batchId }),
      ...(namespace === undefined ? {} : { namespace }),
    };
    quietOnClosedStdout();

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
      if (error instanceof BalanceCheckError) {
        process.stderr.write(`mturk-bonus pay: ${error.message}\n`);
        return EXIT.failed;
      }
      throw error;
    } finally {
      await client.destroy();
    }
  });
}
