/** The transport over a `fetch` function: the global one on edge runtimes, or one the caller passes. */
import type { Transport, WireRequest, WireResponse } from "./types.js";

export function fetchTransport(fetchFunction: typeof fetch): Transport {
  return {
    async send({ endpoint, headers, body }: WireRequest, signal: AbortSignal): Promise<WireResponse> {
      // `Host` was signed, but fetch sets it from the URL itself and some runtimes refuse it as a forbidden header.
      const { host: _host, ...sendable } = headers;
      const response = await fetchFunction(endpoint.url, { method: "POST", headers: sendable, body, signal });
      const text = await response.text();
      return {
        status: response.status,
        header: (name) => response.headers.get(name) ?? undefined,
        body: text,
      };
    },
    close: () => Promise.resolve(),
  };
}
