/**
 * SigV4 for the `mturk-requester` service on `@smithy/signature-v4`'s
 * building blocks: its canonical headers, payload hash, credential scope and
 * signing-key derivation. What remains is the two fixed-format texts of the
 * algorithm, written out here for the one request shape MTurk takes: `POST`,
 * a path of unreserved characters (checked by `resolveEndpoint`), no query.
 *
 * Why not `SignatureV4.sign()`: it clones the request, HMACs a cache key to
 * look up the signing key on every call, and its classes carry presigning,
 * event-stream and path-normalising code that no MTurk call uses: about
 * 2 KB gzipped of a Worker's 12 KB budget, and a fifth of the client's CPU on
 * Node. Our requests are built fresh for each attempt, so they are signed in
 * place, and the signing key is kept per credential set and day.
 * The result is checked against an independent SigV4 implementation in the tests.
 */
// `#sigv4` is `@smithy/signature-v4`, through package.json "imports": bundlers (the `module`
// condition) get its ES build, which tree-shakes; Node, Deno and Bun get the package as usual.
// Without it, esbuild --platform=node takes the CommonJS build, which drags in ~130 KB of @smithy/core.
import { createScope, getCanonicalHeaders, getPayloadHash, getSigningKey } from "#sigv4";
import type { Credentials } from "./credentials.js";
import type { HashConstructor } from "./hash.js";
import type { UnsignedRequest } from "./request.js";

export const SIGNING_SERVICE = "mturk-requester";
const ALGORITHM = "AWS4-HMAC-SHA256";

const utf8 = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX[byte];
  return out;
}

/** `20260304T050607Z`, the SigV4 date format. */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, "");
}

/** The derived key of one credential set for one day. */
interface SigningKey {
  shortDate: string;
  accessKeyId: string;
  secretAccessKey: string;
  key: Promise<Uint8Array>;
}

/** Signs requests for one region with one hash implementation; one per client. */
export class RequestSigner {
  readonly #region: string;
  readonly #hash: HashConstructor;
  #signingKey: SigningKey | undefined;

  constructor(region: string, sha256: HashConstructor) {
    this.#region = region;
    this.#hash = sha256;
  }

  /**
   * Adds `x-amz-date`, `x-amz-security-token` (with a session token) and
   * `authorization` to the request's headers, dated `date` (already corrected
   * for clock skew), and returns those headers.
   */
  async sign(request: UnsignedRequest, credentials: Credentials, date: Date): Promise<Record<string, string>> {
    const longDate = amzDate(date);
    const shortDate = longDate.slice(0, 8);
    const scope = createScope(shortDate, this.#region, SIGNING_SERVICE);
    const headers = request.headers;
    headers["x-amz-date"] = longDate;
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;

    const canonicalHeaders = getCanonicalHeaders(request);
    const names = Object.keys(canonicalHeaders).sort();
    const signedHeaders = names.join(";");
    const canonicalRequest = [
      request.method,
      request.path,
      "", // no query
      ...names.map((name) => `${name}:${canonicalHeaders[name]}`),
      "",
      signedHeaders,
      await getPayloadHash(request, this.#hash),
    ].join("\n");
    const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${await this.#hex(canonicalRequest)}`;
    const signature = await this.#hex(stringToSign, await this.#keyFor(credentials, shortDate));

    headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  /** SHA-256 of `text`, or its HMAC with `key`, in hex. */
  async #hex(text: string, key?: Uint8Array): Promise<string> {
    const hash = new this.#hash(key);
    hash.update(utf8.encode(text));
    return toHex(await hash.digest());
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
    const key = getSigningKey(this.#hash, credentials, shortDate, this.#region, SIGNING_SERVICE);
    const entry = { shortDate, accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, key };
    this.#signingKey = entry;
    // A failed derivation must not be served from the cache for the rest of the day.
    key.catch(() => {
      if (this.#signingKey === entry) this.#signingKey = undefined;
    });
    return key;
  }
}
