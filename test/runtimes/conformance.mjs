/**
 * The runtime conformance script: one file, written against the public API
 * (`import ... from "mturk-bonus"`, resolved by each runtime through the
 * package's `exports` conditions), run for real inside Node, Bun, Deno and
 * workerd. It signs and sends SendBonus to a local simulator and checks:
 *
 * 1. success: paid once, `$metadata` filled in;
 * 2. a ServiceFault retried with the same token, paid once;
 * 3. a lost answer settled by MTurk's duplicate check (`alreadyGranted`);
 * 4. a RequestError with its fields (`TurkErrorCode`, `$fault`, `$metadata`, …);
 * 5. an abort mid-request (`AbortError`, `outcomeUnknown`), then settled with the token.
 *
 * Plain JavaScript (ESM) so that Node 20 runs it without a loader. Faults are
 * armed through the simulator's unsigned `POST /__control` route with the
 * runtime's own `fetch`. Nothing here may use a runtime-specific API: the
 * entry files (`cli.mjs`, `worker.mjs`) pass everything in.
 */
import { AbortError, MTurkClient, MTurkError, RequestError } from "mturk-bonus";

const WORKER = "A1RUNTIMECONFORMANCE";

/**
 * @param {{
 *   endpoint: string,
 *   credentials: { accessKeyId: string, secretAccessKey: string },
 *   transport?: "default" | "fetch",
 *   runtime: string,
 * }} config
 * @returns {Promise<{ runtime: string, transport: string, ok: boolean, cases: { name: string, ok: boolean, ms: number, error?: string, detail?: unknown }[] }>}
 */
