/**
 * The Node transport (`node:http`) against a real loopback HTTP server: the
 * exactly-once guarantee when an answer is lost, and the transport's own contract.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveEndpoint } from "../../src/endpoint.js";
import { TimeoutError, TransportError } from "../../src/errors.js";
import { nodeTransport } from "../../src/transport/node-http.js";
import { bonusInput } from "./helpers/fixtures.js";
import { useFakeMTurk } from "./helpers/fake-mturk.js";
import { createLedger } from "./helpers/ledger.js";

describe("node transport: a bonus whose answer is lost", () => {
  const mturk = useFakeMTurk("node");

  async function payWithLostAnswer() {
    const ledger = createLedger();
    mturk.reply(ledger.handler({ kind: "destroy" }));
    const { UniqueRequestToken: _omit, ...input } = bonusInput();
    const output = await mturk.client().sendBonus(input);
    return { ledger, output };
  }

  it("resolves alreadyGranted: true after the server paid and dropped the socket", async () => {
    expect((await payWithLostAnswer()).output.alreadyGranted).toBe(true);
  });

  it("records exactly one bonus", async () => {
    const { ledger } = await payWithLostAnswer();
    expect(ledger.paid.size).toBe(1);
  });

  it("retries with the same token", async () => {
    const { output } = await payWithLostAnswer();
    expect(mturk.requests.map((r) => JSON.parse(r.body).UniqueRequestToken)).toEqual([
      output.UniqueRequestToken,
      output.UniqueRequestToken,
    ]);
  });

  it("reports the two attempts", async () => {
    expect((await payWithLostAnswer()).output.$metadata.attempts).toBe(2);
  });

  it("records one bonus when the answer is lost twice", async () => {
    const ledger = createLedger();
    mturk.reply(ledger.handler({ kind: "destroy" }, 1), { kind: "reset" }, (request) =>
      ledger.handler({ kind: "destroy" })(request, 2),
    );
    const output = await mturk.client().sendBonus(bonusInput());
    expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
    expect(ledger.paid.size, "ledger.paid.size").toBe(1);
    expect(output.$metadata.attempts, "output.$metadata.attempts").toBe(3);
  });

  it("records one bonus when the answer times out", async () => {
    const ledger = createLedger();
    mturk.reply(ledger.handler({ kind: "hang" }));
    const output = await mturk.client({ timeoutMs: 300 }).sendBonus(bonusInput());
    expect(output.alreadyGranted, "output.alreadyGranted").toBe(true);
    expect(ledger.paid.size, "ledger.paid.size").toBe(1);
  });

  it("pays a second bonus with another token", async () => {
    const ledger = createLedger();
    mturk.reply(ledger.handler({ kind: "destroy" }, 0));
    const client = mturk.client();
    await client.sendBonus(bonusInput({ UniqueRequestToken: "one" }));
    await client.sendBonus(bonusInput({ UniqueRequestToken: "two" }));
    expect([...ledger.paid.keys()]).toEqual(["one", "two"]);
  });
});

describe("nodeTransport", () => {
  let server: Server;
  let origin: string;
  const sockets = new Set<unknown>();
  let last:
    | { headers: Record<string, string | string[] | undefined>; body: string; url: string | undefined }
    | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      sockets.add(req.socket);
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        last = { headers: req.headers, body, url: req.url };
        res.setHeader("X-Amzn-RequestId", "abc");
        res.setHeader("Set-Cookie", ["a=1", "b=2"]);
        res.writeHead(201, { "Content-Type": "application/x-amz-json-1.1" });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    sockets.clear();
    server.closeAllConnections();
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const send = async (transport: ReturnType<typeof nodeTransport>, path = "/") =>
    transport.send(
      {
        endpoint: resolveEndpoint({ endpoint: origin + path }),
        headers: { "x-test": "1", host: new URL(origin).host },
        body: '{"a":1}',
      },
      new AbortController().signal,
    );

  it("returns the status and the whole body", async () => {
    const transport = nodeTransport(origin, { timeoutMs: 5_000 });
    const response = await send(transport);
    await transport.close();
    expect(response.status, "response.status").toBe(201);
    expect(response.body, "response.body").toBe('{"ok":true}');
  });

  it("decodes a UTF-8 character split across two chunks of the answer", async () => {
    const answer = Buffer.from('{"Message":"prime payée"}', "utf8");
    const cut = answer.indexOf(0xc3) + 1; // between the two bytes of "é"
    const chunked = createServer((_req, res) => {
      res.writeHead(400, { "Content-Type": "application/x-amz-json-1.1" });
      res.write(answer.subarray(0, cut));
      // A pause between the writes, so that the two halves usually arrive as two chunks.
      setTimeout(() => res.end(answer.subarray(cut)), 20);
    });
    await new Promise<void>((resolve) => chunked.listen(0, "127.0.0.1", resolve));
    const at = `http://127.0.0.1:${(chunked.address() as AddressInfo).port}`;
    const transport = nodeTransport(at, { timeoutMs: 5_000 });
    const response = await transport.send(
      { endpoint: resolveEndpoint({ endpoint: at }), headers: { host: new URL(at).host }, body: "{}" },
      undefined,
    );
    await transport.close();
    chunked.closeAllConnections();
    await new Promise((resolve) => chunked.close(resolve));
    expect(response.body).toBe('{"Message":"prime payée"}');
  });

  it("looks headers up by lower-case name", async () => {
    const transport = nodeTransport(origin, { timeoutMs: 5_000 });
    const response = await send(transport);
    await transport.close();
    expect(response.header("x-amzn-requestid")).toBe("abc");
  });

  it("joins a repeated header", async () => {
    const transport = nodeTransport(origin, { timeoutMs: 5_000 });
    const response = await send(transport);
    await transport.close();
    expect(response.header("set-cookie")).toBe("a=1, b=2");
  });

  it("sends the given headers, body and endpoint path", async () => {
    const transport = nodeTransport(origin, { timeoutMs: 5_000 });
    await send(transport, "/prefix/");
    await transport.close();
    expect(last?.url, "last?.url").toBe("/prefix/");
    expect(last?.headers["x-test"], 'last?.headers["x-test"]').toBe("1");
    expect(last?.body, "last?.body").toBe('{"a":1}');
    expect(last?.headers["content-length"], 'last?.headers["content-length"]').toBe("7");
  });

  it("reuses keep-alive connections across sends", async () => {
    const transport = nodeTransport(origin, { timeoutMs: 5_000 });
    for (let i = 0; i < 4; i++) await send(transport);
    await transport.close();
    expect(sockets.size).toBe(1);
  });

  it("closes twice without error", async () => {
    const transport = nodeTransport(origin, { timeoutMs: 5_000 });
    await send(transport);
    await transport.close();
    await expect(transport.close()).resolves.toBeUndefined();
  });

  it("closes without having sent anything", async () => {
    await expect(nodeTransport(origin, { timeoutMs: 5_000 }).close()).resolves.toBeUndefined();
  });

  it("rejects when the signal is already aborted", async () => {
    const transport = nodeTransport(origin, { timeoutMs: 5_000 });
    const endpoint = resolveEndpoint({ endpoint: origin });
    await expect(transport.send({ endpoint, headers: {}, body: "{}" }, AbortSignal.abort())).rejects.toThrow();
    await transport.close();
  });

  it("rejects a refused connection with a TransportError of its own, nothing sent", async () => {
    // A port that was just free: nothing listens on it.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refusedOrigin = `http://127.0.0.1:${port}`;
    const transport = nodeTransport(refusedOrigin, { timeoutMs: 5_000 });
    const error = (await transport
      .send({ endpoint: resolveEndpoint({ endpoint: refusedOrigin }), headers: {}, body: "{}" }, undefined)
      .catch((e: unknown) => e)) as TransportError;
    await transport.close();
    expect(error, "class").toBeInstanceOf(TransportError);
    expect(error.code, "code").toBe("ECONNREFUSED");
    expect(error.outcomeUnknown, "outcomeUnknown").toBe(false);
  });

  it("rejects with a TimeoutError when no answer comes within the limit", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentOrigin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const transport = nodeTransport(silentOrigin, { timeoutMs: 50 });
    const error = await transport
      .send(
        {
          endpoint: resolveEndpoint({ endpoint: silentOrigin }),
          headers: { host: new URL(silentOrigin).host },
          body: "{}",
        },
        undefined,
      )
      .catch((e: unknown) => e);
    await transport.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
    expect(error).toBeInstanceOf(TimeoutError);
  });
});
