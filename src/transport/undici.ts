/**
 * The Node transport: `undici.request` over one keep-alive `Pool` per
 * client. undici is imported on the first send, not at load, so that
 * importing the library stays cheap for cold-start-sensitive programs.
 */
import type { Pool } from "undici";
import type { Transport, WireRequest, WireResponse } from "./types.js";

export interface UndiciTransportOptions {
  /** Per-attempt limit for headers and for the body, in ms. */
  timeoutMs: number;
  /** Most sockets the pool opens; unlimited when absent. */
  connections?: number;
}

export function undiciTransport(origin: string, options: UndiciTransportOptions): Transport {
  let pool: Promise<Pool> | undefined;
  let closing: Promise<void> | undefined;
  const open = (): Promise<Pool> =>
    (pool ??= import("undici").then(
      ({ Pool }) =>
        new Pool(origin, {
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
          connections: options.connections ?? null,
        }),
    ));

  return {
    async send({ endpoint, headers, body }: WireRequest, signal: AbortSignal): Promise<WireResponse> {
      const connection = await open();
      const response = await connection.request({ path: endpoint.path, method: "POST", headers, body, signal });
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
      if (pool !== undefined) await (closing ??= pool.then((opened) => opened.close()));
    },
  };
}
