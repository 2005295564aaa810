/**
 * An independent SigV4 implementation, written from the specification
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)
 * on `node:crypto` only. Tests recompute signatures with it; it must never
 * import the signer under test (`@smithy/signature-v4`) or anything in src/.
 * It is itself checked against the AWS SigV4 test suite (sigv4.test.ts).
 */
import { createHash, createHmac } from "node:crypto";

export interface SigV4Request {
  method: string;
  /** Path as sent, before `?`. Not normalized (MTurk only ever uses `/`). */
  path: string;
  /** Raw query string without `?`. */
  query?: string;
  /** Header name/value pairs as received; names in any case, repeats allowed. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: string | Uint8Array;
}

export interface SigV4Scope {
  secretAccessKey: string;
  /** `YYYYMMDDTHHMMSSZ` */
  amzDate: string;
  region: string;
  service: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Uint8Array, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** RFC 3986 encoding, unreserved characters kept, as SigV4 requires. */
export function uriEncode(value: string): string {
  return Array.from(new TextEncoder().encode(value), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

function canonicalPath(path: string): string {
  return path
    .split("/")
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join("/");
}

function canonicalQuery(query: string): string {
  if (query === "") return "";
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? "" : pair.slice(eq + 1);
      return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/** Lower-cased name → values in order, whitespace runs folded, ends trimmed. */
function collectHeaders(headers: SigV4Request["headers"]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const list = out.get(key) ?? [];
    list.push(value.trim().replace(/\s+/g, " "));
    out.set(key, list);
  }
  return out;
}

export function canonicalRequest(request: SigV4Request, signedHeaders: readonly string[]): string {
  const headers = collectHeaders(request.headers);
  const names = [...signedHeaders].map((name) => name.toLowerCase()).sort();
  const lines = names.map((name) => {
    const values = headers.get(name);
    if (values === undefined) throw new Error(`signed header ${name} is not in the request`);
    return `${name}:${values.join(",")}\n`;
  });
  return [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query ?? ""),
    lines.join(""),
    names.join(";"),
    sha256Hex(request.body),
  ].join("\n");
}

export function credentialScope(scope: Omit<SigV4Scope, "secretAccessKey">): string {
  return `${scope.amzDate.slice(0, 8)}/${scope.region}/${scope.service}/aws4_request`;
}

export function stringToSign(canonical: string, scope: Omit<SigV4Scope, "secretAccessKey">): string {
  return ["AWS4-HMAC-SHA256", scope.amzDate, credentialScope(scope), sha256Hex(canonical)].join("\n");
}

export function signingKey(scope: SigV4Scope): Buffer {
  const dateKey = hmac(`AWS4${scope.secretAccessKey}`, scope.amzDate.slice(0, 8));
  const regionKey = hmac(dateKey, scope.region);
  const serviceKey = hmac(regionKey, scope.service);
  return hmac(serviceKey, "aws4_request");
}

export function signature(request: SigV4Request, signedHeaders: readonly string[], scope: SigV4Scope): string {
  const toSign = stringToSign(canonicalRequest(request, signedHeaders), scope);
  return createHmac("sha256", signingKey(scope)).update(toSign, "utf8").digest("hex");
}

export function authorization(request: SigV4Request, signedHeaders: readonly string[], scope: SigV4Scope & { accessKeyId: string }): string {
  const names = [...signedHeaders].map((name) => name.toLowerCase()).sort();
  return `AWS4-HMAC-SHA256 Credential=${scope.accessKeyId}/${credentialScope(scope)}, SignedHeaders=${names.join(";")}, Signature=${signature(request, names, scope)}`;
}

/** The parts of an `Authorization` header. */
export interface ParsedAuthorization {
  algorithm: string;
  accessKeyId: string;
  scope: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string): ParsedAuthorization {
  const match = /^(\S+) Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(header);
  if (match === null) throw new Error(`not a SigV4 Authorization header: ${header}`);
  const [, algorithm = "", credential = "", signed = "", sig = ""] = match;
  const [accessKeyId = "", date = "", region = "", service = "", terminator = ""] = credential.split("/");
  return {
    algorithm,
    accessKeyId,
    scope: credential.slice(accessKeyId.length + 1),
    date,
    region,
    service,
    terminator,
    signedHeaders: signed.split(";"),
    signature: sig,
  };
}
