/**
 * SigV4 signatures as the specification gives them, computed with the
 * project's independent oracle, `src/simulator/sigv4.ts` (node:crypto only,
 * checked against AWS's published suite in test/simulator/sigv4-vectors.test.ts).
 * It shares no code with the client's signer (`src/sign.ts`), so
 * tests of either side may rely on it.
 */
import {
  authorizationHeader,
  canonicalRequest,
  computeSignature,
  credentialScope,
  deriveSigningKey,
  headerMap,
  sha256Hex,
  stringToSign,
} from "../../src/simulator/sigv4.js";

/** What a signature is computed over: a request as it left or arrived. */
export interface SignedParts {
  method: string;
  /** Path before any `?`. */
  path: string;
  /** Raw query string without `?`. @default "" */
  query?: string;
  /** Name/value pairs as sent; names in any case, repeats allowed. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: string;
}

export interface SigningScope {
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** `YYYYMMDDTHHMMSSZ` */
  amzDate: string;
  /** @default "us-east-1" */
  region?: string;
  /** @default "mturk-requester" */
  service?: string;
}

/** The signature the specification gives for `parts` signed over `signedHeaders`; every signed header must be present. */
export function specSignature(parts: SignedParts, signedHeaders: readonly string[], scope: SigningScope): string {
  const present = headerMap(parts.headers);
  const absent = signedHeaders.filter((name) => !present.has(name.toLowerCase()));
  if (absent.length > 0) throw new Error(`signed header(s) ${absent.join(", ")} not in the request`);
  const date = scope.amzDate.slice(0, 8);
  const region = scope.region ?? "us-east-1";
  const service = scope.service ?? "mturk-requester";
  const canonical = canonicalRequest({
    method: parts.method,
    path: parts.path,
    query: parts.query ?? "",
    headers: parts.headers,
    signedHeaders,
    payloadHash: sha256Hex(parts.body),
  });
  const toSign = stringToSign(scope.amzDate, credentialScope(date, region, service), canonical);
  return computeSignature(deriveSigningKey(scope.credentials.secretAccessKey, date, region, service), toSign);
}

/** The whole `Authorization` header the specification gives for `parts` signed over `signedHeaders`. */
export function specAuthorization(parts: SignedParts, signedHeaders: readonly string[], scope: SigningScope): string {
  const date = scope.amzDate.slice(0, 8);
  const credentialScopeText = credentialScope(date, scope.region ?? "us-east-1", scope.service ?? "mturk-requester");
  return authorizationHeader(
    scope.credentials.accessKeyId,
    credentialScopeText,
    signedHeaders,
    specSignature(parts, signedHeaders, scope),
  );
}
