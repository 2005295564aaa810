/**
 * `mturk-bonus`: dispatches to one module per subcommand, loaded only when
 * used, so that `mturk-bonus balance` does not load the simulator. Exported
 * as `mturk-bonus/cli` for programs that run the commands in-process; the
 * executable is `bin.ts`.
 */

import { readFileSync } from "node:fs";
import { closest } from "./suggest.js";
import { CLOSURE_NOTE } from "./closure.js";

type Command = { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  pay: {
    summary: "pay every bonus in a CSV or JSON Lines file, exactly once, resumably",
    load: () => import("./pay.js"),
  },
  send: { summary: "pay one bonus", load: () => import("./send.js") },
  balance: { summary: "print the account's available balance", load: () => import("./balance.js") },
  list: { summary: "list the bonuses paid for an assignment", load: () => import("./list.js") },
  simulate: { summary: "run the local MTurk simulator", load: () => import("./simulate.js") },
  demo: {
    summary: "pay a few bonuses against the local simulator and show that nothing is paid twice",
    load: () => import("./demo.js"),
  },
};

export const USAGE = `Usage: mturk-bonus <command> [options]
       mturk-bonus --version | --help

Pays Amazon Mechanical Turk bonuses exactly once, without the AWS SDK.

${CLOSURE_NOTE}

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(10)}${command.summary}`)
  .join("\n")}

Options:
  -V, --version   print the version
  -h, --help      show this help

Run "mturk-bonus <command> --help" for a command's options.
Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), --profile NAME
or AWS_PROFILE, then the [default] profile of ~/.aws/credentials, as the AWS CLI finds them.
`;

/** This package's version, from its package.json (two levels up from src/cli and dist/cli alike). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs one command line (without `node` and the script), writing to stdout/stderr; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    // A bare command is a misuse: the usage goes where errors go.
    process.stderr.write(USAGE);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`mturk-bonus ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    const suggestion = closest(name.replace(/^-+/, ""), Object.keys(COMMANDS));
    const what = name.startsWith("-") ? `unknown option ${name}` : `unknown command "${name}"`;
    process.stderr.write(
      `mturk-bonus: ${what}${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}\n\n${USAGE}`,
    );
    return 2;
  }
  return (await command.load()).run(rest);
}
