/**
 * The AWS JSON 1.1 protocol cases of the ecosystem's public suites
 * (`cases/protocol.ts`), run against the client on both transports.
 */
import { describe, expect, it } from "vitest";
import type { MTurkError } from "../../src/errors.js";
import { TRANSPORTS, useFakeMTurk } from "../core/helpers/fake-mturk.js";
import { bonusInput } from "../core/helpers/fixtures.js";
import { REQUEST_CASES, RESPONSE_CASES, type RequestCase, type ResponseCase } from "./cases/protocol.js";
import { cite } from "./sources.js";

const title = (c: { id: string; source: { repo: string; path: string; commit: string } }) =>
  `${c.id} (${cite(c.source)})`;
const runnable = <T extends { skip?: string }>(cases: T[]) => cases.filter((c) => c.skip === undefined);
const skipped = <T extends { skip?: string }>(cases: T[]) => cases.filter((c) => c.skip !== undefined);

describe.each(TRANSPORTS)("AWS JSON 1.1 conformance over %s", (transport) => {
  const mturk = useFakeMTurk(transport);

  describe("answers", () => {
    it.each(runnable(RESPONSE_CASES).map((c) => [title(c), c] as const))("%s", async (_title, c: ResponseCase) => {
      mturk.reply({ status: c.status, headers: c.headers ?? {}, body: c.body ?? "" });
      const client = mturk.client({ maxAttempts: 1 });
      if (c.error === undefined) {
        const output = await client.sendBonus(bonusInput());
        expect(output.alreadyGranted, "output.alreadyGranted").toBe(false);
        expect(output.settledBy, "output.settledBy").toBe("response");
        expect(output.$metadata.httpStatusCode, "output.$metadata.httpStatusCode").toEqual(c.status);
        return;
      }
      const error = (await client.getAccountBalance().catch((e: unknown) => e)) as MTurkError;
      expect(error.name).toBe(c.error.name);
      if (c.error.$fault !== undefined) expect(error.$fault).toBe(c.error.$fault);
      if (c.error.message !== undefined) expect(error.message, "error.message").toEqual(c.error.message);
      if (c.error.message !== undefined) expect(error.Message, "error.Message").toEqual(c.error.message);
      expect(error.$metadata.httpStatusCode).toBe(c.status);
    });

    it.skip.each(skipped(RESPONSE_CASES).map((c) => [title(c), c.skip] as const))("%s — skipped: %s", () => undefined);
  });

  describe("requests", () => {
    it.each(runnable(REQUEST_CASES).map((c) => [title(c), c] as const))("%s", async (_title, c: RequestCase) => {
      mturk.reply({
        status: 200,
        headers: { "content-type": "application/x-amz-json-1.1" },
        body: '{"AvailableBalance":"1.00"}',
      });
      const client = mturk.client({ endpoint: `${mturk.endpoint}${c.endpointPath}` });
      if (c.operation === "SendBonus") await client.sendBonus(bonusInput());
      else await client.getAccountBalance();
      const sent = mturk.requests[0]!;
      expect(sent.method).toBe(c.expect.method);
      expect(sent.path).toBe(c.expect.path);
      expect(sent.headers).toMatchObject(
        Object.fromEntries(Object.entries(c.expect.headers).map(([k, v]) => [k.toLowerCase(), v])),
      );
      if (c.expect.body !== undefined) expect(sent.body).toBe(c.expect.body);
    });
  });
});
