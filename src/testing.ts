/**
 * `mturk-bonus/testing`: msw request handlers that answer like MTurk, for
 * your own tests. They run the simulator's ledger, validation and fault
 * logic in-process, so the answers are the ones `mturk-bonus/simulator`
 * gives over a socket. `msw` (v2) is an optional peer dependency, imported
 * only here.
 *
 * @example
 * ```ts
 * import { setupServer } from "msw/node";
 * import { FaultSchedule, Ledger, mturkHandlers } from "mturk-bonus/testing";
 *
 * const ledger = new Ledger({ balance: "20.00" });
 * const faults = new FaultSchedule();
 * const server = setupServer(...mturkHandlers({ ledger, faults }));
 * server.listen();
 *
 * faults.add([{ kind: "lostAnswer", count: 1 }]);
 * await payEveryone(); // your code, using the real client
 * expect(ledger.snapshot().bonuses).toHaveLength(3);
 * ```
 */
import { delay, http, HttpResponse, type HttpHandler } from "msw";
import { FaultSchedule, type FaultSpec } from "./simulator/faults.js";
import { Ledger, type LedgerOptions } from "./simulator/ledger.js";
import { SimulatedService, type Outcome } from "./simulator/service.js";
import type { SigningCredentials } from "./simulator/sigv4.js";
import type { MTurkClientOptions } from "./client.js";
import { MTurkClient } from "./index.js";

export { FAULT_KINDS, FaultSchedule, type FaultKind, type FaultSpec } from "./simulator/faults.js";
export { INJECTED_TURK_ERROR_CODE } from "./simulator/fault-responses.js";
export {
  Ledger,
  TOKEN_TTL_MS,
  type BonusRecord,
  type LedgerCounters,
  type LedgerOptions,
  type LedgerSnapshot,
} from "./simulator/ledger.js";
export { SIMULATOR_CREDENTIALS } from "./simulator/credentials.js";
export type { SigningCredentials } from "./simulator/sigv4.js";
export {
  mockMTurkClient,
  type MockCall,
  type MockedOperation,
  type MockedOperations,
  type MTurkClientMock,
  type StubBuilder,
} from "./testing-mock.js";

/** Keys for clients under test: they open nothing real (and the handlers check no signature unless given `credentials`). */
export const TEST_CREDENTIALS = {
  accessKeyId: "AKIDTESTTESTTESTTEST",
  secretAccessKey: "test/secret/not-an-aws-key",
} as const;

/**
 * A client wired to msw: it sends with the global `fetch`, looked up at
 * each request (so msw's interception, set up by `server.listen()`, is
 * always the one used), to the sandbox by default, with {@link TEST_CREDENTIALS}.
 * Any option can be overridden; a `fetch` given replaces the global one.
 */
export function createTestClient(options: MTurkClientOptions = {}): MTurkClient {
  return new MTurkClient({
    sandbox: true,
    credentials: { ...TEST_CREDENTIALS },
    ...options,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  });
}

/** The endpoints the handlers always answer: production and sandbox. */
export const MTURK_ENDPOINTS = [
  "https://mturk-requester.us-east-1.amazonaws.com",
  "https://mturk-requester-sandbox.us-east-1.amazonaws.com",
] as const;

/** Options of {@link mturkHandlers}. */
export interface MTurkHandlersOptions {
  /**
   * The account to pay from: a {@link Ledger} you keep (to assert on
   * `ledger.snapshot()`), or options for a fresh one. @default a new $10,000.00 ledger
   */
  readonly ledger?: Ledger | LedgerOptions;
  /** Faults: a {@link FaultSchedule} you keep (to `add()` faults mid-test), or specs to arm at once. */
  readonly faults?: FaultSchedule | readonly FaultSpec[];
  /** Seed for fault probabilities when `faults` is an array. @default random */
  readonly seed?: number;
  /** More base URLs to answer besides {@link MTURK_ENDPOINTS}, e.g. a custom `endpoint` your client uses. */
  readonly endpoint?: string | readonly string[];
  /**
   * Key pair(s) whose SigV4 signatures are checked. Absent: signatures are
   * not checked, so tests may use any credentials.
   */
  readonly credentials?: SigningCredentials | readonly SigningCredentials[];
  /** The region credential scopes must name, when signatures are checked. @default "us-east-1" */
  readonly region?: string;
  /** Clock for signatures and `Date` headers, epoch ms. @default Date.now */
  readonly now?: () => number;
}

function toHttpResponse(outcome: Outcome): Response {
  // msw's stand-in for "the connection died with no answer", the lostAnswer fault.
  if (outcome.kind === "drop") return HttpResponse.error();
  const { status, headers, body } = outcome.response;
  return new HttpResponse(body === "" ? null : body, { status, headers });
}

function baseUrls(extra: MTurkHandlersOptions["endpoint"]): string[] {
  const more = extra === undefined ? [] : typeof extra === "string" ? [extra] : extra;
  return [...new Set([...MTURK_ENDPOINTS, ...more].map((url) => url.replace(/\/+$/, "")))];
}

/**
 * msw handlers for `POST /` on the MTurk production and sandbox endpoints
 * (and `endpoint`), answering `SendBonus`, `GetAccountBalance` and
 * `ListBonusPayments` from a simulated ledger, with injectable faults.
 * `lostAnswer` processes the call, then answers with a network error.
 */
export function mturkHandlers(options: MTurkHandlersOptions = {}): HttpHandler[] {
  const ledger = options.ledger instanceof Ledger ? options.ledger : new Ledger(options.ledger);
  const faults =
    options.faults instanceof FaultSchedule ? options.faults : new FaultSchedule(options.faults ?? [], options.seed);
  const service = new SimulatedService({
    ledger,
    faults,
    credentials: options.credentials,
    region: options.region,
    now: options.now,
  });

  const bases = baseUrls(options.endpoint);
  return bases.map((base) =>
    http.post(`${base}/`, async ({ request }) => {
      const url = new URL(request.url);
      const headers: [string, string][] = [];
      request.headers.forEach((value, name) => {
        headers.push([name, value]);
      });
      // fetch hides the Host header; the signature covers it, so restore it from the URL.
      if (!request.headers.has("host")) headers.push(["host", url.host]);
      const outcome = service.handle({
        method: request.method,
        url: `${url.pathname}${url.search}`,
        headers,
        body: new Uint8Array(await request.arrayBuffer()),
      });
      if (outcome.delayMs > 0) await delay(outcome.delayMs);
      return toHttpResponse(outcome);
    }),
  );
}
