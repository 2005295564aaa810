/**
 * The fault schedule: which request gets which misbehaviour. Pure state plus
 * a seedable PRNG, so a seeded run injects the same faults every time.
 */
import { OPERATIONS, type OperationName } from "./protocol.js";

/**
 * The misbehaviours the simulator can inject.
 *
 * Before processing (nothing is paid): `serviceFault`, `throttle`,
 * `proxy502`, `namespacedType`, `urlType`, `headerOnly`, `truncated`, `empty500`.
 * After processing (the operation takes effect): `delay` (the answer waits),
 * `lostAnswer` (no answer at all: the connection is destroyed).
 */
export const FAULT_KINDS = [
  "serviceFault",
  "throttle",
  "delay",
  "lostAnswer",
  "proxy502",
  "namespacedType",
  "urlType",
  "headerOnly",
  "truncated",
  "empty500",
] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Which requests a fault hits and how. */
export interface FaultSpec {
  readonly kind: FaultKind;
  /** Chance (0..1) that a matching request is hit. Absent: every matching request is hit. */
  readonly probability?: number;
  /** Hit at most this many requests, then retire. Absent: no limit. */
  readonly count?: number;
  /** Only requests for this operation match. Absent: every operation matches. */
  readonly operation?: OperationName;
  /** HTTP status for `serviceFault` (default 500), `throttle` (400; 429 also makes sense), `proxy502` (502), `empty500` (500). */
  readonly status?: number;
  /** Milliseconds to hold the answer back, `delay` only (required there). */
  readonly ms?: number;
}

/** What the schedule decided for one request. */
export interface FaultDraw {
  /** Total `delay` to apply before answering. */
  readonly delayMs: number;
  /** The one non-delay fault to apply, if any; the first matching spec wins. */
  readonly fault: FaultSpec | undefined;
  /** Every kind that fired, delays included, for the counters. */
  readonly fired: readonly FaultKind[];
}

/** mulberry32: tiny, fast, and good enough to decide "is this request unlucky". */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks an untrusted fault description (options or a `/__control` body).
 * Throws a `TypeError` naming the first problem.
 */
export function parseFaultSpec(value: unknown): FaultSpec {
  if (!isRecord(value)) throw new TypeError("a fault must be an object such as { kind: 'serviceFault', count: 1 }");
  const { kind, probability, count, operation, status, ms } = value;
  if (typeof kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`fault kind must be one of ${FAULT_KINDS.join(", ")}, got ${JSON.stringify(kind)}`);
  }
  if (probability !== undefined && (typeof probability !== "number" || !(probability >= 0 && probability <= 1))) {
    throw new TypeError(`fault probability must be a number from 0 to 1, got ${JSON.stringify(probability)}`);
  }
  if (count !== undefined && (!Number.isSafeInteger(count) || (count as number) < 1)) {
    throw new TypeError(`fault count must be a positive integer, got ${JSON.stringify(count)}`);
  }
  if (operation !== undefined && !(OPERATIONS as readonly unknown[]).includes(operation)) {
    throw new TypeError(`fault operation must be one of ${OPERATIONS.join(", ")}, got ${JSON.stringify(operation)}`);
  }
  if (status !== undefined && (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599)) {
    throw new TypeError(`fault status must be an HTTP status code, got ${JSON.stringify(status)}`);
  }
  if (kind === "delay" && (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms))) {
    throw new TypeError(`a delay fault needs ms, a non-negative number, got ${JSON.stringify(ms)}`);
  }
  return {
    kind: kind as FaultKind,
    ...(probability === undefined ? {} : { probability: probability as number }),
    ...(count === undefined ? {} : { count: count as number }),
    ...(operation === undefined ? {} : { operation: operation as OperationName }),
    ...(status === undefined ? {} : { status: status as number }),
    ...(ms === undefined ? {} : { ms: ms as number }),
  };
}

interface Armed {
  readonly spec: FaultSpec;
  remaining: number;
}

/** The live schedule of one simulator. */
export class FaultSchedule {
  #armed: Armed[] = [];
  #random: () => number;

  /**
   * @param specs - initial faults, checked with {@link parseFaultSpec}
   * @param seed - makes `probability` draws reproducible. @default a random seed
   */
  constructor(specs: readonly FaultSpec[] = [], seed: number = Math.floor(Math.random() * 2 ** 32)) {
    this.#random = mulberry32(seed);
    this.add(specs);
  }

  /** Arms more faults after the existing ones. */
  add(specs: readonly unknown[]): void {
    for (const raw of specs) {
      const spec = parseFaultSpec(raw);
      this.#armed.push({ spec, remaining: spec.count ?? Number.POSITIVE_INFINITY });
    }
  }

  /** Disarms every fault. */
  clear(): void {
    this.#armed = [];
  }

  /** Faults still armed, with the hits they have left in `count`. */
  pending(): FaultSpec[] {
    return this.#armed.map(({ spec, remaining }) =>
      Number.isFinite(remaining) ? { ...spec, count: remaining } : { ...spec },
    );
  }

  /**
   * Decides the faults for one request and uses them up. Every `delay` that
   * fires adds up; of the other kinds, the first that fires is applied and
   * later specs are not consulted, so they keep their counts.
   */
  draw(operation: OperationName): FaultDraw {
    let delayMs = 0;
    let fault: FaultSpec | undefined;
    const fired: FaultKind[] = [];
    for (const armed of this.#armed) {
      const { spec } = armed;
      if (spec.operation !== undefined && spec.operation !== operation) continue;
      if (spec.probability !== undefined && this.#random() >= spec.probability) continue;
      armed.remaining--;
      fired.push(spec.kind);
      if (spec.kind === "delay") {
        delayMs += spec.ms ?? 0;
        continue;
      }
      fault = spec;
      break;
    }
    if (fired.length > 0) this.#armed = this.#armed.filter((a) => a.remaining > 0);
    return { delayMs, fault, fired };
  }
}
