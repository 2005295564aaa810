/**
 * The Node transport: `undici.request` over one keep-alive `Pool` per
 * client. undici is imported on the first send, not at load, so that
 * importing the library stays cheap for cold-start-sensitive programs.
 */
import type { Dispatcher, Pool } from "undici";
import type { Transport, WireRequest, WireResponse } from "./types.js";

export interface UndiciTransportOptions {
  /**
   * Per-attempt limit in ms, applied by undici itself to each phase: connecting,
   * waiting for the answer's headers, and each pause in its body. undici's own
   * timers cost far less than a timer and an AbortController per attempt.
   */
  timeoutMs: number;
  /** Most sockets the pool opens; unlimited when absent. */
  connections?: number;
}

/** What this transport needs from undici: the `Pool` class, and `request` on a pool. */
interface Undici {
  Pool: typeof Pool;
  request(pool: Pool, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
}

interface OpenPool {
  pool: Pool;
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
}

type RequestFunction = (this: Pool, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/**
 * undici's `Pool` and `request` modules alone. The package entry also loads
 * fetch, WebSocket, EventSource, caches and mocks (and, through them, Node's
 * own bundled undici): about 70 ms of a cold start on a small machine,
 * against about 30 ms for these two. The code is the same: the entry assigns
 * this very `request` to `Dispatcher.prototype`. Falls back to the entry
 * should a future undici move either module, or a bundle hold only the entry.
 */
const POOL_MODULE = "undici/lib/dispatcher/pool.js";
const REQUEST_MODULE = "undici/lib/api/api-request.js";

/** Loads `Pool` and `request`; `modules` are the two paths to try first (a parameter for the fallback's test). */
export async function loadUndici(modules: readonly [pool: string, request: string] = [POOL_MODULE, REQUEST_MODULE]): Promise<Undici> {
  try {
    const [pool, api] = (await Promise.all([import(modules[0]), import(modules[1])])) as [{ default?: unknown }, { default?: unknown }];
    if (typeof pool.default === "function" && typeof api.default === "function") {
      const request = api.default as RequestFunction;
      return { Pool: pool.default as typeof Pool, request: (target, options) => request.call(target, options) };
    }
  } catch {
    // Not found at those paths: use the public entry below.
  }
  const { Pool } = await import("undici");
  return { Pool, request: (target, options) => target.request(options) };
}

export function undiciTransport(origin: string, options: UndiciTransportOptions): Transport {
  /** The pool and how to send on it, once open (sends after the first skip waiting on `pool`). */
  let opened: OpenPool | undefined;
  let pool: Promise<OpenPool> | undefined;
  let closing: Promise<void> | undefined;
  const open = (): Promise<OpenPool> =>
    (pool ??= loadUndici().then(({ Pool, request }) => {
      const created = new Pool(origin, {
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        connect: { timeout: options.timeoutMs },
        connections: options.connections ?? null,
      });
      return (opened = { pool: created, request: (requestOptions) => request(created, requestOptions) });
    }));

  return {
    async send({ endpoint, headers, body }: WireRequest, signal: AbortSignal | undefined): Promise<WireResponse> {
      const { request } = opened ?? (await open());
      const response = await request({ path: endpoint.path, method: "POST", headers, body, signal });
      const text = await response.body.text();
      const received = response.headers;
      return {
        status: response.statusCode,
        header: (name) => {
          const value = received[name];
          return Array.isArray(value) ? value.join(", ") : value;
        },
        body: text,
      };
    },
    async close(): Promise<void> {
      // Idempotent: undici rejects a second close() of the same pool.
      if (pool !== undefined) await (closing ??= pool.then((ready) => ready.pool.close()));
    },
  };
}
