/**
 * The Node build: SHA-256 from `node:crypto`, and undici for sending (loaded
 * on the first request, and never when a `fetch` is passed).
 */
import { BaseMTurkClient, type MTurkClientOptions, type Platform } from "./client.js";
import { NodeSha256 } from "./hash-node.js";
import { fetchTransport } from "./transport/fetch.js";
import { undiciTransport } from "./transport/undici.js";
import { guardTesting } from "./transport/testing-guard.js";

export * from "./exports.js";

const node: Platform = {
  sha256: NodeSha256,
  transport: (endpoint, options) =>
    options.fetch ? fetchTransport(options.fetch, options.timeoutMs) : guardTesting(endpoint.origin, undiciTransport(endpoint.origin, { timeoutMs: options.timeoutMs })),
};

/** Pays MTurk bonuses. Create one per process and reuse it; `destroy()` it when done. */
export class MTurkClient extends BaseMTurkClient {
  constructor(options: MTurkClientOptions = {}) {
    super(options, node);
  }
}
