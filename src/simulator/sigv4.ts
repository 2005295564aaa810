/**
 * AWS Signature Version 4, written from the specification on `node:crypto`
 * alone. This is the project's independent SigV4 oracle: the simulator
 * verifies every request with it, and the client's wire-format tests
 * recompute signatures with it, so it must never share code with the
 * client's signer (`src/sign.ts`).
 *
 * Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 *
 * Everything here is a pure function of its arguments, except that derived
 * signing keys are memoised (they change once a day per secret, and the
 * benchmark verifies thousands of requests per second).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The only algorithm SigV4 defines for headers. */
export const ALGORITHM = "AWS4-HMAC-SHA256";

/** The fixed last element of every credential scope. */
export const SCOPE_TERMINATOR = "aws4_request";

/** SHA-256 of the empty string, the payload hash of a bodiless request. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Requests whose `X-Amz-Date` is further than this from the server clock are refused. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60 * 1000;

/** A key pair as the verifier knows it. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When set, requests must carry it, signed, in `X-Amz-Security-Token`. */
  readonly sessionToken?: string | undefined;
}

/**
 * Request headers in any of the shapes callers have at hand: name/value
 * pairs (repeated names allowed, as on the wire), a fetch `Headers` object
 * (it iterates as pairs), or a plain record. Names are matched case-insensitively.
 * An iterable may be read more than once, so pass an array or `Headers`, not a generator.
 */
export type HeaderInput =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Everything a canonical request is made of. */
export interface CanonicalRequestInput {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The path as it appears in the request line, before any `?`. */
  readonly path: string;
  /** The raw query string, without the leading `?`. @default "" */
  readonly query?: string;
  readonly headers: HeaderInput;
  /** Names of the signed headers, any case, any order. */
  readonly signedHeaders: readonly string[];
  /** Lowercase hex SHA-256 of the payload. */
  readonly payloadHash: string;
  /**
   * Remove `.`/`..` segments and empty segments from the path, as every
   * service but S3 does. @default true
   */
  readonly normalizePath?: boolean;
}

/** The `Authorization` header, taken apart. */
export interface ParsedAuthorization {
  readonly algorithm: string;
  readonly accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  /** Lowercased, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Lowercase hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Percent-encodes everything outside RFC 3986's unreserved set, with
 * uppercase hex, as SigV4 requires. `encodeURIComponent` leaves `!'()*`
 * alone, which SigV4 does not.
 */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical URI. Each segment of the path as received is encoded once
 * more; for a wire path (already percent-encoded) that is the "encode twice"
 * rule of non-S3 services, and for the test suite's raw paths it is the
 * single encoding its vectors expect.
 */
export function canonicalUri(path: string, normalize = true): string {
  if (path === "" || path === "/") return "/";
  const raw = path.split("/");
  const segments: string[] = [];
  if (normalize) {
    for (const segment of raw) {
      if (segment === "" || segment === ".") continue;
      if (segment === "..") segments.pop();
      else segments.push(segment);
    }
    if (segments.length === 0) return "/";
    const last = raw[raw.length - 1];
    const trailing = last === "" || last === "." || last === "..";
    return `/${segments.map(uriEncode).join("/")}${trailing ? "/" : ""}`;
  }
  return raw.map(uriEncode).join("/");
}

function decodeLoosely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The canonical query string: every parameter decoded then re-encoded the
 * SigV4 way, sorted by name and then by value.
 */
export function canonicalQuery(query: string): string {
  if (query === "") return "";
  const pairs: [string, string][] = [];
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? "" : part.slice(eq + 1);
    pairs.push([uriEncode(decodeLoosely(name)), uriEncode(decodeLoosely(value))]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** Groups header values by lowercase name, keeping repeated headers in arrival order. */
export function headerMap(headers: HeaderInput): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    const values = map.get(key);
    if (values) values.push(value);
    else map.set(key, [value]);
  };
  if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<readonly [string, string]>) add(name, value);
  } else {
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      if (typeof value === "string") add(name, value);
      else for (const v of value) add(name, v);
    }
  }
  return map;
}

