/**
 * `mturk-bonus simulate`: runs the local MTurk simulator until interrupted.
 * The first line on stdout is the URL alone, so scripts can read it.
 */
import { parse } from "./args.js";
import { parseFaultSpec, SIMULATOR_CREDENTIALS, startSimulator, type FaultSpec, type SigningCredentials, type Simulator } from "../simulator/index.js";

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
  return env.AWS_SESSION_TOKEN ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } : { accessKeyId, secretAccessKey };
}

/** What to paste into another terminal to use the simulator: its keys (public test keys, or none when yours are used) and its URL. */
export function pasteLines(url: string, credentials: SigningCredentials | undefined, builtIn: SigningCredentials): string {
  const keys =
    credentials === undefined
      ? `export AWS_ACCESS_KEY_ID=${builtIn.accessKeyId} AWS_SECRET_ACCESS_KEY=${builtIn.secretAccessKey}\nunset AWS_SESSION_TOKEN AWS_PROFILE`
      : // Your own keys are never printed: the shell that started the simulator already has them.
        `# signed with your environment's AWS_ACCESS_KEY_ID (…${credentials.accessKeyId.slice(-4)}): use the same environment`;
  return `\n# Paste into another terminal (the simulator's key pair is public; it opens only simulators):\n${keys}\n` +
    `mturk-bonus balance --endpoint ${url}\n` +
    `# then: mturk-bonus pay bonuses.csv --endpoint ${url} --dry-run\n\n`;
}

/** Runs the command; resolves with the exit code once SIGINT or SIGTERM stops the simulator. */
export async function run(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  let faults: FaultSpec[];
  try {
    ({ values } = parse(
      "simulate",
      args,
      {
        port: { type: "string" },
        balance: { type: "string" },
        region: { type: "string" },
        seed: { type: "string" },
        fault: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      false,
      false,
    ));
    faults = ((values.fault as string[] | undefined) ?? []).map(parseFault);
  } catch (error) {
    process.stderr.write(`mturk-bonus simulate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = Number(values.port ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`mturk-bonus simulate: --port must be 0..65535, got ${values.port}\n`);
    return 2;
  }

  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(/^\d+$/.test(String(values.seed)) && Number.isSafeInteger(seed))) {
    process.stderr.write(`mturk-bonus simulate: --seed must be a non-negative whole number, got ${values.seed}\n`);
    return 2;
  }

  const credentials = credentialsFromEnv(process.env);
  let sim: Simulator;
  try {
    sim = await startSimulator({
      port,
      faults,
      ...(credentials === undefined ? {} : { credentials }),
      ...(typeof values.balance === "string" ? { balance: values.balance } : {}),
      ...(typeof values.region === "string" ? { region: values.region } : {}),
      ...(seed === undefined ? {} : { seed }),
    });
  } catch (error) {
    // A malformed --balance is a usage error; anything else (a port in use) is not.
    if (!(error instanceof TypeError)) throw error;
    process.stderr.write(`mturk-bonus simulate: ${error.message}\n`);
    return 2;
  }
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
  return 0;
}
