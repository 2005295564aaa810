/** The unsigned AWS JSON 1.1 request: body serialization and the request shape handed to the signer. */
import { describe, expect, it } from "vitest";
import { resolveEndpoint } from "../../src/endpoint.js";
import {
  buildRequest,
  CONTENT_TYPE,
  serializeListBonusPayments,
  serializeSendBonus,
  TARGET_PREFIX,
} from "../../src/request.js";

const base = { WorkerId: "A1", BonusAmount: "1.50", AssignmentId: "3X", Reason: "r", UniqueRequestToken: "t" };

describe("serializeSendBonus", () => {
  it("writes the members in the model's order whatever the input order", () => {
    const shuffled = { UniqueRequestToken: "t", Reason: "r", AssignmentId: "3X", BonusAmount: "1.50", WorkerId: "A1" };
    expect(serializeSendBonus(shuffled)).toBe(
      '{"WorkerId":"A1","BonusAmount":"1.50","AssignmentId":"3X","Reason":"r","UniqueRequestToken":"t"}',
    );
  });

  it("keeps the amount a string", () => {
    expect(JSON.parse(serializeSendBonus(base)).BonusAmount).toBe("1.50");
  });

  it("escapes a Reason with quotes and newlines as JSON", () => {
    expect(JSON.parse(serializeSendBonus({ ...base, Reason: 'a "b"\nc' })).Reason).toBe('a "b"\nc');
  });

  it("drops fields that are not in the model", () => {
    expect(Object.keys(JSON.parse(serializeSendBonus({ ...base, Extra: "x" } as typeof base)))).not.toContain("Extra");
  });
});

describe("serializeListBonusPayments", () => {
  it("omits absent members", () => {
    expect(serializeListBonusPayments({ AssignmentId: "3X" })).toBe('{"AssignmentId":"3X"}');
  });

  it("writes MaxResults as a number and NextToken", () => {
    expect(serializeListBonusPayments({ AssignmentId: "3X", MaxResults: 5, NextToken: "n" })).toBe(
      '{"AssignmentId":"3X","MaxResults":5,"NextToken":"n"}',
    );
  });
});

describe("buildRequest", () => {
  const endpoint = resolveEndpoint({ endpoint: "http://127.0.0.1:8080/prefix/" });

  it("is a POST to the endpoint's path with host, content type and target", () => {
    expect(buildRequest(endpoint, "SendBonus", "{}")).toEqual({
      method: "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 8080,
      path: "/prefix/",
      query: {},
      headers: { host: "127.0.0.1:8080", "content-type": CONTENT_TYPE, "x-amz-target": `${TARGET_PREFIX}.SendBonus` },
      body: "{}",
    });
  });

  it("uses the AWS JSON 1.1 content type and the 2017-01-17 target prefix", () => {
    expect(CONTENT_TYPE, "CONTENT_TYPE").toBe("application/x-amz-json-1.1");
    expect(TARGET_PREFIX, "TARGET_PREFIX").toBe("MTurkRequesterServiceV20170117");
  });

  it("builds a fresh headers object each time", () => {
    const first = buildRequest(endpoint, "SendBonus", "{}");
    first.headers.authorization = "x";
    expect(buildRequest(endpoint, "SendBonus", "{}").headers).not.toHaveProperty("authorization");
  });

  it("uses the bare host name for the default port", () => {
    expect(buildRequest(resolveEndpoint({}), "GetAccountBalance", "{}").headers.host).toBe(
      "mturk-requester.us-east-1.amazonaws.com",
    );
  });
});