function canonicalHeaderValue(values: readonly string[] | undefined): string {
  if (!values) return "";
  return values.map((v) => v.trim().replace(/\s+/g, " ")).join(",");
}

/** Lowercases and sorts signed header names, the form both the canonical request and `SignedHeaders=` use. */
export function normalizeSignedHeaders(names: readonly string[]): string[] {
  return names.map((n) => n.toLowerCase()).sort();
}

function canonicalFromMap(input: CanonicalRequestInput, headers: Map<string, string[]>): string {
  const signed = normalizeSignedHeaders(input.signedHeaders);
  let headerBlock = "";
  for (const name of signed) headerBlock += `${name}:${canonicalHeaderValue(headers.get(name))}\n`;
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path, input.normalizePath ?? true),
    canonicalQuery(input.query ?? ""),
    headerBlock,
    signed.join(";"),
    input.payloadHash,
  ].join("\n");
}

/**
 * Task 1 of SigV4: the canonical request. A header listed in
 * `signedHeaders` but absent from `headers` canonicalises to an empty value.
 */
export function canonicalRequest(input: CanonicalRequestInput): string {
  return canonicalFromMap(input, headerMap(input.headers));
}

/** The credential scope: `YYYYMMDD/region/service/aws4_request`. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${SCOPE_TERMINATOR}`;
}

/**
 * Task 2 of SigV4: the string to sign.
 * @param amzDate - the request's `X-Amz-Date`, `YYYYMMDD'T'HHMMSS'Z'`
 * @param scope - from {@link credentialScope}
 * @param canonical - from {@link canonicalRequest}
 */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

const keyCache = new Map<string, Buffer>();
const KEY_CACHE_LIMIT = 256;

/**
 * Task 3 of SigV4: the signing key, `HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")`.
 * Memoised per (secret, date, region, service); callers must not mutate the returned buffer.
 */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${date}\n${region}\n${service}\n${secretAccessKey}`;
  const cached = keyCache.get(cacheKey);
  if (cached) return cached;
  const kDate = createHmac("sha256", `AWS4${secretAccessKey}`).update(date).digest();
  const kRegion = createHmac("sha256", kDate).update(region).digest();
  const kService = createHmac("sha256", kRegion).update(service).digest();
  const kSigning = createHmac("sha256", kService).update(SCOPE_TERMINATOR).digest();
  // A server sees few distinct keys; the bound only stops a hostile stream of scopes from growing memory.
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(cacheKey, kSigning);
  return kSigning;
}

/** Task 4 of SigV4: the lowercase hex signature of a string to sign. */
export function computeSignature(signingKey: Uint8Array, toSign: string): string {
  return createHmac("sha256", signingKey).update(toSign).digest("hex");
}

/** The `Authorization` header value for a computed signature. */
export function authorizationHeader(
  accessKeyId: string,
  scope: string,
  signedHeaders: readonly string[],
  signature: string,
): string {
  return `${ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${normalizeSignedHeaders(signedHeaders).join(";")}, Signature=${signature}`;
}

/**
 * Takes an `Authorization` header apart. Returns a string describing what is
 * missing (the text of an `IncompleteSignatureException`) when it is not a
 * complete SigV4 header.
 */
export function parseAuthorization(value: string): ParsedAuthorization | string {
  const header = value.trim();
  const space = header.indexOf(" ");
  const algorithm = space === -1 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) return `Unsupported AWS 'algorithm': '${algorithm}'.`;
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq !== -1) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "Signature", "SignedHeaders"].filter((f) => !fields.get(f));
  if (missing.length > 0) {
    return missing.map((f) => `Authorization header requires '${f}' parameter.`).join(" ");
  }
  const credential = (fields.get("Credential") ?? "").split("/");
  if (credential.length !== 5) {
    return `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential.length}' elements.`;
  }
  const [accessKeyId = "", date = "", region = "", service = "", terminator = ""] = credential;
  return {
    algorithm,
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: (fields.get("SignedHeaders") ?? "").split(";").map((h) => h.toLowerCase()),
    signature: fields.get("Signature") ?? "",
  };
}

