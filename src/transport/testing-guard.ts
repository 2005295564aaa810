/**
 * The guard that keeps tests from leaking to MTurk: once `mturk-bonus/testing`
 * has made msw handlers in this process, a Node client that would send with
 * undici (which msw cannot see) to an origin those handlers answer is
 * stopped before any network I/O, with an error that says how to fix the
 * test. The origins live under a global symbol, so that every copy of the
 * package loaded in the process (`src` and `dist`, two bundles) sees them.
 */
import type { Transport, WireResponse } from "./types.js";

const ORIGINS = Symbol.for("mturk-bonus.testing.handledOrigins");

type Registry = { [ORIGINS]?: Set<string> };

/** Records origins that msw handlers of `mturk-bonus/testing` answer. */
export function markHandledOrigins(origins: Iterable<string>): void {
  const registry = globalThis as Registry;
  const set = (registry[ORIGINS] ??= new Set());
  for (const origin of origins) set.add(new URL(origin).origin);
}

/** True when msw handlers of `mturk-bonus/testing` answer this origin in this process. */
export function isHandledOrigin(origin: string): boolean {
  return (globalThis as Registry)[ORIGINS]?.has(origin) === true;
}

/** The error's name, as the client reports it. */
export const UNMOCKED_ERROR = "UnmockedTransportError";

/** An answer made up locally, so the client reports a client fault that is not retried, with nothing sent. */
function refusal(origin: string): WireResponse {
  const body = JSON.stringify({
    __type: UNMOCKED_ERROR,
    Message:
      `mturk-bonus/testing: msw handlers answer ${origin}, but this client sends with undici, which msw cannot intercept; ` +
      "the request was stopped before any network I/O. Create the client with createTestClient() from mturk-bonus/testing, or pass fetch: globalThis.fetch.",
  });
  return { status: 400, header: (name) => (name === "content-type" ? "application/x-amz-json-1.1" : undefined), body };
}

/** Wraps the undici transport: refuses, without I/O, origins that msw handlers answer. */
export function guardTesting(origin: string, inner: Transport): Transport {
  return {
    send: (request, signal) => (isHandledOrigin(origin) ? Promise.resolve(refusal(origin)) : inner.send(request, signal)),
    close: () => inner.close(),
  };
}
