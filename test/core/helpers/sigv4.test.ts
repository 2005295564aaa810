/** The test oracle itself, checked against AWS's published SigV4 vectors before anything relies on it. */
import { describe, expect, it } from "vitest";
import { GET_CASES, POST_CASES, readCase, SUITE } from "./aws-suite.js";
import { authorization, canonicalRequest, parseAuthorization, stringToSign } from "./sigv4.js";

const scope = { secretAccessKey: SUITE.secretAccessKey, amzDate: SUITE.amzDate, region: SUITE.region, service: SUITE.service };

describe.each([...POST_CASES, ...GET_CASES])("independent SigV4 helper on the AWS suite case %s", (name) => {
  const suiteCase = readCase(name);
  const signed = parseAuthorization(suiteCase.authz).signedHeaders;

  it("builds the suite's canonical request", () => {
    expect(canonicalRequest(suiteCase, signed)).toBe(suiteCase.creq);
  });

  it("builds the suite's string to sign", () => {
    expect(stringToSign(canonicalRequest(suiteCase, signed), scope)).toBe(suiteCase.sts);
  });

  it("produces the suite's Authorization header", () => {
    expect(authorization(suiteCase, signed, { ...scope, accessKeyId: SUITE.accessKeyId })).toBe(suiteCase.authz);
  });
});
