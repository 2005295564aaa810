/** `mturk-bonus list --assignment ID`: the bonuses paid for an assignment (ListBonusPayments, every page). */
import { formatDollars, toCents } from "../money.js";
import { COMMON_HELP, createClient, EXIT, parse, required, runCommand } from "./args.js";

export const HELP = `Usage: mturk-bonus list --assignment ID [options]

Lists every bonus paid for an assignment (ListBonusPayments, all pages), oldest
first as MTurk returns them, with a total.

  --assignment ID       the AssignmentId
  --json                print one JSON object per bonus (JSON Lines)

${COMMON_HELP}

Exit status: 0 listed (also when there are none); 1 the call failed; 2 bad arguments.
`;

export async function run(args: string[]): Promise<number> {
  return runCommand(
    "list",
    async () => {
      const { values } = parse("list", args, { assignment: { type: "string" }, json: { type: "boolean" } });
      if (values.help === true) {
        process.stdout.write(HELP);
        return EXIT.ok;
      }
      const AssignmentId = required("list", values, "assignment").trim();
      const client = createClient(values);
      try {
        let count = 0;
        let total = 0;
        for await (const payment of client.paginateBonusPayments({ AssignmentId })) {
          count++;
          const cents = toCents(payment.BonusAmount);
          total += cents ?? 0;
          const when = Number.isNaN(payment.GrantTime.getTime()) ? "unknown time" : payment.GrantTime.toISOString();
          if (values.json === true) {
            process.stdout.write(
              `${JSON.stringify({ ...payment, GrantTime: Number.isNaN(payment.GrantTime.getTime()) ? null : when })}\n`,
            );
          } else {
            if (count === 1)
              process.stdout.write(
                `${"GrantTime".padEnd(25)}${"WorkerId".padEnd(22)}${"Amount".padStart(10)}  Reason\n`,
              );
            const amount = cents === undefined ? payment.BonusAmount : formatDollars(cents);
            process.stdout.write(
              `${when.padEnd(25)}${payment.WorkerId.padEnd(22)}${amount.padStart(10)}  ${payment.Reason.replace(/\s+/g, " ")}\n`,
            );
          }
        }
        if (values.json !== true) {
          process.stdout.write(
            count === 0
              ? `No bonuses paid for ${AssignmentId}.\n`
              : `${count} bonus(es), ${formatDollars(total)} in all.\n`,
          );
        }
        return EXIT.ok;
      } finally {
        await client.destroy();
      }
    },
    HELP,
  );
}
