/**
 * What the subcommands share: `node:util` parseArgs with the common options
 * (--sandbox, --endpoint, --profile, --help), credentials from the
 * environment or a profile, the client, and errors turned into exit codes.
 */
import { parseArgs } from "node:util";
import { credentialsFromEnvironment, type Credentials, type CredentialsProvider } from "../credentials.js";
import { isMTurkError } from "../errors.js";
import { NAMESPACE_PATTERN } from "../identity.js";
import { MTurkClient } from "../index.js";
import { credentialsFromProfile, ProfileError, profileExists } from "./profile.js";
import { closureHint, rememberTarget } from "./closure.js";
import { closest } from "./suggest.js";
import type { AttemptEvent, MTurkClientOptions } from "../client.js";

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
  /** @param showUsage the command line itself is wrong: print the command's usage line under the message */
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

/** The options every subcommand takes. */
export const COMMON_OPTIONS = {
  sandbox: { type: "boolean" },
  endpoint: { type: "string" },
  profile: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v" },
  /** The name some users reach for; the same as --verbose. */
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, OptionSpec>;

/** Help text for {@link COMMON_OPTIONS}. */
export const COMMON_HELP = `Where the requests go (default: MTurk production, which stopped paying bonuses on
2026-10-30; see "mturk-bonus --help"):
  --sandbox             the MTurk sandbox (requester-sandbox; no real money)
  --endpoint URL        another endpoint, e.g. a local simulator (mturk-bonus simulate);
                        https://, or http:// to 127.0.0.1 / localhost only
Credentials (never given on the command line), as the AWS CLI finds them:
  --profile NAME        the profile [NAME] of ~/.aws/credentials, then [profile NAME] of
                        ~/.aws/config: static keys or credential_process (used alone when given);
  otherwise AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) from the
  environment, then the profile AWS_PROFILE names, then the [default] profile.
  ($AWS_SHARED_CREDENTIALS_FILE and $AWS_CONFIG_FILE move the files.)
Output:
  -q, --quiet           no progress and no notes on stderr (errors are still printed)
  -v, --verbose         log every HTTP attempt on stderr: operation, status, request id,
                        attempt and wait (never a key, token or signature); --debug is the same
  -h, --help            show this help`;

/**
 * `--amount -1` as `--amount=-1`: parseArgs calls a value that starts with
 * "-" ambiguous, but a negative number is a value (which the validator then
 * refuses with its own message), never an option.
 */
export function joinNegativeValues(args: readonly string[], options: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** The first option `args` use that `options` do not know, with a suggestion. */
function unknownOption(args: string[], options: Record<string, OptionSpec>, positionals: boolean): string | undefined {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== "option" || token.name in options) continue;
    const suggestion = closest(token.name, Object.keys(options));
    return `unknown option ${token.rawName}${suggestion === undefined ? "" : ` (did you mean --${suggestion}?)`}`;
  }
  if (!positionals) {
    const extra = tokens.find((token) => token.kind === "positional");
    if (extra !== undefined) return `unexpected argument ${JSON.stringify(extra.value)}`;
  }
  return undefined;
}

/**
 * Parses `args` with `options` (plus the common ones unless `common` is
 * false). Any mistake becomes a {@link UsageError} naming it, with "did you
 * mean" for a misspelt option.
 */
export function parse<T extends Record<string, OptionSpec>>(
  command: string,
  args: string[],
  options: T,
  positionals = false,
  common = true,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const all: Record<string, OptionSpec> = common ? { ...COMMON_OPTIONS, ...options } : { ...options };
  const hint = `Run "mturk-bonus ${command} --help" for the options.`;
  const joined = joinNegativeValues(args, all);
  const unknown = unknownOption(joined, all, positionals);
  if (unknown !== undefined) throw new UsageError(`${unknown}. ${hint}`, true);
  try {
    const parsed = parseArgs({ args: joined, options: all, strict: true, allowPositionals: positionals });
    return {
      values: parsed.values as Record<string, string | boolean | string[] | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${hint}`, true);
  }
}

/** A string option's value, if given. */
export function str(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** `--namespace`, the token namespace of `pay` and `send`: absent, or well-formed. */
export function namespaceOption(values: Record<string, unknown>): string | undefined {
  const namespace = str(values, "namespace");
  if (namespace !== undefined && !NAMESPACE_PATTERN.test(namespace)) {
    throw new UsageError(
      `--namespace ${JSON.stringify(namespace)} must be 1 to 128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit`,
    );
  }
  return namespace;
}

/** A string option that must be given. */
export function required(command: string, values: Record<string, unknown>, name: string): string {
  const value = str(values, name);
  if (value === undefined || value === "")
    throw new UsageError(`--${name} is required. Run "mturk-bonus ${command} --help" for the options.`, true);
  return value;
}

/** A numeric option within bounds. */
export function numberOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  { min, max, integer }: { min: number; max: number; integer: boolean },
): number {
  const raw = str(values, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (
    raw.trim() === "" ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new UsageError(
      `--${name} ${JSON.stringify(raw)} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}`,
    );
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
  if (endpoint !== undefined && values.sandbox === true)
    throw new UsageError("--sandbox and --endpoint exclude each other: pick one");
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint ${JSON.stringify(endpoint)} is not a URL (e.g. http://127.0.0.1:4000)`);
    }
    const label = `${url.origin}${url.pathname === "/" ? "" : url.pathname}`;
    return {
      label,
      suffix: `${url.hostname}-${url.port || (url.protocol === "https:" ? "443" : "80")}`.replace(
        /[^A-Za-z0-9.-]/g,
        "_",
      ),
      options: { endpoint },
    };
  }
  if (values.sandbox === true) return { label: "sandbox", suffix: "sandbox", options: { sandbox: true } };
  return { label: "production", suffix: "", options: {} };
}

