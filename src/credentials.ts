/** Where the signing credentials come from, checked before any I/O. */
import { isMTurkError, MTurkError, ValidationError } from "./errors.js";

/** An AWS access key pair, with a session token for temporary credentials. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Called once per request, so rotated credentials are picked up without a new client. */
export type CredentialsProvider = () => Credentials | Promise<Credentials>;

/** Reads `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` where the runtime has an environment. */
export function credentialsFromEnvironment(): Credentials | undefined {
  // Workers and browsers have no `process`; Node, Bun and Deno do.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  let accessKeyId: string | undefined;
  let secretAccessKey: string | undefined;
  let sessionToken: string | undefined;
  try {
    accessKeyId = env?.AWS_ACCESS_KEY_ID;
    secretAccessKey = env?.AWS_SECRET_ACCESS_KEY;
    sessionToken = env?.AWS_SESSION_TOKEN;
  } catch {
    // Deno without --allow-env throws on reading the environment: there is none to read, then.
    return undefined;
  }
  if (!accessKeyId || !secretAccessKey) return undefined;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

const MISSING =
  "pass credentials: { accessKeyId, secretAccessKey } to new MTurkClient(), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in Deno, run with --allow-env)";

/** Checks what a provider returned; never echoes the secret. */
export function checkCredentials(value: unknown): Credentials {
  if (typeof value !== "object" || value === null) {
    throw new ValidationError("credentials", "are missing", MISSING);
  }
  const record = value as Record<string, unknown>;
  for (const key of ["accessKeyId", "secretAccessKey"]) {
    const part = record[key];
    if (typeof part !== "string" || part === "") throw new ValidationError(`credentials.${key}`, "is missing or empty", MISSING);
  }
  const sessionToken = record.sessionToken;
  if (sessionToken !== undefined && (typeof sessionToken !== "string" || sessionToken === "")) {
    throw new ValidationError("credentials.sessionToken", "is not a non-empty string", "omit it, or pass the session token of temporary credentials");
  }
  return value as Credentials;
}

/** Turns the `credentials` option into a provider; the environment is read at each call, like the SDK's chain. */
export function toProvider(option: Credentials | CredentialsProvider | undefined): CredentialsProvider {
  if (typeof option === "function") return option;
  if (option !== undefined) {
    const fixed = option;
    return () => fixed;
  }
  return () => {
    const fromEnvironment = credentialsFromEnvironment();
    if (fromEnvironment === undefined) throw new ValidationError("credentials", "are missing", MISSING);
    return fromEnvironment;
  };
}

/**
 * Calls the provider and checks what it returns. A provider that throws
 * (an expired SSO session, a failed vault call) becomes a
 * `CredentialsProviderError` with the original as `cause`, before any I/O to MTurk.
 */
export async function resolveCredentials(provider: CredentialsProvider): Promise<Credentials> {
  let value: unknown;
  try {
    value = await provider();
  } catch (error) {
    if (isMTurkError(error)) throw error;
    throw new MTurkError({
      name: "CredentialsProviderError",
      // The provider's own message stays in `cause`: it is not ours to vouch that it holds no secret.
      message: `The credentials provider threw ${error instanceof Error ? error.name : typeof error}; see the error's cause`,
      cause: error,
    });
  }
  return checkCredentials(value);
}
