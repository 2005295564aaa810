/**
 * `mturk-bonus/simulator`: a local MTurk Requester API for tests and demos.
 *
 * @example
 * ```ts
 * import { startSimulator, SIMULATOR_CREDENTIALS } from "mturk-bonus/simulator";
 * const sim = await startSimulator({ balance: "100.00", faults: [{ kind: "lostAnswer", count: 1 }] });
 * const client = new MTurkClient({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS });
 * // ... pay bonuses ...
 * console.log(sim.ledger.bonuses);
 * await sim.close();
 * ```
 */
import { SIMULATOR_CREDENTIALS } from "./credentials.js";
import { FaultSchedule, type FaultSpec } from "./faults.js";
import { Ledger } from "./ledger.js";
import { listen } from "./server.js";
import type { DuplicateWording } from "./operations.js";
import { SimulatedService, type ControlAction, type SimulatorSnapshot } from "./service.js";
import type { SigningCredentials } from "./sigv4.js";

export { SIMULATOR_CREDENTIALS } from "./credentials.js";
export { FAULT_KINDS, FaultSchedule, parseFaultSpec, type FaultKind, type FaultSpec } from "./faults.js";
export { INJECTED_TURK_ERROR_CODE } from "./fault-responses.js";
export {
  DEFAULT_BALANCE,
  Ledger,
  TOKEN_TTL_MS,
  type BonusRecord,
  type LedgerCounters,
  type LedgerOptions,
  type LedgerSnapshot,
} from "./ledger.js";
export { JSON_CONTENT_TYPE, OPERATIONS, SERVICE_NAME, TARGET_PREFIX, type OperationName } from "./protocol.js";
export {
  SimulatedService,
  type ControlAction,
  type Outcome,
  type ServiceOptions,
  type SimulatorSnapshot,
} from "./service.js";
export { DUPLICATE_WORDINGS, type DuplicateWording } from "./operations.js";
export type { SigningCredentials } from "./sigv4.js";

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /**
   * The key pair(s) the simulated account accepts. A pair with a
   * `sessionToken` requires that token on every request.
   * @default SIMULATOR_CREDENTIALS
   */
  readonly credentials?: SigningCredentials | readonly SigningCredentials[];
  /** The only region a credential scope may name. @default "us-east-1" */
  readonly region?: string;
  /** Starting balance in dollars. @default "10000.00" */
  readonly balance?: string;
  /**
   * Which worker did which assignment; a bonus to anyone else on a listed
   * assignment is a `RequestError`. Unlisted assignments bind to the first
   * worker paid on them.
   */
  readonly assignments?: Readonly<Record<string, string>>;
  /** Faults armed from the start. See {@link FaultSpec}. */
  readonly faults?: readonly FaultSpec[];
  /** Seed for fault probabilities, for reproducible runs. @default random */
  readonly seed?: number;
  /** The clock, epoch ms: signature window, `Date` headers, ledger. @default Date.now */
  readonly now?: () => number;
  /** Accepted distance between a request's `X-Amz-Date` and `now()`. @default 300000 */
  readonly maxClockSkewMs?: number;
  /**
   * How a repeated `UniqueRequestToken` is answered: `token` (the form seen
   * from MTurk), `alreadyProcessed`, `alreadyExists`, `originalRequestId` or
   * `opaque`. See {@link DUPLICATE_WORDINGS}.
   * @default "token"
   */
  readonly duplicateWording?: DuplicateWording;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:49152`; give it to the client as `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** The region requests must be signed for. */
  readonly region: string;
  /** The key pairs it accepts. */
  readonly credentials: readonly SigningCredentials[];
  /** A fresh copy of the ledger, counters and armed faults on every read (the same JSON as `GET /__ledger`). */
  readonly ledger: SimulatorSnapshot;
  /** Applies a control action (the same JSON as `POST /__control`) and returns the new snapshot. */
  control(action: ControlAction): SimulatorSnapshot;
  /** Stops the server and cuts open connections. */
  close(): Promise<void>;
}

/** Starts a simulator on 127.0.0.1. Throws a `TypeError` for a malformed balance or fault. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const credentials: readonly SigningCredentials[] =
    options.credentials === undefined
      ? [SIMULATOR_CREDENTIALS]
      : Array.isArray(options.credentials)
        ? (options.credentials as readonly SigningCredentials[])
        : [options.credentials as SigningCredentials];
  const service = new SimulatedService({
    credentials,
    region: options.region,
    maxClockSkewMs: options.maxClockSkewMs,
    now: options.now,
    duplicateWording: options.duplicateWording,
    ledger: new Ledger({
      ...(options.balance === undefined ? {} : { balance: options.balance }),
      ...(options.assignments === undefined ? {} : { assignments: options.assignments }),
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
    faults: new FaultSchedule(options.faults ?? [], options.seed),
  });
  const running = await listen(service, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${running.port}`,
    port: running.port,
    region: service.region,
    credentials,
    get ledger() {
      return service.snapshot();
    },
    control: (action) => service.control(action),
    close: () => running.close(),
  };
}
