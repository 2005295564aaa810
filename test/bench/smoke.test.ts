/**
 * The benchmark's ceiling client signs with its own minimal SigV4 code; the
 * benchmark only means something if the simulator accepts those signatures
 * (and rejects a tampered one), exactly as it does the library's. No timing here.
 */
import { describe, expect, it } from "vitest";
import { ceilingBody, ceilingSigner } from "../../scripts/bench/ceiling.mjs";
import { verifyRequest } from "../../src/simulator/sigv4.js";

const credentials = { accessKeyId: "AKIDBENCHSMOKE000001", secretAccessKey: "bench/smoke/secret/0000000000000000000" };
const bonus = {
  WorkerId: "A1BENCHMARKWORKER",
  BonusAmount: "0.01",
  AssignmentId: "3BENCHMARKASSIGNMENT0000000001",
  Reason: "Benchmark bonus",
};
const host = "127.0.0.1:8443";
const config = { credentials, region: "us-east-1", service: "mturk-requester" };

describe("bench ceiling signer", () => {
  it("is accepted by the simulator's verifier, across a day boundary", () => {
    const sign = ceilingSigner(credentials, host);
    // The second date is on the next day: the cached signing key must be re-derived.
    for (const now of [Date.UTC(2026, 0, 1, 23, 59, 59, 500), Date.UTC(2026, 0, 2, 0, 0, 1)]) {
      const body = ceilingBody(bonus, `token-${now}`);
      const verdict = verifyRequest({ method: "POST", url: "/", headers: sign(body, now), body }, { ...config, now });
      expect(verdict).toEqual({ ok: true, accessKeyId: credentials.accessKeyId });
    }
  });

  it("is refused when the body changes after signing", () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const headers = ceilingSigner(credentials, host)(ceilingBody(bonus, "token-a"), now);
    const verdict = verifyRequest(
      { method: "POST", url: "/", headers, body: ceilingBody(bonus, "token-b") },
      { ...config, now },
    );
    expect(verdict.ok).toBe(false);
  });
});
