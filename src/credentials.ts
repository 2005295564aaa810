/** Where the signing credentials come from, checked before any I/O. */
import { CredentialsProviderError, isMTurkError, ValidationError } from "./errors.js";

/**
 * An AWS access key pair, with a session token for temporary credentials.
 * The shape of the AWS SDK's `AwsCredentialIdentity`, so what
 * `@aws-sdk/credential-providers` returns fits as it is.
 */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working. A provider is asked again shortly before (see {@link CREDENTIALS_REFRESH_WINDOW_MS}). */
  expiration?: Date;
}

/**
 * A function returning credentials, such as `fromIni()`, `fromSSO()` or
 * `fromTemporaryCredentials()` of `@aws-sdk/credential-providers`. The client
 * caches what it returns: until 5 minutes before `expiration`, or for the
 * client's life when there is none. Concurrent calls share one refresh.
 */
export type CredentialsProvider = () => Credentials | Promise<Credentials>;

/** A provider is asked for new credentials this long before the cached ones expire (the AWS SDKs' window). */
export const CREDENTIALS_REFRESH_WINDOW_MS = 300_000;

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
    if (typeof part !== "string" || part === "")
      throw new ValidationError(`credentials.${key}`, "is missing or empty", MISSING);
  }
  const sessionToken = record.sessionToken;
  if (sessionToken !== undefined && (typeof sessionToken !== "string" || sessionToken === "")) {
    throw new ValidationError(
      "credentials.sessionToken",
      "is not a non-empty string",
      "omit it, or pass the session token of temporary credentials",
    );
  }
  const expiration = record.expiration;
  if (expiration !== undefined && !(expiration instanceof Date && !Number.isNaN(expiration.getTime()))) {
    throw new ValidationError(
      "credentials.expiration",
      "is not a valid Date",
      "omit it, or pass when the temporary credentials expire as a Date",
    );
  }
  return value as Credentials;
}

/** The environment's credentials, read now; a `ValidationError` when it has none. */
function fromEnvironment(): Credentials {
  const found = credentialsFromEnvironment();
  if (found === undefined) throw new ValidationError("credentials", "are missing", MISSING);
  return found;
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
    throw new CredentialsProviderError({
      // The provider's own message stays in `cause`: it is not ours to vouch that it holds no secret.
      message: `The credentials provider threw ${error instanceof Error ? error.name : typeof error}; see the error's cause`,
      cause: error,
    });
  }
  return checkCredentials(value);
}

/** True when cached credentials are within the refresh window of their expiration (never without one). */
export function expiresSoon(credentials: Credentials, now: number): boolean {
  return credentials.expiration !== undefined && credentials.expiration.getTime() - now < CREDENTIALS_REFRESH_WINDOW_MS;
}

/**
 * A provider's credentials, cached as the AWS SDKs cache them: reused until
 * they are about to expire (forever without an `expiration`); callers that
 * arrive during a refresh wait for that one refresh; a refresh that fails is
 * reported to the calls that waited for it and forgotten, so the next call
 * asks the provider again.
 */
export class CredentialsCache {
  readonly #provider: CredentialsProvider;
  readonly #now: () => number;
  #current: Credentials | undefined;
  #refreshing: Promise<Credentials> | undefined;

  constructor(provider: CredentialsProvider, now: () => number = Date.now) {
    this.#provider = provider;
    this.#now = now;
  }

  /** Credentials to sign with now: at once while the cached ones are good, after the one refresh otherwise. */
  get(): Credentials | Promise<Credentials> {
    if (this.#current !== undefined && !expiresSoon(this.#current, this.#now())) return this.#current;
    this.#refreshing ??= resolveCredentials(this.#provider).then(
      (fresh) => {
        this.#current = fresh;
        this.#refreshing = undefined;
        return fresh;
      },
      (error: unknown) => {
        this.#refreshing = undefined;
        throw error;
      },
    );
    return this.#refreshing;
  }
}

/**
 * Where a client gets its credentials: a given provider through a
 * {@link CredentialsCache}; fixed credentials as they are; the environment
 * read at each call (it costs nothing, and a changed environment is seen).
 */
export function credentialSource(
  option: Credentials | CredentialsProvider | undefined,
): () => Credentials | Promise<Credentials> {
  // A promise of credentials (an `await` forgotten in JavaScript) is read as a provider: awaited once, then cached.
  if (typeof option === "function" || (option as unknown) instanceof Promise) {
    const cache = new CredentialsCache(typeof option === "function" ? option : () => option as Credentials);
    return () => cache.get();
  }
  // Fixed credentials and the environment are at hand: checked at each call, no promise.
  const fixed = option;
  return () => checkCredentials(fixed ?? fromEnvironment());
}
