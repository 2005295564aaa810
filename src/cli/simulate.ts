/**
 * `mturk-bonus simulate`: runs the local MTurk simulator until interrupted.
 * The first line on stdout is the URL alone, so scripts can read it.
 */
import { EXIT, numberOption, parse, runCommand, str, UsageError } from "./args.js";
import {
  parseFaultSpec,
  SIMULATOR_CREDENTIALS,
  startSimulator,
  type FaultSpec,
  type SigningCredentials,
  type Simulator,
  type SimulatorOptions,
} from "../simulator/index.js";

/** Usage text of the command. */
export const USAGE = `Usage: mturk-bonus simulate [options]

Runs a local MTurk Requester API (SendBonus, GetAccountBalance, ListBonusPayments)
on 127.0.0.1 and prints its URL, then the lines to paste into another
terminal: the export of the simulator's key pair and the --endpoint to pass.
Stop it with Ctrl-C.

Options:
  --port N          TCP port, 0 for any free one (default 0)
  --balance D       starting balance in dollars (default 10000.00)
  --region R        signing region requests must use (default us-east-1)
  --seed N          seed for fault probabilities
  --fault SPEC      arm a fault, repeatable: KIND[:COUNT] or a JSON object,
                    e.g. --fault lostAnswer:1 --fault '{"kind":"throttle","probability":0.2}'
  -h, --help        show this help

Requests must be signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
(/ AWS_SESSION_TOKEN) when set, else with the simulator's built-in pair
(SIMULATOR_CREDENTIALS in mturk-bonus/simulator).
Test-only routes, unsigned: GET /__ledger, POST /__control.
`;

function parseFault(text: string): FaultSpec {
  if (text.trimStart().startsWith("{")) return parseFaultSpec(JSON.parse(text));
  const [kind, count] = text.split(":");
  return parseFaultSpec(count === undefined ? { kind } : { kind, count: Number(count) });
}

function credentialsFromEnv(env: NodeJS.ProcessEnv): SigningCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return env.AWS_SESSION_TOKEN
    ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN }
    : { accessKeyId, secretAccessKey };
}

/** What to paste into another terminal to use the simulator: its keys (public test keys, or none when yours are used) and its URL. */
export function pasteLines(
  url: string,
  credentials: SigningCredentials | undefined,
  builtIn: SigningCredentials,
): string {
  const keys =
    credentials === undefined
      ? `export AWS_ACCESS_KEY_ID=${builtIn.accessKeyId} AWS_SECRET_ACCESS_KEY=${builtIn.secretAccessKey}\nunset AWS_SESSION_TOKEN AWS_PROFILE`
      : // Your own keys are never printed: the shell that started the simulator already has them.
        `# signed with your environment's AWS_ACCESS_KEY_ID (…${credentials.accessKeyId.slice(-4)}): use the same environment`;
  return (
    `\n# Paste into another terminal (the simulator's key pair is public; it opens only simulators):\n${keys}\n` +
    `mturk-bonus balance --endpoint ${url}\n` +
    `# then: mturk-bonus pay bonuses.csv --endpoint ${url} --dry-run\n\n`
  );
}

const OPTIONS = {
  port: { type: "string" },
  balance: { type: "string" },
  region: { type: "string" },
  seed: { type: "string" },
  fault: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

/** The simulator's options from the command line; a bad one is a {@link UsageError}. */
function simulatorOptions(
  values: Record<string, unknown>,
  credentials: SigningCredentials | undefined,
): SimulatorOptions {
  const faults = ((values.fault as string[] | undefined) ?? []).map((text) => {
    try {
      return parseFault(text);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  });
  const port = numberOption(values, "port", 0, { min: 0, max: 65535, integer: true });
  const seedText = str(values, "seed");
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && !(/^\d+$/.test(String(seedText)) && Number.isSafeInteger(seed))) {
    throw new UsageError(`--seed must be a non-negative whole number, got ${seedText}`);
  }
  const balance = str(values, "balance");
  const region = str(values, "region");
  return {
    port,
    faults,
    ...(credentials === undefined ? {} : { credentials }),
    ...(balance === undefined ? {} : { balance }),
    ...(region === undefined ? {} : { region }),
    ...(seed === undefined ? {} : { seed }),
  };
}

/** Runs the command; resolves with the exit code once SIGINT or SIGTERM stops the simulator. */
export async function run(args: string[]): Promise<number> {
  return runCommand(
    "simulate",
    async () => {
      // No common options: the simulator sends nothing, so it has no target or credentials to pick.
      const { values } = parse("simulate", args, OPTIONS, false, false);
      if (values.help === true) {
        process.stdout.write(USAGE);
        return EXIT.ok;
      }
      const credentials = credentialsFromEnv(process.env);
      return serve(await start(simulatorOptions(values, credentials)), credentials);
    },
    USAGE,
  );
}

async function start(options: SimulatorOptions): Promise<Simulator> {
  try {
    return await startSimulator(options);
  } catch (error) {
    // The simulator refuses a malformed option (a --balance) with a TypeError: a usage error. Anything else (a port in use) is not.
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/** Prints the URL and the lines to paste, then serves until SIGINT or SIGTERM. */
async function serve(sim: Simulator, credentials: SigningCredentials | undefined): Promise<number> {
  // Listening for the signals before printing: a script that reads the URL and stops us at once must get a clean exit.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  process.stdout.write(`${sim.url}\n${pasteLines(sim.url, credentials, SIMULATOR_CREDENTIALS)}`);
  // Only the key id: the secret stays out of terminals and logs.
  process.stderr.write(
    `MTurk simulator listening; region ${sim.region}; access key ${sim.credentials[0]?.accessKeyId ?? "?"}` +
      `${credentials === undefined ? " (the built-in SIMULATOR_CREDENTIALS)" : " (from the environment)"}\n` +
      `ledger: GET ${sim.url}/__ledger   control: POST ${sim.url}/__control   stop: Ctrl-C\n`,
  );

  await stopped;
  await sim.close();
  return EXIT.ok;
}
