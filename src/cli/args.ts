/**
 * What the subcommands share: `node:util` parseArgs with the common options
 * (--sandbox, --endpoint, --profile, --help), credentials from the
 * environment or a profile, the client, and errors turned into exit codes.
 */
import { parseArgs } from "node:util";
import { credentialsFromEnvironment, type Credentials } from "../credentials.js";
import { isMTurkError } from "../errors.js";
import { MTurkClient } from "../index.js";
import { credentialsFromProfile } from "../bulk/profile.js";

/** Exit codes, the same for every subcommand. */
export const EXIT = {
  ok: 0,
  /** The call failed, or some rows failed or were not reached. */
  failed: 1,
  /** Bad arguments or input: nothing was sent. */
  usage: 2,
  /** Not enough money in the account. */
  funds: 3,
  /** Stopped by Ctrl-C / SIGTERM. */
  interrupted: 130,
} as const;

/** A mistake in the command line or input; printed without a stack, exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

/** The options every subcommand takes. */
export const COMMON_OPTIONS = {
  sandbox: { type: "boolean" },
  endpoint: { type: "string" },
  profile: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, OptionSpec>;

/** Help text for {@link COMMON_OPTIONS}. */
export const COMMON_HELP = `Where the requests go (default: MTurk production, real money):
  --sandbox             the MTurk sandbox (requester-sandbox; no real money)
  --endpoint URL        another endpoint, e.g. a local simulator (mturk-bonus simulate);
                        https://, or http:// to 127.0.0.1 / localhost only
Credentials (never given on the command line):
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) from the environment,
  or --profile NAME     the [NAME] keys of ~/.aws/credentials (or $AWS_SHARED_CREDENTIALS_FILE,
                        then ~/.aws/config); AWS_PROFILE is used when the variables are not set
  -h, --help            show this help`;

/** Parses `args` with the common options plus `options`; a parse error becomes a {@link UsageError}. */
export function parse<T extends Record<string, OptionSpec>>(
  command: string,
  args: string[],
  options: T,
  positionals = false,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: positionals });
    return { values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\nRun "mturk-bonus ${command} --help" for the options.`);
  }
}

/** A string option's value, if given. */
export function str(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** A string option that must be given. */
export function required(command: string, values: Record<string, unknown>, name: string): string {
  const value = str(values, name);
  if (value === undefined || value === "") throw new UsageError(`--${name} is required. Run "mturk-bonus ${command} --help" for the options.`);
  return value;
}

/** A numeric option within bounds. */
export function numberOption(values: Record<string, unknown>, name: string, fallback: number, { min, max, integer }: { min: number; max: number; integer: boolean }): number {
  const raw = str(values, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} ${JSON.stringify(raw)} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}`);
  }
  return value;
}

/** Where requests go: a label for people and journals, and the client options. */
export interface Target {
  /** `production`, `sandbox`, or the endpoint URL. */
  readonly label: string;
  /** A short, file-name-safe name: "" for production, "sandbox", or the endpoint's host and port. */
  readonly suffix: string;
  readonly options: { sandbox?: boolean; endpoint?: string };
}

/** Reads --sandbox / --endpoint. */
export function targetOf(values: Record<string, unknown>): Target {
  const endpoint = str(values, "endpoint");
  if (endpoint !== undefined && values.sandbox === true) throw new UsageError("--sandbox and --endpoint exclude each other: pick one");
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint ${JSON.stringify(endpoint)} is not a URL (e.g. http://127.0.0.1:4000)`);
    }
    const label = `${url.origin}${url.pathname === "/" ? "" : url.pathname}`;
    return { label, suffix: `${url.hostname}-${url.port || (url.protocol === "https:" ? "443" : "80")}`.replace(/[^A-Za-z0-9.-]/g, "_"), options: { endpoint } };
  }
  if (values.sandbox === true) return { label: "sandbox", suffix: "sandbox", options: { sandbox: true } };
  return { label: "production", suffix: "", options: {} };
}

/** Credentials from --profile, the environment, or AWS_PROFILE, in that order. */
export function credentialsOf(values: Record<string, unknown>, env: Record<string, string | undefined> = process.env): Credentials {
  const profile = str(values, "profile");
  if (profile !== undefined) return loadProfile(profile, env);
  const fromEnvironment = credentialsFromEnvironment();
  if (fromEnvironment !== undefined) return fromEnvironment;
  if (env.AWS_PROFILE) return loadProfile(env.AWS_PROFILE, env);
  throw new UsageError("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile NAME (a section of ~/.aws/credentials)");
}

function loadProfile(name: string, env: Record<string, string | undefined>): Credentials {
  try {
    return credentialsFromProfile(name, env);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A client for the target, with the command line's credentials. */
export function createClient(values: Record<string, unknown>, target: Target = targetOf(values)): MTurkClient {
  const credentials = credentialsOf(values);
  try {
    return new MTurkClient({ ...target.options, credentials });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs a subcommand body, printing errors as one clean message and mapping them to exit codes. */
export async function runCommand(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`mturk-bonus ${command}: ${error.message}\n`);
      return EXIT.usage;
    }
    if (isMTurkError(error)) {
      process.stderr.write(`mturk-bonus ${command}: ${error.name}: ${error.message}\n`);
      if (error.name === "ValidationError") return EXIT.usage;
      return EXIT.failed;
    }
    process.stderr.write(`mturk-bonus ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
