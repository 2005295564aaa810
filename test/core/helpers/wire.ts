/**
 * Reads a captured request as a SigV4 verifier would, with the project's
 * independent SigV4 oracle (`src/simulator/sigv4.ts`, through
 * test/helpers/spec-signature.ts), never with the client's signer.
 */
import type { Credentials } from "../../../src/credentials.js";
import { parseAmzDate, parseAuthorization, type ParsedAuthorization } from "../../../src/simulator/sigv4.js";
import { specAuthorization, specSignature, type SignedParts } from "../../helpers/spec-signature.js";
import type { CapturedRequest } from "./fake-mturk.js";

/** The exact layout of a SigV4 `Authorization` header; the oracle's parser is more lenient, as a server is. */
const AUTHORIZATION_SHAPE =
  /^AWS4-HMAC-SHA256 Credential=[^,/]+(\/[^,/]+){4}, SignedHeaders=[a-z0-9-]+(;[a-z0-9-]+)*, Signature=[0-9a-f]{64}$/;

/** The parts of a request's `Authorization` header; throws unless it is a well-formed SigV4 header. */
export function authOf(request: CapturedRequest): ParsedAuthorization {
  const header = request.headers.authorization;
  if (header === undefined) throw new Error("request has no Authorization header");
  if (!AUTHORIZATION_SHAPE.test(header)) throw new Error(`not a well-formed SigV4 Authorization header: ${header}`);
  const parsed = parseAuthorization(header);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

function partsOf(request: CapturedRequest): SignedParts {
  const q = request.path.indexOf("?");
  return {
    method: request.method,
    path: q === -1 ? request.path : request.path.slice(0, q),
    query: q === -1 ? "" : request.path.slice(q + 1),
    headers: request.rawHeaders,
    body: request.body,
  };
}

function amzDateOf(request: CapturedRequest): string {
  const amzDate = request.headers["x-amz-date"];
  if (amzDate === undefined) throw new Error("request has no X-Amz-Date");
  return amzDate;
}

/** The signature the request should carry, recomputed from what arrived on the wire. */
export function recomputeSignature(request: CapturedRequest, credentials: Credentials): string {
  return specSignature(partsOf(request), authOf(request).signedHeaders, { credentials, amzDate: amzDateOf(request) });
}

/** The whole `Authorization` header the request should carry, rebuilt from what arrived on the wire. */
export function recomputeAuthorization(request: CapturedRequest, credentials: Credentials): string {
  return specAuthorization(partsOf(request), authOf(request).signedHeaders, {
    credentials,
    amzDate: amzDateOf(request),
  });
}

/** `20260101T120000Z` → epoch ms; throws for anything else. */
export function amzDateToMs(amzDate: string): number {
  const ms = parseAmzDate(amzDate);
  if (ms === undefined) throw new Error(`bad X-Amz-Date ${amzDate}`);
  return ms;
}
