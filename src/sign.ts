/**
 * SigV4 for the `mturk-requester` service, written out for the one request
 * shape MTurk takes: `POST`, a path of unreserved characters (checked by
 * `resolveEndpoint`), no query, a JSON body, headers the library sets itself.
 *
 * Why not `@smithy/signature-v4`: its `sign()` clones the request, HMACs a
 * cache key to look up the signing key on every call, and carries
 * presigning, event-stream and path-normalising code no MTurk call uses;
 * even its building blocks (canonical headers, payload hash, key derivation)
 * drag in about 1 KB gzipped of `@smithy/core` through their imports: a
 * tenth of a Worker's 10 KB budget. What SigV4 asks of this request shape
 * fits in this file: the canonical request, the string to sign, the
 * derived key. The result is checked against an independent SigV4
 * implementation and the AWS test suite in the tests.
 *
 * On Node the hash class also offers synchronous hex digests (`hex`), which
 * the signer uses when present: no promise and no byte array per hash on the
 * hot path.
 */
import type { Credentials } from "./credentials.js";
import type { HashConstructor } from "./hash.js";
import type { UnsignedRequest } from "./request.js";

export const SIGNING_SERVICE = "mturk-requester";
const ALGORITHM = "AWS4-HMAC-SHA256";

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX[byte];
  return out;
}

/** A hash class that can also digest text to hex synchronously (`NodeSha256`). */
type SyncHex = (text: string, key?: Uint8Array) => string;

/** SigV4 trims header values and turns each run of spaces, tabs and line breaks into one space. */
const NEEDS_NORMALIZING = /^[ \t\r\n]|[ \t\r\n]$|[\t\r\n]| {2}/;

function canonicalValue(value: string): string {
  // Most values (all the library sets) need nothing: one test, no new string.
  return NEEDS_NORMALIZING.test(value) ? value.replace(/[ \t\r\n]+/g, " ").replace(/^ | $/g, "") : value;
}

/** The derived key of one credential set for one day. */
interface SigningKey {
  shortDate: string;
  accessKeyId: string;
  secretAccessKey: string;
  key: Promise<Uint8Array>;
  /** The key once derived. */
  derived?: Uint8Array;
}

/** Signs requests for one region with one hash implementation; one per client. */
export class RequestSigner {
  readonly #region: string;
  readonly #hash: HashConstructor;
  readonly #syncHex: SyncHex | undefined;
  #signingKey: SigningKey | undefined;
  /** The last second formatted, and its `20260304T050607Z` form: calls within one second share it. */
  #second = Number.NaN;
  #longDate = "";

  constructor(region: string, sha256: HashConstructor) {
    this.#region = region;
    this.#hash = sha256;
    const hex = (sha256 as { hex?: unknown }).hex;
    this.#syncHex = typeof hex === "function" ? (hex as SyncHex) : undefined;
  }

  /**
   * Adds `x-amz-date`, `x-amz-security-token` (with a session token) and
   * `authorization` to the request's headers, dated `date` (already corrected
   * for clock skew), and returns those headers: at once when the hash has
   * synchronous hex digests (`NodeSha256`) and the day's key is derived, as
   * a promise otherwise.
   */
  sign(
    request: UnsignedRequest,
    credentials: Credentials,
    date: Date,
  ): Record<string, string> | Promise<Record<string, string>> {
    const longDate = this.#amzDate(date);
    const shortDate = longDate.slice(0, 8);
    const scope = `${shortDate}/${this.#region}/${SIGNING_SERVICE}/aws4_request`;
    const headers = request.headers;
    headers["x-amz-date"] = longDate;
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;

    // Names are lower case already (the library sets them), so sorting them sorts the canonical names.
    const names = Object.keys(headers).sort();
    let canonicalHeaders = "";
    for (const name of names) canonicalHeaders += `${name}:${canonicalValue(headers[name]!)}\n`;
    const signedHeaders = names.join(";");
    const head = `${request.method}\n${request.path}\n\n${canonicalHeaders}\n${signedHeaders}\n`;
    const toSign = `${ALGORITHM}\n${longDate}\n${scope}\n`;
    const key = this.#keyFor(credentials, shortDate);
    const authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=`;
    const syncHex = this.#syncHex;
    // The derived key, once known, is used as is: no promise to wait on per request.
    const derived = this.#signingKey?.derived;
    if (syncHex !== undefined && derived !== undefined) {
      headers.authorization = authorization + syncHex(toSign + syncHex(head + syncHex(request.body)), derived);
      return headers;
    }
    // The rest, when a hash or the key is only promised: WebCrypto, or the first request of a day.
    return (async () => {
      const canonicalRequest = head + (await this.#hex(request.body));
      headers.authorization =
        authorization + (await this.#hex(toSign + (await this.#hex(canonicalRequest)), await key));
      return headers;
    })();
  }

  /** `20260304T050607Z`, the SigV4 date format, formatted once per second. */
  #amzDate(date: Date): string {
    const second = Math.floor(date.getTime() / 1000);
    if (second !== this.#second) {
      // 2026-03-04T05:06:07.678Z → 20260304T050607Z
      this.#longDate = date.toISOString().replace(/[-:]|\.\d+/g, "");
      this.#second = second;
    }
    return this.#longDate;
  }

  /** SHA-256 of `text`, or its HMAC with `key`, in hex. */
  async #hex(text: string, key?: Uint8Array): Promise<string> {
    return toHex(await this.#digest(text, key));
  }

  async #digest(data: string, key?: Uint8Array | string): Promise<Uint8Array> {
    const hash = new this.#hash(key);
    hash.update(data);
    return hash.digest();
  }

  #keyFor(credentials: Credentials, shortDate: string): Promise<Uint8Array> {
    const cached = this.#signingKey;
    if (
      cached !== undefined &&
      cached.shortDate === shortDate &&
      cached.accessKeyId === credentials.accessKeyId &&
      cached.secretAccessKey === credentials.secretAccessKey
    ) {
      return cached.key;
    }
    const key = this.#deriveKey(credentials.secretAccessKey, shortDate);
    const entry: SigningKey = {
      shortDate,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      key,
    };
    this.#signingKey = entry;
    key.then(
      (derived) => {
        entry.derived = derived;
      },
      // A failed derivation must not be served from the cache for the rest of the day.
      () => {
        if (this.#signingKey === entry) this.#signingKey = undefined;
      },
    );
    return key;
  }

  /** SigV4's signing key: the secret HMAC-chained through the date, region, service and `aws4_request`. */
  async #deriveKey(secretAccessKey: string, shortDate: string): Promise<Uint8Array> {
    let key: Uint8Array | string = `AWS4${secretAccessKey}`;
    for (const part of [shortDate, this.#region, SIGNING_SERVICE, "aws4_request"]) key = await this.#digest(part, key);
    return key as Uint8Array;
  }
}