/** Formats epoch milliseconds as an `X-Amz-Date` value. */
export function toAmzDate(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses an `X-Amz-Date` value into epoch milliseconds, or `undefined` if it is not ISO 8601 basic format. */
export function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) || toAmzDate(ms) !== value ? undefined : ms;
}

// ---------------------------------------------------------------------------
// Verification, the server's side of SigV4.

/** Error codes AWS JSON services answer when authentication fails. */
export type AuthErrorType =
  | "MissingAuthenticationTokenException"
  | "IncompleteSignatureException"
  | "InvalidSignatureException"
  | "UnrecognizedClientException";

/**
 * Why a request was refused. AWS JSON-RPC (Coral) services answer all four
 * types with HTTP 400; only REST and query services use 403.
 */
export interface AuthError {
  readonly status: 400;
  readonly type: AuthErrorType;
  readonly message: string;
}

/** A request exactly as it arrived. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target: path plus optional `?query`. */
  readonly url: string;
  readonly headers: HeaderInput;
  /** The bytes received; the payload hash is always recomputed from them. */
  readonly body: Uint8Array | string;
}

/** What the verifier accepts. */
export interface VerifierConfig {
  /** The key pairs the "account" knows. */
  readonly credentials: SigningCredentials | readonly SigningCredentials[];
  /** The only region a credential scope may name. */
  readonly region: string;
  /** The only service a credential scope may name, e.g. `mturk-requester`. */
  readonly service: string;
  /** Server time, epoch milliseconds. */
  readonly now: number;
  /** @default {@link DEFAULT_MAX_SKEW_MS} (5 minutes) */
  readonly maxSkewMs?: number;
}

/** The verdict: who signed, or the AWS error to answer. */
export type VerifyResult =
  | { readonly ok: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly error: AuthError };

const INVALID_TOKEN = "The security token included in the request is invalid.";
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

function fail(type: AuthErrorType, message: string): VerifyResult {
  return { ok: false, error: { status: 400, type, message } };
}

function single(headers: Map<string, string[]>, name: string): string | undefined {
  const values = headers.get(name);
  // HTTP parsers strip optional whitespace around values; the suite's files keep it.
  return values === undefined ? undefined : values.map((v) => v.trim()).join(",");
}

function findCredentials(config: VerifierConfig, accessKeyId: string): SigningCredentials | undefined {
  const all = Array.isArray(config.credentials)
    ? (config.credentials as readonly SigningCredentials[])
    : [config.credentials as SigningCredentials];
  return all.find((c) => c.accessKeyId === accessKeyId);
}

