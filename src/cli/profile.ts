/**
 * Credentials from AWS profiles, as the AWS CLI reads them: the shared
 * credentials file (`~/.aws/credentials`, `[NAME]`) and the config file
 * (`~/.aws/config`, `[profile NAME]` or `[default]`), with static keys or a
 * `credential_process`. Profiles that need a login flow (IAM Identity
 * Center, assumed roles) are named as such, with the one command that turns
 * them into keys.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Credentials } from "../credentials.js";

type Env = Record<string, string | undefined>;
type Section = Map<string, string>;

/** Why a profile gave no credentials; `kind` tells the cases apart for people and tests. */
export class ProfileError extends Error {
  override readonly name = "ProfileError";
  constructor(
    readonly kind: "missing" | "no-keys" | "unsupported" | "process",
    message: string,
  ) {
    super(message);
  }
}

/** Sections of an INI file: name → key → value. Keys are lowercased. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[([^\]]+)\]/.exec(line);
    if (section) {
      const name = (section[1] as string).trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq === -1 || current === undefined) continue;
    // Nested settings (indented lines such as `s3 =` blocks) are not credentials; a value's inline comment needs a space before `#`.
    if (/^\s/.test(raw)) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line
      .slice(eq + 1)
      .replace(/\s[#;].*$/, "")
      .trim();
    current.set(key, value);
  }
  return sections;
}

/** The files profiles are read from, in order. */
export function profileFiles(env: Env = process.env): { credentials: string; config: string } {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"),
    config: env.AWS_CONFIG_FILE || join(home, ".aws", "config"),
  };
}

/** Settings that need a login or an STS call, which this package does not make. */
const UNSUPPORTED: ReadonlyArray<readonly [key: string, what: string]> = [
  ["sso_session", "IAM Identity Center (sso_session)"],
  ["sso_start_url", "IAM Identity Center (sso_start_url)"],
  ["role_arn", "an assumed role (role_arn)"],
  ["web_identity_token_file", "web identity federation (web_identity_token_file)"],
  ["credential_source", "an assumed role (credential_source)"],
];

function readSections(path: string): Map<string, Section> | undefined {
  return existsSync(path) ? parseIni(readFileSync(path, "utf8")) : undefined;
}

