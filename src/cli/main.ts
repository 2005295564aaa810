/**
 * `mturk-bonus`: dispatches to one module per subcommand, loaded only when
 * used, so that `mturk-bonus balance` does not load the simulator. Exported
 * as `mturk-bonus/cli` for programs that run the commands in-process; the
 * executable is `bin.ts`.
 */

type Command = { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  pay: { summary: "pay every bonus in a CSV or JSON Lines file, exactly once, resumably", load: () => import("./pay.js") },
  send: { summary: "pay one bonus", load: () => import("./send.js") },
  balance: { summary: "print the account's available balance", load: () => import("./balance.js") },
  list: { summary: "list the bonuses paid for an assignment", load: () => import("./list.js") },
  simulate: { summary: "run the local MTurk simulator", load: () => import("./simulate.js") },
  demo: { summary: "pay a few bonuses against the local simulator and show that nothing is paid twice", load: () => import("./demo.js") },
};

export const USAGE = `Usage: mturk-bonus <command> [options]

Pays Amazon Mechanical Turk bonuses exactly once, without the AWS SDK.

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(10)}${command.summary}`)
  .join("\n")}

Run "mturk-bonus <command> --help" for a command's options.
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), or --profile NAME.
`;

/** Runs one command line (without `node` and the script), writing to stdout/stderr; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`mturk-bonus: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return (await command.load()).run(rest);
}

