/**
 * The Node transport: Node's own `node:http` / `node:https` with one
 * keep-alive agent per client.
 *
 * Why not undici (the Node transport before this one): it parses HTTP in
 * WebAssembly, and V8 compiles that module again in the background to
 * optimise it. A process cannot exit until that compilation ends, so every
 * one-shot script and CLI command lingered 60 to 160 ms after its last
 * answer; loading it and compiling its parser added to every cold start,
 * and undici was 520 KB of a bundled Lambda. Node's parser is native. Measured
 * side by side, `node:http` costs about the same CPU per request as undici's
 * `request()` (see docs/performance.md).
 *
 * The modules are taken on the first send, so that importing the library
 * (and sending over plain HTTP to a local simulator) never loads TLS.
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { watchAbort } from "./abort.js";
import { Deadlines } from "./deadline.js";
import { toTransportError } from "./network-error.js";
import type { Transport, WireRequest, WireResponse } from "./types.js";

export interface NodeTransportOptions {
  /** Limit for one attempt, from sending to the last byte of the answer, in ms. */
  timeoutMs: number;
}

interface HttpModule {
  Agent: typeof Agent;
  request(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest;
}

/** Raised when an attempt's deadline passes: named and coded as a timeout for `toTransportError`. */
class AttemptTimeout extends Error {
  override name = "TimeoutError";
  constructor(
    readonly code: string,
    timeoutMs: number,
  ) {
    super(`No complete answer within ${timeoutMs} ms`);
  }
}

/** `node:http` or `node:https`, loaded synchronously from Node's built-ins. */
function httpModule(protocol: string): HttpModule {
  return process.getBuiltinModule(protocol === "https:" ? "node:https" : "node:http") as HttpModule;
}

function answer(response: IncomingMessage, body: string): WireResponse {
  const received = response.headers;
  return {
    status: response.statusCode ?? 0,
    header: (name) => {
      const value = received[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    body,
  };
}

/** The answer's bytes as text, decoded once: a character split across two chunks decodes whole. */
function text(chunks: Buffer[]): string {
  return (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString("utf8");
}

function abortReason(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error("The call was aborted");
}

export function nodeTransport(origin: string, options: NodeTransportOptions): Transport {
  const { protocol, hostname, port } = new URL(origin);
  const { timeoutMs } = options;
  const deadlines = new Deadlines(timeoutMs);
  let http: HttpModule | undefined;
  let agent: Agent | undefined;
  // `[::1]` in a URL is `::1` to a socket.
  const host = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;

  function open(): { http: HttpModule; agent: Agent } {
    http ??= httpModule(protocol);
    // Idle sockets are unref'd by Node's agent: they never keep a process running.
    agent ??= new http.Agent({ keepAlive: true, scheduling: "lifo" });
    return { http, agent };
  }

  return {
    send({ endpoint, headers, body }: WireRequest, signal: AbortSignal | undefined): Promise<WireResponse> {
      const ready = open();
      // A flat name/value list: Node validates each pair as it writes it, but skips the per-header
      // bookkeeping of an object (setHeader and a lower-cased copy of every name): 2 to 7 µs a request.
      const outgoing: string[] = [];
      for (const name in headers) outgoing.push(name, headers[name]!);
      outgoing.push("content-length", String(Buffer.byteLength(body)));
      return new Promise<WireResponse>((resolve, reject) => {
        let stopWatching: (() => void) | undefined;
        const request = ready.http.request(
          { agent: ready.agent, host, port, method: "POST", path: endpoint.path, headers: outgoing },
          (response) => {
            // Bytes, not strings: setEncoding would make a string decoder per answer.
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => {
              chunks.push(chunk);
            });
            response.on("end", () => {
              settle();
              resolve(answer(response, text(chunks)));
            });
            response.on("error", fail);
            // Cut mid-answer (the deadline, an abort) or dropped by the server: 'end' never comes.
            response.on("close", () => {
              if (!response.complete) fail(new Error("The connection closed before the answer was complete"));
            });
          },
        );
        /** Why the attempt was cut short, when it was: what it rejects with, whichever event reports the cut first. */
        let cutShort: Error | undefined;
        const cut = (reason: Error): void => {
          cutShort ??= reason;
          request.destroy(reason);
        };
        const cancelDeadline = deadlines.start(() => {
          // Nothing can have been sent before the socket connected.
          const connecting = request.socket === null || request.socket.connecting;
          cut(new AttemptTimeout(connecting ? "CONNECT_TIMEOUT" : "TimeoutError", timeoutMs));
        });
        function settle(): void {
          cancelDeadline();
          stopWatching?.();
        }
        function fail(error: unknown): void {
          settle();
          reject(toTransportError(cutShort ?? error, timeoutMs));
        }
        request.on("error", fail);
        if (signal !== undefined) {
          if (signal.aborted) cut(abortReason(signal.reason));
          else stopWatching = watchAbort(signal, (reason) => cut(abortReason(reason)));
        }
        request.end(body);
      });
    },
    close(): Promise<void> {
      deadlines.close();
      agent?.destroy();
      return Promise.resolve();
    },
  };
}