function staticKeys(section: Section | undefined): Credentials | undefined {
  const accessKeyId = section?.get("aws_access_key_id");
  const secretAccessKey = section?.get("aws_secret_access_key");
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = section?.get("aws_session_token");
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** Whether a profile of this name exists in either file. */
export function profileExists(name: string, env: Env = process.env): boolean {
  return findProfile(name, env).found;
}

function findProfile(name: string, env: Env) {
  const files = profileFiles(env);
  const credentialsFile = readSections(files.credentials);
  const configFile = readSections(files.config);
  const fromCredentials = credentialsFile?.get(name);
  const fromConfig =
    configFile?.get(name === "default" ? "default" : `profile ${name}`) ??
    (name === "default" ? undefined : configFile?.get(name));
  return {
    files,
    credentialsFile,
    configFile,
    fromCredentials,
    fromConfig,
    found: fromCredentials !== undefined || fromConfig !== undefined,
  };
}

function profileNames(
  credentialsFile: Map<string, Section> | undefined,
  configFile: Map<string, Section> | undefined,
): string[] {
  const names = new Set<string>(credentialsFile?.keys() ?? []);
  for (const section of configFile?.keys() ?? []) {
    if (section === "default") names.add(section);
    else if (section.startsWith("profile ")) names.add(section.slice("profile ".length).trim());
  }
  return [...names].sort();
}

/** The command that turns any profile the AWS CLI can use into environment variables. */
export function exportCommand(name: string): string {
  return `eval "$(aws configure export-credentials --profile ${name} --format env)"`;
}

/** Options of {@link credentialsFromProfile}. */
export interface ProfileOptions {
  /** Limit for a `credential_process`, in ms. @default 30000 */
  processTimeoutMs?: number;
}

/**
 * A profile's credentials: static keys, or the output of its
 * `credential_process`. Throws a {@link ProfileError} that tells a missing
 * profile, one without keys and one that needs a login apart.
 */
export function credentialsFromProfile(
  name: string,
  env: Env = process.env,
  options: ProfileOptions = {},
): Credentials {
  const { files, credentialsFile, configFile, fromCredentials, fromConfig, found } = findProfile(name, env);
  if (!found) {
    const names = profileNames(credentialsFile, configFile);
    throw new ProfileError(
      "missing",
      `profile "${name}" was not found in ${files.credentials} or ${files.config}` +
        (credentialsFile === undefined && configFile === undefined
          ? " (neither file exists)"
          : names.length > 0
            ? ` (profiles there: ${names.join(", ")})`
            : " (they hold no profiles)"),
    );
  }
  for (const [key, what] of UNSUPPORTED) {
    if (fromCredentials?.has(key) || fromConfig?.has(key)) {
      throw new ProfileError(
        "unsupported",
        `profile "${name}" uses ${what}, which mturk-bonus does not support (it reads static keys and credential_process only). ` +
          `Have the AWS CLI export temporary keys into the environment, then run again:\n  ${exportCommand(name)}`,
      );
    }
  }
  const keys = staticKeys(fromCredentials);
  if (keys !== undefined) return keys;
  const command = fromCredentials?.get("credential_process") ?? fromConfig?.get("credential_process");
  if (command) return runCredentialProcess(name, command, options.processTimeoutMs ?? 30_000);
  const fromConfigKeys = staticKeys(fromConfig);
  if (fromConfigKeys !== undefined) return fromConfigKeys;
  throw new ProfileError(
    "no-keys",
    `profile "${name}" has neither aws_access_key_id with aws_secret_access_key nor credential_process (in ${files.credentials} or ${files.config})`,
  );
}

/** Long runs of key-like characters, which a failing process's stderr could contain. */
const SECRET_LIKE = /[A-Za-z0-9/+=_-]{20,}/g;

function stderrExcerpt(stderr: string): string {
  const flat = stderr.replace(SECRET_LIKE, "[REDACTED]").replace(/\s+/g, " ").trim();
  return flat === "" ? "" : `: ${flat.length > 200 ? `${flat.slice(0, 200)}…` : flat}`;
}

/**
 * Runs a `credential_process` (through the shell, as the AWS SDKs do) and
 * checks its JSON (Version 1). Messages name fields, never values; the
 * process's stderr is shown only on failure, with anything key-like redacted.
 */
export function runCredentialProcess(name: string, command: string, timeoutMs: number): Credentials {
  const where = `the credential_process of profile "${name}"`;
  const result = spawnSync(command, {
    shell: true,
    timeout: timeoutMs,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1024 * 1024,
  });
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code === "ETIMEDOUT") {
    throw new ProfileError("process", `${where} did not finish within ${timeoutMs} ms and was stopped`);
  }
  if (result.error !== undefined)
    throw new ProfileError(
      "process",
      `${where} could not be run: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`,
    );
  if (result.status !== 0) {
    throw new ProfileError(
      "process",
      `${where} failed (${result.signal ? `signal ${result.signal}` : `exit status ${result.status}`})${stderrExcerpt(result.stderr ?? "")}`,
    );
  }
  return parseProcessOutput(where, result.stdout ?? "");
}

/** Validates a credential_process's output: `{ Version: 1, AccessKeyId, SecretAccessKey, SessionToken?, Expiration? }`. */
export function parseProcessOutput(where: string, stdout: string, now = Date.now()): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    throw new ProfileError(
      "process",
      `${where} did not print JSON (expected {"Version": 1, "AccessKeyId": …, "SecretAccessKey": …})`,
    );
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (record.Version !== 1)
    throw new ProfileError(
      "process",
      `${where} printed Version ${JSON.stringify(record.Version ?? null)}; only Version 1 is understood`,
    );
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = record;
  for (const [field, part] of [
    ["AccessKeyId", AccessKeyId],
    ["SecretAccessKey", SecretAccessKey],
  ] as const) {
    if (typeof part !== "string" || part === "")
      throw new ProfileError("process", `${where} printed no ${field} (a non-empty string is required)`);
  }
  if (SessionToken !== undefined && (typeof SessionToken !== "string" || SessionToken === "")) {
    throw new ProfileError("process", `${where} printed a SessionToken that is not a non-empty string`);
  }
  let expires: number | undefined;
  if (Expiration !== undefined) {
    expires = typeof Expiration === "string" ? Date.parse(Expiration) : Number.NaN;
    if (Number.isNaN(expires))
      throw new ProfileError("process", `${where} printed an Expiration that is not an ISO 8601 time`);
    if (expires <= now)
      throw new ProfileError(
        "process",
        `${where} printed credentials that expired at ${new Date(expires).toISOString()}`,
      );
  }
  const credentials: Credentials = { accessKeyId: AccessKeyId as string, secretAccessKey: SecretAccessKey as string };
  if (typeof SessionToken === "string") credentials.sessionToken = SessionToken;
  // Kept so that the client asks again before they expire (a long payout outlives one-hour keys).
  if (expires !== undefined) credentials.expiration = new Date(expires);
  return credentials;
}
