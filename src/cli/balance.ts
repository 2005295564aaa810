/** `mturk-bonus balance`: the account's prepaid balance (GetAccountBalance). */
import { formatDollars, toCents } from "../money.js";
import { COMMON_HELP, createClient, EXIT, parse, runCommand } from "./args.js";

export const HELP = `Usage: mturk-bonus balance [options]

Prints the account's available balance (GetAccountBalance), and the amount on
hold when MTurk reports one.

  --json                print {"AvailableBalance": "…", "OnHoldBalance": "…"} as MTurk sends them

${COMMON_HELP}

Exit status: 0 printed; 1 the call failed; 2 bad arguments or no credentials.
`;

function dollars(amount: string): string {
  const cents = toCents(amount);
  return cents === undefined ? amount : formatDollars(cents);
}

export async function run(args: string[]): Promise<number> {
  return runCommand(
    "balance",
    async () => {
      const { values } = parse("balance", args, { json: { type: "boolean" } });
      if (values.help === true) {
        process.stdout.write(HELP);
        return EXIT.ok;
      }
      const client = createClient(values);
      try {
        const { AvailableBalance, OnHoldBalance } = await client.getAccountBalance();
        if (values.json === true) {
          process.stdout.write(
            `${JSON.stringify({ AvailableBalance, ...(OnHoldBalance === undefined ? {} : { OnHoldBalance }) })}\n`,
          );
        } else {
          process.stdout.write(`Available balance: ${dollars(AvailableBalance)}\n`);
          if (OnHoldBalance !== undefined) process.stdout.write(`On hold:           ${dollars(OnHoldBalance)}\n`);
        }
        return EXIT.ok;
      } finally {
        await client.destroy();
      }
    },
    HELP,
  );
}
