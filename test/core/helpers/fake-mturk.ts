/**
 * A scripted fake of the MTurk endpoint, for both transports:
 * - `node`: a real node:http server on 127.0.0.1 (the default Node transport, node:http);
 * - `fetch`: msw `setupServer`, with the client given `fetch: globalThis.fetch`.
 * Tests script the answers (`reply`) and read what arrived (`requests`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { MTurkClient } from "../../../src/index.js";
import type { MTurkClientOptions } from "../../../src/client.js";
import { CREDENTIALS } from "./fixtures.js";

export type TransportName = "node" | "fetch";
export const TRANSPORTS: TransportName[] = ["node", "fetch"];

export interface CapturedRequest {
  method: string;
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Name/value pairs as received. */
  rawHeaders: Array<[string, string]>;
  body: string;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Read the request, then close the socket without answering. */
  | { kind: "destroy" }
  /** Reset the connection (TCP RST) without answering. */
  | { kind: "reset" }
  /** Never answer; the client must give up by itself. */
  | { kind: "hang" };

export type Handler = (request: CapturedRequest, index: number) => Reply | Promise<Reply>;

export interface FakeMTurk {
  readonly transport: TransportName;
  readonly endpoint: string;
  readonly requests: CapturedRequest[];
  /** Script the answers: one per request in order, the last one repeats. */
  reply(...answers: Array<Reply | Handler>): void;
  /** A client for this fake; destroyed after the test. */
  client(options?: Partial<MTurkClientOptions>): MTurkClient;
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
}

const MSW_ENDPOINT = "http://127.0.0.1:1";

/** Registers the fake's lifecycle hooks in the current describe block. */
export function useFakeMTurk(transport: TransportName): FakeMTurk {
  let script: Array<Reply | Handler> = [];
  const requests: CapturedRequest[] = [];
  const clients: MTurkClient[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const releases = new Set<() => void>();
  let endpoint = MSW_ENDPOINT;
  let server: Server | undefined;
  let msw: ReturnType<typeof setupServer> | undefined;

  async function answer(request: CapturedRequest): Promise<Reply> {
    const index = requests.push(request) - 1;
    for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const step = script[Math.min(index, script.length - 1)];
    if (step === undefined) return { status: 500, body: "no reply scripted" };
    return typeof step === "function" ? step(request, index) : step;
  }

  const fake: FakeMTurk = {
    transport,
    get endpoint() {
      return endpoint;
    },
    requests,
    reply(...answers) {
      script = answers;
    },
    client(options = {}) {
      const withFetch: Partial<MTurkClientOptions> =
        transport === "fetch" ? { fetch: (input, init) => globalThis.fetch(input, init) } : {};
      const client = new MTurkClient({ endpoint, credentials: CREDENTIALS, ...withFetch, ...options });
      clients.push(client);
      return client;
    },
    received(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };

  beforeAll(async () => {
    if (transport === "node") {
      server = createServer((req, res) => void serveNode(req, res));
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    } else {
      const mocks = setupServer(
        http.post(`${MSW_ENDPOINT}/*`, async ({ request }) => {
          const url = new URL(request.url);
          const rawHeaders: Array<[string, string]> = [];
          request.headers.forEach((value, name) => {
            rawHeaders.push([name, value]);
          });
          if (!request.headers.has("host")) rawHeaders.push(["host", url.host]);
          const captured: CapturedRequest = {
            method: request.method,
            path: url.pathname,
            headers: Object.fromEntries(rawHeaders.map(([k, v]) => [k.toLowerCase(), v])),
            rawHeaders,
            body: await request.text(),
          };
          const reply = await answer(captured);
          if ("kind" in reply) {
            if (reply.kind === "hang") await hang(request.signal);
            return HttpResponse.error();
          }
          return new HttpResponse(reply.body ?? "", { status: reply.status, headers: reply.headers ?? {} });
        }),
      );
      msw = mocks;
      mocks.listen({
        onUnhandledRequest: (request, print) => {
          // Requests to real loopback servers (e.g. a refused port) pass through.
          if (!request.url.startsWith(MSW_ENDPOINT)) return;
          print.error();
        },
      });
    }
  });

  afterEach(async () => {
    for (const release of releases) release();
    releases.clear();
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    server?.closeAllConnections();
    requests.length = 0;
    waiters.length = 0;
    script = [];
  });

  afterAll(async () => {
    msw?.close();
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
    }
  });

  function hang(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        releases.delete(done);
        resolve();
      };
      releases.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async function serveNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawHeaders: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) rawHeaders.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const headers: Record<string, string> = {};
    for (const [name, value] of rawHeaders) {
      const key = name.toLowerCase();
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    }
    const reply = await answer({
      method: req.method ?? "",
      path: req.url ?? "",
      headers,
      rawHeaders,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    if ("kind" in reply) {
      if (reply.kind === "destroy") req.socket.destroy();
      else if (reply.kind === "reset") req.socket.resetAndDestroy();
      else {
        const closed = new Promise<void>((resolve) => res.once("close", resolve));
        await Promise.race([hang(), closed]);
        req.socket.destroy();
      }
      return;
    }
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? "");
  }

  return fake;
}