export async function runConformance(config) {
  const { endpoint, credentials, runtime } = config;
  const transport = config.transport ?? "default";
  const options = { endpoint, credentials, maxAttempts: 3, timeoutMs: 10_000 };
  // The `fetch` option: on Node this replaces node:http; elsewhere it is what the client uses anyway.
  const client = new MTurkClient(
    transport === "fetch" ? { ...options, fetch: (input, init) => fetch(input, init) } : options,
  );

  const control = async (action) => {
    const response = await fetch(`${endpoint}/__control`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(action),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`simulator refused ${JSON.stringify(action)}: ${JSON.stringify(body)}`);
    return body;
  };
  const ledger = async () => {
    const response = await fetch(`${endpoint}/__ledger`);
    return response.json();
  };
  const paidWith = async (token) => (await ledger()).bonuses.filter((bonus) => bonus.UniqueRequestToken === token);
  const bonus = (n, extra = {}) => ({
    WorkerId: WORKER,
    AssignmentId: `3RUNTIME${runtime.toUpperCase().replace(/[^A-Z0-9]/g, "")}${n}`,
    BonusAmount: "0.25",
    Reason: `Runtime conformance (${runtime}, case ${n})`,
    ...extra,
  });

  const cases = [];
  const check = async (name, body) => {
    const started = Date.now();
    try {
      await control({ clearFaults: true });
      const detail = await body();
      cases.push({ name, ok: true, ms: Date.now() - started, detail });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      cases.push({ name, ok: false, ms: Date.now() - started, error: message });
    }
  };

  await check("success", async () => {
    const result = await client.sendBonus(bonus(1));
    expect(result.alreadyGranted === false, "alreadyGranted is false", result);
    expect(
      typeof result.UniqueRequestToken === "string" && result.UniqueRequestToken.length > 0,
      "a token was generated",
      result,
    );
    expect(result.$metadata.attempts === 1, "one attempt", result.$metadata);
    expect(result.$metadata.httpStatusCode === 200, "HTTP 200", result.$metadata);
    expect(typeof result.$metadata.requestId === "string", "a request id", result.$metadata);
    const paid = await paidWith(result.UniqueRequestToken);
    expect(paid.length === 1 && paid[0].BonusAmount === "0.25", "the simulator paid it once", paid);
    return { attempts: result.$metadata.attempts, requestId: result.$metadata.requestId };
  });

  await check("retried ServiceFault", async () => {
    await control({ faults: [{ kind: "serviceFault", count: 1, operation: "SendBonus" }] });
    const token = `conformance-servicefault-${runtime}-${Date.now()}`;
    const result = await client.sendBonus(bonus(2, { UniqueRequestToken: token }));
    expect(result.alreadyGranted === false, "paid by the retry, not reported as a duplicate", result);
    expect(result.UniqueRequestToken === token, "the caller's token is kept", result);
    expect(result.$metadata.attempts === 2, "two attempts", result.$metadata);
    expect((await paidWith(token)).length === 1, "paid once", await paidWith(token));
    return { attempts: result.$metadata.attempts, totalRetryDelay: result.$metadata.totalRetryDelay };
  });

  await check("lost answer gives alreadyGranted", async () => {
    await control({ faults: [{ kind: "lostAnswer", count: 1, operation: "SendBonus" }] });
    const before = (await ledger()).counters.byOperation.SendBonus ?? 0;
    const result = await client.sendBonus(bonus(3));
    const sent = ((await ledger()).counters.byOperation.SendBonus ?? 0) - before;
    expect(result.alreadyGranted === true, "the re-sent request met the duplicate check", result);
    expect(sent === 2, "the request reached the simulator twice", { sent });
    // Usually the client retries (2 attempts). Deno's fetch re-sends a POST whose pooled
    // connection died by itself, so the client sees one attempt answered "already processed".
    expect(result.$metadata.attempts === 2 || result.$metadata.attempts === 1, "one or two attempts", result.$metadata);
    expect(
      (await paidWith(result.UniqueRequestToken)).length === 1,
      "paid exactly once",
      await paidWith(result.UniqueRequestToken),
    );
    return { attempts: result.$metadata.attempts, requestsSeen: sent };
  });

  await check("RequestError with its fields", async () => {
    const n = 4;
    // Bind the assignment to another worker: MTurk refuses a bonus to anyone else.
    await control({ assignments: { [bonus(n).AssignmentId]: "A2SOMEONEELSE" } });
    const token = `conformance-requesterror-${runtime}-${Date.now()}`;
    const error = await rejection(client.sendBonus(bonus(n, { UniqueRequestToken: token })));
    expect(error instanceof RequestError, "instanceof RequestError", describe(error));
    expect(error instanceof MTurkError && error instanceof Error, "instanceof MTurkError and Error", describe(error));
    expect(error.name === "RequestError", "name", describe(error));
    expect(error.TurkErrorCode === "AWS.MechanicalTurk.WorkerAssignmentMismatch", "TurkErrorCode", describe(error));
    expect(error.$fault === "client", "$fault is client", describe(error));
    expect(error.$retryable === undefined, "not retryable", describe(error));
    expect(error.$metadata.httpStatusCode === 400, "HTTP 400", describe(error));
    expect(typeof error.$metadata.requestId === "string", "request id", describe(error));
    expect(error.$metadata.attempts === 1, "not retried", describe(error));
    expect(error.UniqueRequestToken === token, "carries the token", describe(error));
    expect(error.outcomeUnknown === false, "outcome known", describe(error));
    expect(/did not work on assignment/.test(error.message), "MTurk's message", describe(error));
    expect(!JSON.stringify(error).includes(credentials.secretAccessKey), "no secret in JSON", describe(error));
    expect((await paidWith(token)).length === 0, "nothing paid", null);
    return { TurkErrorCode: error.TurkErrorCode, httpStatusCode: error.$metadata.httpStatusCode };
  });

  await check("abort mid-request, then settle with the token", async () => {
    // The simulator pays at once and holds the answer back: the abort lands while the request is in flight.
    await control({ faults: [{ kind: "delay", ms: 5_000, count: 1, operation: "SendBonus" }] });
    const controller = new AbortController();
    const started = Date.now();
    const timer = setTimeout(() => controller.abort(new Error("conformance abort")), 150);
    let error;
    try {
      error = await rejection(client.sendBonus(bonus(5), { signal: controller.signal }));
    } finally {
      clearTimeout(timer);
    }
    const elapsed = Date.now() - started;
    expect(error instanceof AbortError && error instanceof MTurkError, "instanceof AbortError", describe(error));
    expect(error.name === "AbortError", "name", describe(error));
    expect(elapsed < 3_000, `stopped promptly (${elapsed} ms), not after the 5 s answer`, describe(error));
    expect(error.outcomeUnknown === true, "outcomeUnknown: the request was sent", describe(error));
    expect(typeof error.UniqueRequestToken === "string", "carries the token", describe(error));
    const settled = await client.sendBonus(bonus(5, { UniqueRequestToken: error.UniqueRequestToken }));
    expect(settled.alreadyGranted === true, "re-sending the token reports it paid", settled);
    expect(
      (await paidWith(error.UniqueRequestToken)).length === 1,
      "paid exactly once",
      await paidWith(error.UniqueRequestToken),
    );
    return { abortedAfterMs: elapsed };
  });

  await client.destroy();
  return { runtime, transport, ok: cases.length === 5 && cases.every((c) => c.ok), cases };
}

/** Resolves to the rejection reason; fails if the promise fulfils. */
async function rejection(promise) {
  let value;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

function describe(error) {
  if (error instanceof MTurkError) return error.toJSON();
  return error instanceof Error ? { name: error.name, message: error.message } : error;
}

function expect(condition, what, actual) {
  if (!condition) throw new Error(`${what}; got ${JSON.stringify(actual)}`);
}
