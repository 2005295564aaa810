/**
 * No secret (secret key, session token, request signature) appears in any
 * error's message, toString() or JSON.stringify, even when a misbehaving
 * server or proxy echoes the signed request back. Both transports.
 */
import { describe, expect, it } from "vitest";
import { MTurkClient } from "../../src/index.js";
import { isMTurkError, type MTurkError } from "../../src/errors.js";
import { bonusInput, leakedPieceOf, SESSION_CREDENTIALS } from "./helpers/fixtures.js";
import { TRANSPORTS, useFakeMTurk, type CapturedRequest, type Reply } from "./helpers/fake-mturk.js";

const SECRET = SESSION_CREDENTIALS.secretAccessKey;
const SESSION = SESSION_CREDENTIALS.sessionToken!;

/** What a server that echoes the request would say. */
function echo(request: CapturedRequest): string {
  return [
    `authorization: ${request.headers.authorization}`,
    `x-amz-security-token: ${request.headers["x-amz-security-token"]}`,
    `secret=${SECRET}`,
  ].join("\n");
}

const ECHOES: Array<[string, (request: CapturedRequest) => Reply]> = [
  [
    "a RequestError whose Message echoes the request",
    (r) => ({ status: 400, body: JSON.stringify({ __type: "RequestError", Message: echo(r) }) }),
  ],
  [
    "a ServiceFault whose message echoes the request",
    (r) => ({ status: 500, body: JSON.stringify({ __type: "ServiceFault", message: echo(r) }) }),
  ],
  [
    "a ThrottlingException whose Message echoes the request",
    (r) => ({ status: 400, body: JSON.stringify({ __type: "ThrottlingException", Message: echo(r) }) }),
  ],
  [
    "an HTML 502 that echoes the request",
    (r) => ({ status: 502, body: `<html><body><pre>${echo(r)}</pre></body></html>` }),
  ],
  // The excerpt is cut at 200 characters: the token then starts inside it and ends outside.
  [
    "an HTML 502 whose excerpt cut falls inside the token",
    () => ({ status: 502, body: `${"x".repeat(150)} token=${SESSION}` }),
  ],
  [
    "an HTML 502 whose excerpt cut falls inside the secret key",
    () => ({ status: 502, body: `${"x".repeat(175)} secret=${SECRET}` }),
  ],
  [
    "an HTML 502 whose excerpt cut falls inside the signature",
    (r) => ({
      status: 502,
      body: `${"x".repeat(174)} ${/Signature=[0-9a-f]+/.exec(r.headers.authorization ?? "")?.[0]}`,
    }),
  ],
  ["a non-JSON 200 that echoes the request", (r) => ({ status: 200, body: `${"y".repeat(150)} ${echo(r)}` })],
  [
    "a JSON error whose TurkErrorCode echoes the token",
    () => ({ status: 400, body: JSON.stringify({ __type: "RequestError", Message: "m", TurkErrorCode: SESSION }) }),
  ],
  [
    "an error code that echoes the token",
    () => ({ status: 400, headers: { "x-amzn-errortype": SESSION }, body: "{}" }),
  ],
  ["a lost answer", () => ({ kind: "destroy" })],
];

function renderings(error: MTurkError): string[] {
  return [error.message, error.toString(), JSON.stringify(error)];
}

function leaks(error: MTurkError, signature: string | undefined): string[] {
  const found: string[] = [];
  for (const text of renderings(error)) {
    for (const secret of [SECRET, SESSION, signature ?? SECRET]) {
      const piece = leakedPieceOf(secret, text);
      if (piece !== undefined) found.push(piece);
    }
  }
  return found;
}

describe.each(TRANSPORTS)("secrets over %s", (transport) => {
  const mturk = useFakeMTurk(transport);

  it.each(ECHOES)("keeps secrets out of %s", async (_label, reply) => {
    mturk.reply(reply);
    const error = await mturk
      .client({ credentials: SESSION_CREDENTIALS, maxAttempts: 1 })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e);
    expect(isMTurkError(error)).toBe(true);
    const signature = /Signature=([0-9a-f]+)/.exec(mturk.requests[0]!.headers.authorization ?? "")?.[1];
    expect(leaks(error as MTurkError, signature)).toEqual([]);
  });

  it("keeps the echo's harmless text", async () => {
    mturk.reply((r) => ({ status: 400, body: JSON.stringify({ __type: "RequestError", Message: `bad: ${echo(r)}` }) }));
    const error = (await mturk
      .client({ credentials: SESSION_CREDENTIALS })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.message).toContain("[REDACTED]");
    expect(error.message.startsWith("bad: authorization:")).toBe(true);
  });
});

describe("secrets in local errors", () => {
  it("keeps the secret out of a missing-key-id error", async () => {
    const client = new MTurkClient({
      endpoint: "http://127.0.0.1:1",
      credentials: { accessKeyId: "", secretAccessKey: SECRET },
    });
    const error = (await client.sendBonus(bonusInput()).catch((e: unknown) => e)) as MTurkError;
    expect(error.name, "error.name").toBe("ValidationError");
    expect(leaks(error, undefined), "leaks(error, undefined)").toEqual([]);
  });

  it("keeps the secret out of a malformed session token error", async () => {
    const credentials = { accessKeyId: "AKID", secretAccessKey: SECRET, sessionToken: 42 as unknown as string };
    const client = new MTurkClient({ endpoint: "http://127.0.0.1:1", credentials });
    const error = (await client.sendBonus(bonusInput()).catch((e: unknown) => e)) as MTurkError;
    expect(error.name, "error.name").toBe("ValidationError");
    expect(leaks(error, undefined), "leaks(error, undefined)").toEqual([]);
  });

  it("keeps secrets out of an abort", async () => {
    const client = new MTurkClient({ endpoint: "http://127.0.0.1:1", credentials: SESSION_CREDENTIALS });
    const error = (await client
      .sendBonus(bonusInput(), { signal: AbortSignal.abort() })
      .catch((e: unknown) => e)) as MTurkError;
    expect(error.name, "error.name").toBe("AbortError");
    expect(leaks(error, undefined), "leaks(error, undefined)").toEqual([]);
  });
});
