/**
 * `mockMTurkClient()`: stubbed results without HTTP, for apps whose tests
 * care about what they do with MTurk's answers rather than the wire. Every
 * `MTurkClient` (or one instance) answers from the stubs until `restore()`.
 * Inputs are still validated as the real client does, so a float amount
 * fails in the test as it would in production.
 */
import type { CallOptions } from "./client.js";
import type {
  GetAccountBalanceOutput,
  ListBonusPaymentsInput,
  ListBonusPaymentsOutput,
  SendBonusInput,
  SendBonusOutput,
} from "./model.js";
import type { ResponseMetadata } from "./errors.js";
import { MTurkClient } from "./index.js";
import { validateListBonusPayments, validateSendBonus } from "./validate.js";

/** The operations a mock answers, with their input and output types. */
export interface MockedOperations {
  sendBonus: { input: SendBonusInput; output: SendBonusOutput };
  getAccountBalance: { input: undefined; output: GetAccountBalanceOutput };
  listBonusPayments: { input: ListBonusPaymentsInput; output: ListBonusPaymentsOutput };
}

export type MockedOperation = keyof MockedOperations;

/** One recorded call. */
export interface MockCall<K extends MockedOperation> {
  readonly input: MockedOperations[K]["input"];
  readonly options: CallOptions | undefined;
}

type Output<K extends MockedOperation> = MockedOperations[K]["output"];
/** What a stub may give: the output, with `$metadata` and (for sendBonus) the token filled in when left out. */
type PartialOutput<K extends MockedOperation> = Partial<Output<K>>;
type Behaviour<K extends MockedOperation> = (
  input: MockedOperations[K]["input"],
) => PartialOutput<K> | Promise<PartialOutput<K>>;

interface Rule<K extends MockedOperation> {
  readonly match: Partial<Record<string, unknown>> | undefined;
  readonly once: Behaviour<K>[];
  always: Behaviour<K> | undefined;
}

/** Chainable stubs for one operation (and, optionally, inputs that match). */
export interface StubBuilder<K extends MockedOperation> {
  /** Every matching call resolves with this (defaults fill in `$metadata`, and sendBonus's token). */
  resolves(output?: PartialOutput<K>): StubBuilder<K>;
  /** The next matching call resolves with this; later ones fall through to the next stub. */
  resolvesOnce(output?: PartialOutput<K>): StubBuilder<K>;
  /** Every matching call rejects with this error. */
  rejects(error: unknown): StubBuilder<K>;
  /** The next matching call rejects with this error. */
  rejectsOnce(error: unknown): StubBuilder<K>;
  /** Every matching call is answered by this function. */
  callsFake(fake: Behaviour<K>): StubBuilder<K>;
}

/** What {@link mockMTurkClient} returns. */
export interface MTurkClientMock {
  /** Stubs an operation; with `input`, only calls whose input has these fields (the newest matching stub wins). */
  on<K extends MockedOperation>(operation: K, input?: Partial<MockedOperations[K]["input"]>): StubBuilder<K>;
  /** The calls made so far to an operation, oldest first. */
  calls<K extends MockedOperation>(operation: K): ReadonlyArray<MockCall<K>>;
  /** Forgets every stub and call. */
  reset(): void;
  /** Puts the real methods back. */
  restore(): void;
}

const METADATA: ResponseMetadata = {
  httpStatusCode: 200,
  requestId: "00000000-0000-4000-8000-000000000000",
  attempts: 1,
  totalRetryDelay: 0,
};

function defaults<K extends MockedOperation>(
  operation: K,
  input: MockedOperations[K]["input"],
  given: PartialOutput<K>,
  count: number,
): Output<K> {
  const $metadata = { ...METADATA, ...(given as { $metadata?: ResponseMetadata }).$metadata };
  if (operation === "sendBonus") {
    const token = (input as SendBonusInput).UniqueRequestToken ?? `mock-token-${count}`;
    return { UniqueRequestToken: token, alreadyGranted: false, ...given, $metadata } as Output<K>;
  }
  if (operation === "getAccountBalance") return { AvailableBalance: "10000.00", ...given, $metadata } as Output<K>;
  const list = given as Partial<ListBonusPaymentsOutput>;
  return { BonusPayments: [], NumResults: list.BonusPayments?.length ?? 0, ...given, $metadata } as Output<K>;
}

function matches(match: Partial<Record<string, unknown>> | undefined, input: unknown): boolean {
  if (match === undefined) return true;
  const record = (input ?? {}) as Record<string, unknown>;
  return Object.entries(match).every(([key, value]) => record[key] === value);
}

