/**
 * The portable build for Workers, Vercel Edge, Deno, Bun and browsers:
 * pure-JS SHA-256 and the global `fetch`. No `node:` import reaches it.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { BaseMTurkClient, type MTurkClientOptions, type Platform } from "./client.js";
import { fetchTransport } from "./transport/fetch.js";

export * from "./exports.js";

const edge: Platform = {
  sha256: Sha256,
  transport: (_endpoint, options) => fetchTransport(options.fetch ?? ((input, init) => fetch(input, init)), options.timeoutMs),
};

/** Pays MTurk bonuses. Create one per isolate or process and reuse it. */
export class MTurkClient extends BaseMTurkClient {
  constructor(options: MTurkClientOptions = {}) {
    super(options, edge);
  }
}
