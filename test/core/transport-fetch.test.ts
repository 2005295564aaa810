/**
 * The fetch transport: exactly once through msw, and against a real
 * loopback socket (what msw cannot show: Content-Length, socket errors
 * wrapped in fetch's `cause`).
 */
import { describe, expect, it } from "vitest";
import { TransportError } from "../../src/errors.js";
import { fetchTransport } from "../../src/transport/fetch.js";
import { resolveEndpoint } from "../../src/endpoint.js";
import { OK, bonusInput, CREDENTIALS } from "./helpers/fixtures.js";
import { useFakeMTurk } from "./helpers/fake-mturk.js";
import { createLedger } from "./helpers/ledger.js";
import { authOf, recomputeSignature } from "./helpers/wire.js";

describe("fetch transport (msw): a bonus whose answer is lost", () => {
  const mturk = useFakeMTurk("fetch");

  it("resolves alreadyGranted with exactly one bonus recorded", async () => {
    const ledger = createLedger();
    mturk.reply(ledger.handler({ kind: "destroy" }));
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
    expect(ledger.paid.size, "ledger.paid.size").toBe(1);
    expect(output.$metadata.attempts, "output.$metadata.attempts").toBe(2);
  });
});

describe("fetch transport over a real loopback socket", () => {
  const server = useFakeMTurk("node");
  const realFetch = { fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, init) };

  it("sends a Content-Length equal to the UTF-8 byte length of the body", async () => {
    server.reply(OK);
    await server.client(realFetch).sendBonus(bonusInput({ Reason: "Merci — très bien 👍" }));
    const request = server.requests[0]!;
    expect(Number(request.headers["content-length"])).toBe(Buffer.byteLength(request.body, "utf8"));
  });

  it("arrives with a signature valid for the Host fetch sets itself", async () => {
    server.reply(OK);
    await server.client(realFetch).sendBonus(bonusInput());
    const request = server.requests[0]!;
    expect(authOf(request).signature).toBe(recomputeSignature(request, CREDENTIALS));
  });

  it("reports a socket closed before the answer with the socket's error code", async () => {
    server.reply({ kind: "destroy" });
    const error = (await server
      .client({ ...realFetch, maxAttempts: 1 })
      .sendBonus(bonusInput())
      .catch((e: unknown) => e)) as TransportError;
    expect(error, "error class").toBeInstanceOf(TransportError);
    expect(error.code, "error.code").toBe("UND_ERR_SOCKET");
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
  });

  it("retries a socket closed before the answer", async () => {
    server.reply({ kind: "destroy" }, OK);
    expect((await server.client(realFetch).sendBonus(bonusInput())).$metadata.attempts).toBe(2);
  });

  it("reads headers case-insensitively", async () => {
    server.reply({ status: 200, headers: { "X-Amzn-RequestId": "Mixed-Case" }, body: "{}" });
    const transport = fetchTransport(realFetch.fetch, 30_000);
    const response = await transport.send(
      { endpoint: resolveEndpoint({ endpoint: server.endpoint }), headers: {}, body: "{}" },
      new AbortController().signal,
    );
    expect(response.header("x-amzn-requestid")).toBe("Mixed-Case");
  });

  it("does not follow redirects, so a redirected POST cannot pass for a payment", async () => {
    let seen: RequestInit | undefined;
    const transport = fetchTransport(async (_input, init) => {
      seen = init;
      return new Response(null, { status: 302, headers: { location: "http://127.0.0.1:9/elsewhere" } });
    }, 30_000);
    const response = await transport.send(
      { endpoint: resolveEndpoint({ endpoint: server.endpoint }), headers: {}, body: "{}" },
      undefined,
    );
    expect(seen?.redirect, "seen?.redirect").toBe("manual");
    expect(response.status, "response.status").toBe(302);
  });

  it("does not pass the signed Host header to fetch", async () => {
    let seen: HeadersInit | undefined;
    const transport = fetchTransport(async (_input, init) => {
      seen = init?.headers;
      return new Response("{}");
    }, 30_000);
    await transport.send(
      {
        endpoint: resolveEndpoint({ endpoint: server.endpoint }),
        headers: { host: "x", "x-amz-date": "d" },
        body: "{}",
      },
      new AbortController().signal,
    );
    expect(seen).toEqual({ "x-amz-date": "d" });
  });
});