type Target = { sendBonus: unknown; getAccountBalance: unknown; listBonusPayments: unknown };

/** The chainable `.resolves()`/`.rejects()` of one stub: each records its answer and returns the builder, as in aws-sdk-client-mock. */
function stubBuilder<K extends MockedOperation>(rule: Rule<K>): StubBuilder<K> {
  const self: StubBuilder<K> = {
    resolves: (output = {}) => {
      rule.always = () => output;
      return self;
    },
    resolvesOnce: (output = {}) => {
      rule.once.push(() => output);
      return self;
    },
    rejects: (error) => {
      rule.always = () => Promise.reject(error);
      return self;
    },
    rejectsOnce: (error) => {
      rule.once.push(() => Promise.reject(error));
      return self;
    },
    callsFake: (fake) => {
      rule.always = fake;
      return self;
    },
  };
  return self;
}

/**
 * Answers `sendBonus`, `getAccountBalance` and `listBonusPayments` (and so
 * `paginateBonusPayments`) from stubs, without HTTP: for every `MTurkClient`
 * (the default), or for one client instance. A call with no stub rejects,
 * naming the operation, so nothing passes by accident.
 *
 * @example
 * ```ts
 * const mturk = mockMTurkClient();
 * mturk.on("sendBonus").resolves({ alreadyGranted: false });
 * mturk.on("sendBonus", { WorkerId: "A2" }).rejects(new RequestError({ message: "not your worker" }));
 * await payEveryone();                       // your code, with its own MTurkClient
 * expect(mturk.calls("sendBonus")).toHaveLength(3);
 * mturk.restore();
 * ```
 */
export function mockMTurkClient(target: MTurkClient | typeof MTurkClient = MTurkClient): MTurkClientMock {
  const host = (typeof target === "function" ? target.prototype : target) as unknown as Target;
  const rules: { [K in MockedOperation]: Rule<K>[] } = { sendBonus: [], getAccountBalance: [], listBonusPayments: [] };
  const recorded: { [K in MockedOperation]: MockCall<K>[] } = {
    sendBonus: [],
    getAccountBalance: [],
    listBonusPayments: [],
  };
  const saved = new Map<MockedOperation, PropertyDescriptor | undefined>();

  async function answer<K extends MockedOperation>(
    operation: K,
    input: MockedOperations[K]["input"],
    options: CallOptions | undefined,
  ): Promise<Output<K>> {
    (recorded[operation] as MockCall<K>[]).push({ input, options });
    const count = recorded[operation].length;
    for (const rule of [...(rules[operation] as Rule<K>[])].reverse()) {
      if (!matches(rule.match, input)) continue;
      const behaviour = rule.once.shift() ?? rule.always;
      if (behaviour === undefined) continue;
      return defaults(operation, input, await behaviour(input), count);
    }
    throw new Error(
      `mockMTurkClient: no stub answers ${operation}(${input === undefined ? "" : JSON.stringify(input)}); add one with .on("${operation}").resolves(…)`,
    );
  }

  const methods: { [K in MockedOperation]: (...args: never[]) => Promise<Output<K>> } = {
    sendBonus: async (input: SendBonusInput, options?: CallOptions) => {
      validateSendBonus(input);
      return answer("sendBonus", input, options);
    },
    getAccountBalance: async (options?: CallOptions) => answer("getAccountBalance", undefined, options),
    listBonusPayments: async (input: ListBonusPaymentsInput, options?: CallOptions) => {
      validateListBonusPayments(input);
      return answer("listBonusPayments", input, options);
    },
  };
  for (const name of Object.keys(methods) as MockedOperation[]) {
    saved.set(name, Object.getOwnPropertyDescriptor(host, name));
    Object.defineProperty(host, name, { value: methods[name], configurable: true, writable: true });
  }

  return {
    on(operation, input) {
      const rule = { match: input as Partial<Record<string, unknown>> | undefined, once: [], always: undefined };
      (rules[operation] as unknown[]).push(rule);
      return stubBuilder(rule as never);
    },
    calls: (operation) => recorded[operation] as never,
    reset() {
      for (const name of Object.keys(rules) as MockedOperation[]) {
        rules[name].length = 0;
        recorded[name].length = 0;
      }
    },
    restore() {
      for (const [name, descriptor] of saved) {
        if (descriptor === undefined) delete (host as Record<string, unknown>)[name];
        else Object.defineProperty(host, name, descriptor);
      }
      saved.clear();
    },
  };
}
