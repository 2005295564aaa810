/**
 * SigV4 for the `mturk-requester` service, built from `@smithy/signature-v4`'s
 * own pieces: its canonical request, string to sign, canonical headers,
 * payload hash, credential scope and key derivation.
 *
 * Why not its `SignatureV4.sign()`: that method clones the request, re-derives
 * (and HMACs a cache key for) the signing key on every call, and its class
 * drags event-stream and presigning code into every bundle (about 7 KB of a
 * Worker's budget). Our requests are built fresh for each attempt, so they
 * are signed in place, and the signing key is kept per credential set and day.
 */
// `#sigv4` is `@smithy/signature-v4`, through package.json "imports": bundlers (the `module`
// condition) get its ES build, which tree-shakes; Node, Deno and Bun get the package as usual.
// Without it, esbuild --platform=node takes the CommonJS build, which drags in ~130 KB of @smithy/core.
import { createScope, getCanonicalHeaders, getPayloadHash, getSigningKey, SignatureV4Base } from "#sigv4";
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

/** The derived key of one credential set for one day. */
interface SigningKey {
  shortDate: string;
  accessKeyId: string;
  secretAccessKey: string;
  key: Promise<Uint8Array>;
}

/** Signs requests for one region with one hash implementation; one per client. */
export class RequestSigner extends SignatureV4Base {
  readonly #region: string;
  readonly #hash: HashConstructor;
  #signingKey: SigningKey | undefined;

  constructor(region: string, sha256: HashConstructor) {
    // The base class wants credentials; ours arrive with each request instead, so rotation needs no new signer.
    super({ region, service: SIGNING_SERVICE, sha256, credentials: { accessKeyId: "", secretAccessKey: "" }, applyChecksum: false });
    this.#region = region;
    this.#hash = sha256;
  }

  /**
   * Adds `x-amz-date`, `x-amz-security-token` (with a session token) and
   * `authorization` to the request's headers, dated `date` (already corrected
   * for clock skew), and returns those headers.
   */
  async sign(request: UnsignedRequest, credentials: Credentials, date: Date): Promise<Record<string, string>> {
    const { longDate, shortDate } = this.formatDate(date);
    const scope = createScope(shortDate, this.#region, SIGNING_SERVICE);
    const headers = request.headers;
    headers["x-amz-date"] = longDate;
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;

    const canonicalHeaders = getCanonicalHeaders(request);
    const payloadHash = await getPayloadHash(request, this.#hash);
    const canonicalRequest = this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const stringToSign = await this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM);
    const hmac = new this.#hash(await this.#keyFor(credentials, shortDate));
    hmac.update(utf8.encode(stringToSign));
    const signature = toHex(await hmac.digest());

    const signedHeaders = Object.keys(canonicalHeaders).sort().join(";");
    headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
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
    this.#signingKey = { shortDate, accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, key };
    return key;
  }
}
