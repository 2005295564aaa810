/**
 * Test-side helpers: sign and send raw requests to a simulator with the
 * SigV4 oracle (test/helpers/spec-signature.ts), so server tests do not depend on the client.
 */
import { toAmzDate, type SigningCredentials } from "../../src/simulator/sigv4.js";
import { specAuthorization } from "../helpers/spec-signature.js";

export interface SignOptions {
  readonly credentials: SigningCredentials;
  readonly region?: string;
  readonly service?: string;
  readonly now?: number;
  /** @default "application/x-amz-json-1.1" */
  readonly contentType?: string;
}

/** Signs a POST to `/` on `host` and returns the full header set to send. */
export function signJsonPost(host: string, target: string, body: string, options: SignOptions): Record<string, string> {
  const amzDate = toAmzDate(options.now ?? Date.now());
  const headers: Record<string, string> = {
    host,
    "content-type": options.contentType ?? "application/x-amz-json-1.1",
    "x-amz-target": target,
    "x-amz-date": amzDate,
  };
  if (options.credentials.sessionToken !== undefined)
    headers["x-amz-security-token"] = options.credentials.sessionToken;
  headers.authorization = specAuthorization(
    { method: "POST", path: "/", headers: Object.entries(headers), body },
    Object.keys(headers),
    {
      credentials: options.credentials,
      amzDate,
      region: options.region ?? "us-east-1",
      service: options.service ?? "mturk-requester",
    },
  );
  return headers;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

/** Sends a signed MTurk call with fetch and reads the whole answer. */
export async function call(
  url: string,
  operation: string,
  input: unknown,
  options: SignOptions & {
    /** Sent and signed instead of `JSON.stringify(input)`. */
    readonly rawBody?: string;
    /** Sent instead of the body that was signed. */
    readonly tamperedBody?: string;
  },
): Promise<RawAnswer> {
  const body = options.rawBody ?? JSON.stringify(input);
  const headers = signJsonPost(new URL(url).host, `MTurkRequesterServiceV20170117.${operation}`, body, options);
  delete headers.host;
  const response = await fetch(`${url}/`, { method: "POST", headers, body: options.tamperedBody ?? body });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A valid SendBonus input; override what the test is about. */
export function bonus(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    WorkerId: "AWORKER1",
    BonusAmount: "1.00",
    AssignmentId: "ASSIGNMENT1",
    Reason: "Thanks for the careful work",
    ...overrides,
  };
}
