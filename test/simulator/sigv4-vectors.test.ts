/**
 * The simulator's SigV4 against AWS's published test suite
 * (test/fixtures/sigv4-test-suite): canonical request, string to sign,
 * Authorization header, and verification of each signed request.
 */
import { describe, expect, it } from "vitest";
import {
  authorizationHeader,
  canonicalRequest,
  computeSignature,
  credentialScope,
  deriveSigningKey,
  parseAuthorization,
  sha256Hex,
  stringToSign,
  verifyRequest,
} from "../../src/simulator/sigv4.js";
import { caseNames, readCase, SUITE } from "../helpers/aws-suite.js";

const KEY = { accessKeyId: SUITE.accessKeyId, secretAccessKey: SUITE.secretAccessKey };
const SIGNED_AT = SUITE.date.getTime();
const DATE = SUITE.amzDate.slice(0, 8);

const vectors = caseNames().map(readCase);

describe("AWS SigV4 test suite", () => {
  it("finds the published vectors", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(24);
  });

  describe.each(vectors)("$name", (vector) => {
    const auth = parseAuthorization(vector.authz);
    if (typeof auth === "string") throw new Error(auth);
    const canonical = canonicalRequest({
      method: vector.method,
      path: vector.path,
      query: vector.query,
      headers: vector.headers,
      signedHeaders: auth.signedHeaders,
      payloadHash: sha256Hex(vector.body),
    });
    const scope = credentialScope(DATE, SUITE.region, SUITE.service);
    const toSign = stringToSign(SUITE.amzDate, scope, canonical);
    const signature = computeSignature(
      deriveSigningKey(KEY.secretAccessKey, DATE, SUITE.region, SUITE.service),
      toSign,
    );

    it("builds the published canonical request", () => {
      expect(canonical).toBe(vector.creq);
    });

    it("builds the published string to sign", () => {
      expect(toSign).toBe(vector.sts);
    });

    it("computes the published Authorization header", () => {
      expect(authorizationHeader(KEY.accessKeyId, scope, auth.signedHeaders, signature)).toBe(vector.authz);
    });

    it(
      vector.name === "post-sts-header-after"
        ? "refuses the signed request, whose session token is not signed"
        : "accepts the published signed request",
      () => {
        const signed = vector.signed();
        const verdict = verifyRequest(
          { method: signed.method, url: signed.url, headers: signed.headers, body: signed.body },
          {
            credentials: vector.name.startsWith("post-sts-") ? { ...KEY, sessionToken: SUITE.sessionToken } : KEY,
            region: SUITE.region,
            service: SUITE.service,
            now: SIGNED_AT,
          },
        );
        if (vector.name === "post-sts-header-after") {
          expect(verdict).toMatchObject({ ok: false, error: { type: "InvalidSignatureException" } });
        } else {
          expect(verdict).toEqual({ ok: true, accessKeyId: SUITE.accessKeyId });
        }
      },
    );
  });
});