/** Where the credentials came from, for --verbose. */
export interface CredentialsFound {
  readonly credentials: Credentials;
  readonly source: string;
  /**
   * For credentials that expire (a credential_process printing `Expiration`):
   * what the client calls to get fresh ones, shortly before they expire.
   */
  readonly provider?: CredentialsProvider;
}

const NO_CREDENTIALS =
  "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME (or set AWS_PROFILE), or add a [default] profile to ~/.aws/credentials. " +
  'For the local simulator, "mturk-bonus simulate" prints the export lines to paste.';

/**
 * Credentials as the AWS CLI finds them: an explicit --profile alone; else
 * the environment's keys; else the profile AWS_PROFILE names; else the
 * [default] profile of ~/.aws/credentials or ~/.aws/config.
 */
export function findCredentials(
  values: Record<string, unknown>,
  env: Record<string, string | undefined> = process.env,
): CredentialsFound {
  const profile = str(values, "profile");
  if (profile !== undefined) return fromProfile(profile, `profile ${profile} (--profile)`, env);
  const fromEnvironment = credentialsFromEnvironment();
  if (fromEnvironment !== undefined)
    return { credentials: fromEnvironment, source: "the environment (AWS_ACCESS_KEY_ID)" };
  if (env.AWS_PROFILE) return fromProfile(env.AWS_PROFILE, `profile ${env.AWS_PROFILE} (AWS_PROFILE)`, env);
  if (profileExists("default", env)) return fromProfile("default", "profile default", env);
  throw new UsageError(NO_CREDENTIALS);
}

/** A profile's credentials, loaded now (so a bad profile fails before any I/O), and reloaded when they expire. */
function fromProfile(name: string, source: string, env: Record<string, string | undefined>): CredentialsFound {
  const credentials = loadProfile(name, env);
  if (credentials.expiration === undefined) return { credentials, source };
  let first: Credentials | undefined = credentials;
  const provider: CredentialsProvider = async () => {
    const next = first ?? loadProfile(name, env);
    first = undefined;
    return next;
  };
  return { credentials, source, provider };
}

/** Credentials from --profile, the environment, AWS_PROFILE or [default] (see {@link findCredentials}). */
export function credentialsOf(
  values: Record<string, unknown>,
  env: Record<string, string | undefined> = process.env,
): Credentials {
  return findCredentials(values, env).credentials;
}

function loadProfile(name: string, env: Record<string, string | undefined>): Credentials {
  try {
    return credentialsFromProfile(name, env);
  } catch (error) {
    if (error instanceof ProfileError) throw new UsageError(error.message);
    throw error;
  }
}

/** One --verbose line per HTTP attempt: what was asked and answered, never a secret or signature. */
export function describeAttempt(event: AttemptEvent): string {
  const parts = [`${event.operation} attempt ${event.attempt}`];
  parts.push(event.status === undefined ? "no answer" : `HTTP ${event.status}`);
  if (event.error !== undefined) parts.push(event.error);
  parts.push(`request id ${event.requestId ?? "none"}`);
  parts.push(`${Math.round(event.elapsedMs)} ms`);
  if (event.waitMs !== undefined) parts.push(`retrying in ${Math.round(event.waitMs)} ms`);
  return `mturk-bonus: ${parts.join(", ")}\n`;
}

/** A client for the target, with the command line's credentials (and a logger with --verbose). */
export function createClient(
  values: Record<string, unknown>,
  target: Target = targetOf(values),
  log: (text: string) => void = (text) => process.stderr.write(text),
  /** Per-command client options (e.g. `pay --timeout / --max-attempts`). */
  extra: Pick<MTurkClientOptions, "timeoutMs" | "maxAttempts"> = {},
): MTurkClient {
  rememberTarget(target.label);
  const found = findCredentials(values);
  const verbose = (values.verbose === true || values.debug === true) && values.quiet !== true;
  if (verbose)
    log(
      `mturk-bonus: sending to ${target.label}; credentials from ${found.source}, key …${found.credentials.accessKeyId.slice(-4)}\n`,
    );
  try {
    return new MTurkClient({
      ...target.options,
      ...extra,
      credentials: found.provider ?? found.credentials,
      ...(verbose ? { onAttempt: (event: AttemptEvent) => log(describeAttempt(event)) } : {}),
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs a subcommand body, printing errors as one clean message and mapping them to exit codes. */
export async function runCommand(command: string, body: () => Promise<number>, help?: string): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      // A misuse shows the command's usage line too, on stderr with the problem.
      const usage = error.showUsage ? help?.split("\n", 1)[0] : undefined;
      process.stderr.write(`mturk-bonus ${command}: ${error.message}\n${usage ? `${usage}\n` : ""}`);
      return EXIT.usage;
    }
    if (isMTurkError(error)) {
      process.stderr.write(`mturk-bonus ${command}: ${error.name}: ${error.message}\n${closureHint(error)}`);
      if (error.name === "ValidationError") return EXIT.usage;
      return EXIT.failed;
    }
    process.stderr.write(`mturk-bonus ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
