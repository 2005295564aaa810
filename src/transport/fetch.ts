/** The transport over a `fetch` function: the global one on edge runtimes, or one the caller passes. */
import { watchAbort } from "./abort.js";
import { Deadlines } from "./deadline.js";
import { toTransportError } from "./network-error.js";
import type { Transport, WireRequest, WireResponse } from "./types.js";

/**
 * `timeoutMs` bounds each attempt whole, from sending to the last byte of
 * the answer. Redirects are not followed: MTurk never redirects, and a
 * followed redirect would turn the POST into a GET somewhere else whose
 * `200` could pass for a payment.
 */
export function fetchTransport(fetchFunction: typeof fetch, timeoutMs: number): Transport {
  const deadlines = new Deadlines(timeoutMs);
  return {
    async send({ endpoint, headers, body }: WireRequest, signal: AbortSignal | undefined): Promise<WireResponse> {
      // `Host` was signed, but fetch sets it from the URL itself and some runtimes refuse it as a forbidden header.
      // Measured against a for-in copy, a name/value list and a `Headers`: none cheaper in Node's fetch.
      const { host: _host, ...sendable } = headers;
      // One per attempt: only a signal cancels a fetch before its answer starts, and a shared one would
      // cancel every attempt in flight. It is the transport's one measurable cost over a raw `fetch` on
      // Node (a few % of CPU, some MB of peak RSS: undici holds each signal until GC).
      const controller = new AbortController();
      let timeout: DOMException | undefined;
      const cancelDeadline = deadlines.start(() => {
        timeout = new DOMException(`No complete answer within ${timeoutMs} ms`, "TimeoutError");
        controller.abort(timeout);
      });
      const stopWatching = signal === undefined ? undefined : watchAbort(signal, (reason) => controller.abort(reason));
      if (signal?.aborted) controller.abort(signal.reason);
      try {
        const response = await fetchFunction(endpoint.url, {
          method: "POST",
          headers: sendable,
          body,
          signal: controller.signal,
          redirect: "manual",
        });
        const text = await response.text();
        return {
          status: response.status,
          header: (name) => response.headers.get(name) ?? undefined,
          body: text,
        };
      } catch (error) {
        // Some runtimes reject with a generic AbortError whatever the reason: say which it was.
        throw toTransportError(
          timeout !== undefined && controller.signal.reason === timeout ? timeout : error,
          timeoutMs,
        );
      } finally {
        cancelDeadline();
        stopWatching?.();
      }
    },
    close: () => {
      deadlines.close();
      return Promise.resolve();
    },
  };
}