function skewError(amzDate: string, signedAt: number, now: number, maxSkewMs: number): VerifyResult | undefined {
  const minutes = `${Math.round(maxSkewMs / 60000)} min.`;
  if (signedAt < now - maxSkewMs) {
    return fail(
      "InvalidSignatureException",
      `Signature expired: ${amzDate} is now earlier than ${toAmzDate(now - maxSkewMs)} (${toAmzDate(now)} - ${minutes})`,
    );
  }
  if (signedAt > now + maxSkewMs) {
    return fail(
      "InvalidSignatureException",
      `Signature not yet current: ${amzDate} is still later than ${toAmzDate(now + maxSkewMs)} (${toAmzDate(now)} + ${minutes})`,
    );
  }
  return undefined;
}

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The credential scope's date, region, service and terminator, checked against the request's date and the service. */
function scopeError(auth: ParsedAuthorization, amzDate: string, config: VerifierConfig): VerifyResult | undefined {
  if (auth.date !== amzDate.slice(0, 8)) {
    return fail(
      "InvalidSignatureException",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (auth.region !== config.region) {
    return fail("InvalidSignatureException", "Credential should be scoped to a valid region. ");
  }
  if (auth.service !== config.service) {
    return fail("InvalidSignatureException", `Credential should be scoped to correct service: '${config.service}'. `);
  }
  if (auth.terminator !== SCOPE_TERMINATOR) {
    return fail(
      "InvalidSignatureException",
      `Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', not '${auth.terminator}'. `,
    );
  }
  return undefined;
}

/** `host`, `x-amz-date` and (when a session token is sent) `x-amz-security-token` must be signed. */
function signedHeadersError(auth: ParsedAuthorization, token: string | undefined): VerifyResult | undefined {
  const signed = new Set(auth.signedHeaders);
  if (!signed.has("host")) {
    return fail(
      "InvalidSignatureException",
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  if (!signed.has("x-amz-date")) {
    return fail("InvalidSignatureException", "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (token !== undefined && !signed.has("x-amz-security-token")) {
    return fail(
      "InvalidSignatureException",
      "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  return undefined;
}

/** What the signature check needs, once the header checks have passed. */
interface SignatureCheck {
  request: ReceivedRequest;
  headers: Map<string, string[]>;
  auth: ParsedAuthorization;
  amzDate: string;
  credentials: SigningCredentials;
  token: string | undefined;
}

/**
 * The body hash (when the client sent one) and the signature itself. The
 * mismatch message carries the expected canonical request and string to
 * sign, as AWS's does, with any session token redacted.
 */
function checkSignature({ request, headers, auth, amzDate, credentials, token }: SignatureCheck): VerifyResult {
  const payloadHash = sha256Hex(request.body);
  const claimedHash = single(headers, "x-amz-content-sha256");
  if (claimedHash !== undefined && claimedHash !== payloadHash) {
    return fail(
      "InvalidSignatureException",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }

  const q = request.url.indexOf("?");
  const canonical = canonicalFromMap(
    {
      method: request.method,
      path: q === -1 ? request.url : request.url.slice(0, q),
      query: q === -1 ? "" : request.url.slice(q + 1),
      headers: [],
      signedHeaders: auth.signedHeaders,
      payloadHash,
    },
    headers,
  );
  const toSign = stringToSign(amzDate, credentialScope(auth.date, auth.region, auth.service), canonical);
  const key = deriveSigningKey(credentials.secretAccessKey, auth.date, auth.region, auth.service);
  if (safeEqualHex(computeSignature(key, toSign), auth.signature)) {
    return { ok: true, accessKeyId: credentials.accessKeyId };
  }
  const shown = token === undefined ? canonical : canonical.split(token).join("<redacted>");
  return fail(
    "InvalidSignatureException",
    `${MISMATCH}\n\nThe Canonical String for this request should have been\n'${shown}'\n\nThe String-to-Sign should have been\n'${toSign}'\n`,
  );
}

/**
 * Verifies a SigV4-signed request the way an AWS JSON service does, checking
 * in this order: an `Authorization` header exists, it is complete, `X-Amz-Date`
 * is present and well formed, the scope's date, region, service and
 * terminator, the access key and session token, the 5-minute clock window,
 * that `host`, `x-amz-date` and (when sent) `x-amz-security-token` are signed,
 * that a sent `x-amz-content-sha256` matches the body, and finally the signature.
 */
export function verifyRequest(request: ReceivedRequest, config: VerifierConfig): VerifyResult {
  const headers = headerMap(request.headers);
  const authorization = single(headers, "authorization");
  if (authorization === undefined || authorization === "") {
    return fail("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  const auth = parseAuthorization(authorization);
  if (typeof auth === "string") return fail("IncompleteSignatureException", auth);

  const amzDate = single(headers, "x-amz-date");
  if (amzDate === undefined) {
    return fail("IncompleteSignatureException", "Authorization header requires existence of a 'X-Amz-Date' header.");
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return fail("IncompleteSignatureException", `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  }
  const scope = scopeError(auth, amzDate, config);
  if (scope) return scope;

  const credentials = findCredentials(config, auth.accessKeyId);
  if (!credentials) return fail("UnrecognizedClientException", INVALID_TOKEN);
  const token = single(headers, "x-amz-security-token");
  if ((credentials.sessionToken ?? undefined) !== token) return fail("UnrecognizedClientException", INVALID_TOKEN);

  const skew = skewError(amzDate, signedAt, config.now, config.maxSkewMs ?? DEFAULT_MAX_SKEW_MS);
  if (skew) return skew;
  const unsigned = signedHeadersError(auth, token);
  if (unsigned) return unsigned;
  return checkSignature({ request, headers, auth, amzDate, credentials, token });
}
