/** `mturk-bonus send`: one bonus, exactly once. */
import { defaultNamespace, deriveToken } from "../identity.js";
import { formatDollars } from "../money.js";
import { isMTurkError, ValidationError } from "../errors.js";
import { validateSendBonus } from "../validate.js";
import {
  COMMON_HELP,
  createClient,
  EXIT,
  namespaceOption,
  parse,
  required,
  runCommand,
  str,
  UsageError,
} from "./args.js";

export const HELP = `Usage: mturk-bonus send --worker ID --assignment ID --amount DOLLARS --reason TEXT [options]

Pays one bonus. Without --token, the UniqueRequestToken is derived from the
worker, assignment, amount and reason (and the namespace), exactly as
"mturk-bonus pay" derives it for the same bonus, so running the same command
again, or paying a file that holds the same bonus (within MTurk's 24 hours),
reports "already paid" instead of paying twice.

  --worker ID           the WorkerId, e.g. A1B2C3D4E5F6G7
  --assignment ID       the AssignmentId the bonus is for
  --amount DOLLARS      US dollars, at most two decimals, e.g. 1.50 (no "$")
  --reason TEXT         shown to the worker (required by MTurk)
  --token T             the UniqueRequestToken (at most 64 characters); give a new one
                        to pay the same worker the same amount for the same reason again
  --namespace NS        derive the token in NS (default: one per target, as pay)
  --json                print the result as JSON

${COMMON_HELP}

Exit status: 0 paid (or already paid with this token); 1 the call failed (the
message says whether the bonus may have been paid); 2 bad arguments.
`;

const OPTIONS = {
  worker: { type: "string" },
  assignment: { type: "string" },
  amount: { type: "string" },
  reason: { type: "string" },
  token: { type: "string" },
  namespace: { type: "string" },
  json: { type: "boolean" },
} as const;

export async function run(args: string[]): Promise<number> {
  return runCommand(
    "send",
    async () => {
      const { values } = parse("send", args, OPTIONS);
      if (values.help === true) {
        process.stdout.write(HELP);
        return EXIT.ok;
      }
      const input = {
        WorkerId: required("send", values, "worker").trim(),
        AssignmentId: required("send", values, "assignment").trim(),
        BonusAmount: required("send", values, "amount").trim(),
        Reason: required("send", values, "reason"),
      };
      let cents: number;
      try {
        cents = validateSendBonus(input).cents;
      } catch (error) {
        if (error instanceof ValidationError) {
          const flag =
            { WorkerId: "--worker", AssignmentId: "--assignment", BonusAmount: "--amount", Reason: "--reason" }[
              error.field
            ] ?? error.field;
          throw new UsageError(`${flag}: ${error.message}`);
        }
        throw error;
      }
      const namespace = namespaceOption(values);
      const client = createClient(values);
      // One identity of a bonus across the library: the token pay and the queue consumer derive for it.
      const token =
        str(values, "token") ?? deriveToken(namespace ?? defaultNamespace(client.endpointOrigin), { ...input, cents });
      try {
        const output = await client.sendBonus({ ...input, UniqueRequestToken: token });
        if (values.json === true) {
          process.stdout.write(
            `${JSON.stringify({ status: "paid", ...input, UniqueRequestToken: token, alreadyGranted: output.alreadyGranted, requestId: output.$metadata.requestId, attempts: output.$metadata.attempts })}\n`,
          );
        } else if (output.alreadyGranted) {
          process.stdout.write(
            `Already paid: MTurk had already processed token ${token}, so nothing was paid twice (${formatDollars(cents)} to ${input.WorkerId} for ${input.AssignmentId}).\n`,
          );
        } else {
          process.stdout.write(
            `Paid ${formatDollars(cents)} to ${input.WorkerId} for ${input.AssignmentId} (request id ${output.$metadata.requestId ?? "none"}, token ${token}).\n`,
          );
        }
        return EXIT.ok;
      } catch (error) {
        if (!isMTurkError(error)) throw error;
        if (values.json === true) {
          process.stdout.write(
            `${JSON.stringify({ status: "failed", ...input, UniqueRequestToken: token, error: error.toJSON() })}\n`,
          );
        }
        process.stderr.write(
          `mturk-bonus send: ${error.name}${error.TurkErrorCode ? ` (${error.TurkErrorCode})` : ""}: ${error.message}\n`,
        );
        process.stderr.write(
          error.outcomeUnknown
            ? `The bonus may have been paid. Run the same command again${str(values, "token") === undefined ? "" : " (same --token)"} to settle it: with token ${token} it cannot be paid twice within 24 hours.\n`
            : "Nothing was paid.\n",
        );
        return error.name === "ValidationError" ? EXIT.usage : EXIT.failed;
      } finally {
        await client.destroy();
      }
    },
    HELP,
  );
}
