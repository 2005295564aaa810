/**
 * What a retired MTurk endpoint might answer (nobody can say which: an HTML
 * page, a 403 "no longer supported", a refused connection) always ends as a
 * typed error that says what happened, and the CLI adds what the closure
 * means when the target was MTurk itself.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { closureHint, CLOSURE_NOTE, looksRetired } from "../../src/cli/closure.js";
import { MTurkClient, type MTurkError } from "../../src/index.js";

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

/** A loopback server that answers every request with `status`, `headers` and `body`. */
async function retired(status: number, headers: Record<string, string>, body: string): Promise<string> {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(status, headers).end(body));
  });
  await new Promise<void>((done) => server?.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function balanceError(endpoint: string): Promise<MTurkError> {
  const client = new MTurkClient({
    endpoint,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  try {
    await client.getAccountBalance();
    throw new Error("expected an error");
  } catch (error) {
    return error as MTurkError;
  } finally {
    await client.destroy();
  }
}

describe("answers a retired endpoint could give", () => {
  it("an HTML page with 200 is an UnexpectedResponseError quoting the page, never a success", async () => {
    const error = await balanceError(
      await retired(
        200,
        { "content-type": "text/html" },
        "<html><body>Amazon Mechanical Turk has closed.</body></html>",
      ),
    );
    expect(error).toMatchObject({ name: "UnexpectedResponseError", $metadata: { httpStatusCode: 200 } });
    expect(error.message).toContain("Amazon Mechanical Turk has closed.");
    expect(looksRetired(error)).toBe(true);
  });

  it("a 403 'no longer supported' without an AWS code is an UnexpectedResponseError with the status and the text", async () => {
    const error = await balanceError(
      await retired(403, { "content-type": "application/json" }, '{"message":"This API is no longer supported"}'),
    );
    expect(error).toMatchObject({
      name: "UnexpectedResponseError",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
    });
    expect(error.message).toMatch(/^HTTP 403 without an AWS error code: .*no longer supported/);
    expect(looksRetired(error)).toBe(true);
  });

  it("a 403 with an AWS error code keeps the code and the message", async () => {
    const error = await balanceError(
      await retired(
        403,
        { "x-amzn-errortype": "AccessDeniedException", "content-type": "application/x-amz-json-1.1" },
        '{"Message":"MTurk Requester API is no longer supported"}',
      ),
    );
    expect(error).toMatchObject({
      name: "AccessDeniedException",
      message: "MTurk Requester API is no longer supported",
      $metadata: { httpStatusCode: 403 },
    });
    expect(looksRetired(error)).toBe(true);
  });

  it("a refused connection is a TransportError with the runtime's code", async () => {
    const endpoint = await retired(200, {}, "{}");
    await new Promise<void>((done) => server?.close(() => done()));
    server = undefined;
    const error = await balanceError(endpoint);
    expect(error).toMatchObject({ name: "TransportError", code: "ECONNREFUSED" });
    expect(looksRetired(error)).toBe(true);
  });
});

describe("the CLI's closure hint", () => {
  it("explains the closure under such an error from production or the sandbox, and only there", async () => {
    const error = await balanceError(await retired(403, {}, "Forbidden"));
    expect(closureHint(error, "production")).toMatch(
      /^MTurk stopped paying bonuses on 2026-10-30 and its production endpoint may no longer answer as MTurk does/,
    );
    expect(closureHint(error, "sandbox")).toContain("sandbox endpoint");
    expect(closureHint(error, "http://127.0.0.1:4568")).toBe("");
  });

  it("states the dates and what still works", () => {
    for (const text of [
      "2026-09-30",
      "2026-10-30",
      "2027-01-28",
      "no longer possible after 2026-10-30",
      "simulator",
      "--endpoint",
      "balance",
    ])
      expect(CLOSURE_NOTE).toContain(text);
  });
});
