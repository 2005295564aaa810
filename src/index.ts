/**
 * The Node build: SHA-256 from `node:crypto`, and `node:http`/`node:https`
 * for sending (taken on the first request, and never when a `fetch` is passed).
 */
import { BaseMTurkClient, type MTurkClientOptions, type Platform } from "./client.js";
import { NodeSha256 } from "./hash-node.js";
import { fetchTransport } from "./transport/fetch.js";
import { nodeTransport } from "./transport/node-http.js";

export * from "./exports.js";

const node: Platform = {
  sha256: NodeSha256,
  transport: (endpoint, options) =>
    options.fetch
      ? fetchTransport(options.fetch, options.timeoutMs)
      : nodeTransport(endpoint.origin, { timeoutMs: options.timeoutMs }),
};

/** Pays MTurk bonuses. Create one per process and reuse it; `destroy()` it when done. */
export class MTurkClient extends BaseMTurkClient {
  constructor(options: MTurkClientOptions = {}) {
    super(options, node);
  }
}
