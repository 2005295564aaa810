/** Reads a captured request as a SigV4 verifier would, with the independent helper only. */
import type { Credentials } from "../../../src/credentials.js";
import type { CapturedRequest } from "./fake-mturk.js";
import { parseAuthorization, signature, type ParsedAuthorization } from "./sigv4.js";

export function authOf(request: CapturedRequest): ParsedAuthorization {
  const header = request.headers.authorization;
  if (header === undefined) throw new Error("request has no Authorization header");
  return parseAuthorization(header);
}

/** The signature the request should carry, recomputed from what arrived on the wire. */
export function recomputeSignature(request: CapturedRequest, credentials: Credentials): string {
  const auth = authOf(request);
  const amzDate = request.headers["x-amz-date"];
  if (amzDate === undefined) throw new Error("request has no X-Amz-Date");
  const q = request.path.indexOf("?");
  return signature(
    {
      method: request.method,
      path: q === -1 ? request.path : request.path.slice(0, q),
      query: q === -1 ? "" : request.path.slice(q + 1),
      headers: request.rawHeaders,
      body: request.body,
    },
    auth.signedHeaders,
    { secretAccessKey: credentials.secretAccessKey, amzDate, region: "us-east-1", service: "mturk-requester" },
  );
}

/** `20260101T120000Z` → epoch ms. */
export function amzDateToMs(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (m === null) throw new Error(`bad X-Amz-Date ${amzDate}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
