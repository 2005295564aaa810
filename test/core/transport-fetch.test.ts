/**
 * The fetch transport: exactly once through msw, and against a real
 * loopback socket (what msw cannot show: Content-Length, socket errors
 * wrapped in fetch's `cause`).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TimeoutError, TransportError } from "../../src/errors.js";
import { fetchTransport } from "../../src/transport/fetch.js";
import { type Endpoint, resolveEndpoint } from "../../src/endpoint.js";
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

/**
 * What any cheaper version of the fetch transport must keep, checked on the
 * transport itself over a real loopback socket: the caller's abort hangs up
 * a request in flight, an aborted signal reaches `fetch` aborted, and an
 * answer that arrives in pieces (a character split between two) is read whole.
 */
describe("fetch transport (alone) over a real loopback socket", () => {
  let server: Server;
  let endpoint: Endpoint;
  let arrived: () => void = () => {};
  let hungUp: () => void = () => {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.headers["x-test"] === "hang") {
          res.on("close", () => hungUp());
          arrived();
          return;
        }
        // Three pieces, 20 ms apart (bounded: three writes), with "ü" split between its two bytes.
        const u = Buffer.from("ü");
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.write(Buffer.concat([Buffer.from('{"a":"'), u.subarray(0, 1)]));
        setTimeout(() => res.write(u.subarray(1)), 20);
        setTimeout(() => res.end('"}'), 40);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = resolveEndpoint({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("hangs up a request in flight when the caller's signal aborts, with a TransportError", async () => {
    const transport = fetchTransport((input, init) => fetch(input, init), 30_000);
    const controller = new AbortController();
    const serverSaw = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const closed = new Promise<void>((resolve) => {
      hungUp = resolve;
    });
    const sending = transport
      .send({ endpoint, headers: { host: endpoint.host, "x-test": "hang" }, body: "{}" }, controller.signal)
      .catch((e: unknown) => e);
    await serverSaw;
    controller.abort();
    const error = await sending;
    expect(error, "error class").toBeInstanceOf(TransportError);
    expect(error, "not a timeout").not.toBeInstanceOf(TimeoutError);
    await closed;
    await transport.close();
  });

  it("gives fetch an aborted signal when the caller's signal is aborted before sending", async () => {
    let seen: AbortSignal | null | undefined;
    const transport = fetchTransport(async (_input, init) => {
      seen = init?.signal;
      init?.signal?.throwIfAborted();
      return new Response("{}");
    }, 30_000);
    const error = await transport
      .send({ endpoint, headers: {}, body: "{}" }, AbortSignal.abort())
      .catch((e: unknown) => e);
    expect(seen?.aborted, "signal given to fetch is aborted").toBe(true);
    expect(error, "error class").toBeInstanceOf(TransportError);
    await transport.close();
  });

  it("reads an answer that arrives in pieces whole, a character split between two pieces included", async () => {
    const transport = fetchTransport((input, init) => fetch(input, init), 30_000);
    const response = await transport.send({ endpoint, headers: { host: endpoint.host }, body: "{}" }, undefined);
    expect(response.status).toBe(200);
    expect(response.body).toBe('{"a":"ü"}');
    await transport.close();
  });
});
