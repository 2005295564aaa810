/**
 * The portable build for Workers, Vercel Edge, Deno, Bun and browsers:
 * WebCrypto's SHA-256 and the global `fetch`. No `node:` import reaches it.
 */
import { BaseMTurkClient, type MTurkClientOptions, type Platform } from "./client.js";
import { WebSha256 } from "./hash-web.js";
import { fetchTransport } from "./transport/fetch.js";

export * from "./exports.js";

const edge: Platform = {
  sha256: WebSha256,
  transport: (_endpoint, options) =>
    fetchTransport(options.fetch ?? ((input, init) => fetch(input, init)), options.timeoutMs),
};

/** Pays MTurk bonuses. Create one per isolate or process and reuse it. */
export class MTurkClient extends BaseMTurkClient {
  constructor(options: MTurkClientOptions = {}) {
    super(options, edge);
  }
}
