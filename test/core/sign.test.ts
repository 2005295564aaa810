/** RequestSigner, checked against the independent SigV4 oracle (src/simulator/sigv4.ts). */
import { Sha256 } from "@aws-crypto/sha256-js";
import { describe, expect, it } from "vitest";
import { resolveEndpoint } from "../../src/endpoint.js";
import type { HashConstructor, SourceData } from "../../src/hash.js";
import { NodeSha256 } from "../../src/hash-node.js";
import { WebSha256 } from "../../src/hash-web.js";
import { buildRequest, type UnsignedRequest } from "../../src/request.js";
import { RequestSigner, SIGNING_SERVICE } from "../../src/sign.js";
import { CREDENTIALS, SESSION_CREDENTIALS } from "./helpers/fixtures.js";
import { specAuthorization } from "../helpers/spec-signature.js";

const DATE = new Date("2026-03-04T05:06:07Z");
const AMZ_DATE = "20260304T050607Z";
const BODY = '{"WorkerId":"A1","BonusAmount":"1.50","AssignmentId":"3X","Reason":"r","UniqueRequestToken":"t"}';

function request(): UnsignedRequest {
  return buildRequest(resolveEndpoint({ sandbox: true }), "SendBonus", BODY);
}

function expected(
  headers: Record<string, string>,
  credentials = CREDENTIALS,
  region = "us-east-1",
  amzDate = AMZ_DATE,
  path = "/",
): string {
  const sent = Object.entries(headers).filter(([name]) => name !== "authorization");
  return specAuthorization(
    { method: "POST", path, headers: sent, body: BODY },
    sent.map(([name]) => name),
    { credentials, amzDate, region },
  );
}

describe.each<[string, HashConstructor]>([
  ["NodeSha256", NodeSha256],
  ["Sha256", Sha256 as unknown as HashConstructor],
  ["WebSha256", WebSha256],
])("RequestSigner with %s", (_name, hash) => {
  it("produces the Authorization the specification gives", async () => {
    const headers = await new RequestSigner("us-east-1", hash).sign(request(), CREDENTIALS, DATE);
    expect(headers.authorization).toBe(expected(headers));
  });

  it("dates the request with the given date", async () => {
    const headers = await new RequestSigner("us-east-1", hash).sign(request(), CREDENTIALS, DATE);
    expect(headers["x-amz-date"]).toBe(AMZ_DATE);
  });

  it("signs a session token", async () => {
    const headers = await new RequestSigner("us-east-1", hash).sign(request(), SESSION_CREDENTIALS, DATE);
    expect(headers["x-amz-security-token"], 'headers["x-amz-security-token"]').toEqual(
      SESSION_CREDENTIALS.sessionToken,
    );
    expect(headers.authorization, "headers.authorization").toEqual(expected(headers, SESSION_CREDENTIALS));
  });

  it("uses the configured region in the scope", async () => {
    const headers = await new RequestSigner("us-west-2", hash).sign(request(), CREDENTIALS, DATE);
    expect(headers.authorization).toBe(expected(headers, CREDENTIALS, "us-west-2"));
  });

  it("switches keys when the credentials change", async () => {
    const signer = new RequestSigner("us-east-1", hash);
    await signer.sign(request(), CREDENTIALS, DATE);
    const headers = await signer.sign(request(), SESSION_CREDENTIALS, DATE);
    expect(headers.authorization).toBe(expected(headers, SESSION_CREDENTIALS));
  });

  it("switches keys when only the secret changes", async () => {
    const signer = new RequestSigner("us-east-1", hash);
    await signer.sign(request(), CREDENTIALS, DATE);
    const rotated = { ...CREDENTIALS, secretAccessKey: "rotated-secret" };
    const headers = await signer.sign(request(), rotated, DATE);
    expect(headers.authorization).toBe(expected(headers, rotated));
  });

  it("is not fooled by credentials mutated after use", async () => {
    const signer = new RequestSigner("us-east-1", hash);
    const credentials = { ...CREDENTIALS };
    await signer.sign(request(), credentials, DATE);
    credentials.secretAccessKey = "mutated-secret";
    const headers = await signer.sign(request(), credentials, DATE);
    expect(headers.authorization).toBe(expected(headers, credentials));
  });

  it("signs the request it was given in place and returns its headers", async () => {
    const fresh = request();
    const headers = await new RequestSigner("us-east-1", hash).sign(fresh, CREDENTIALS, DATE);
    expect(headers).toBe(fresh.headers);
    expect(Object.keys(fresh.headers)).toEqual(["host", "content-type", "x-amz-target", "x-amz-date", "authorization"]);
  });

  it("signs a proxy endpoint's path", async () => {
    const proxied = buildRequest(
      resolveEndpoint({ endpoint: "https://proxy.example.com/mturk/v1" }),
      "SendBonus",
      BODY,
    );
    const headers = await new RequestSigner("us-east-1", hash).sign(proxied, CREDENTIALS, DATE);
    // The operation's URI `/` is appended to the endpoint's path (Smithy's AwsJson11HostWithPath).
    expect(headers.authorization).toBe(expected(headers, CREDENTIALS, "us-east-1", AMZ_DATE, "/mturk/v1/"));
  });

  it("signs header values trimmed, with inner runs of whitespace as one space", async () => {
    const untidy = request();
    untidy.headers["x-amz-meta-note"] = "  a   b\t c  ";
    const headers = await new RequestSigner("us-east-1", hash).sign(untidy, CREDENTIALS, DATE);
    expect(headers.authorization).toBe(expected(headers));
  });

  it("dates each request by its own second", async () => {
    const signer = new RequestSigner("us-east-1", hash);
    const first = (await signer.sign(request(), CREDENTIALS, DATE))["x-amz-date"];
    const same = (await signer.sign(request(), CREDENTIALS, new Date(DATE.getTime() + 999)))["x-amz-date"];
    const next = (await signer.sign(request(), CREDENTIALS, new Date(DATE.getTime() + 1000)))["x-amz-date"];
    expect(first, "first").toEqual(AMZ_DATE);
    expect(same, "same").toEqual(AMZ_DATE);
    expect(next, "next").toBe("20260304T050608Z");
  });

  it("derives a new signing key when the day changes", async () => {
    const signer = new RequestSigner("us-east-1", hash);
    await signer.sign(request(), CREDENTIALS, DATE);
    const headers = await signer.sign(request(), CREDENTIALS, new Date(DATE.getTime() + 86_400_000));
    expect(headers.authorization).toBe(expected(headers, CREDENTIALS, "us-east-1", "20260305T050607Z"));
  });
});

describe("RequestSigner with NodeSha256, once the day's key is derived", () => {
  it("signs at once, without a promise, as the specification gives", async () => {
    const signer = new RequestSigner("us-east-1", NodeSha256);
    // The first request of a day derives the key, through a promise.
    expect(signer.sign(request(), CREDENTIALS, DATE)).toBeInstanceOf(Promise);
    await signer.sign(request(), CREDENTIALS, DATE);
    // The same key pair with a session token: the same derived key.
    const withToken = { ...CREDENTIALS, sessionToken: "FQoGZXIvYXdzEJr//////////wEaDOKEN" };
    const headers = signer.sign(request(), withToken, DATE);
    expect(headers).not.toBeInstanceOf(Promise);
    const signed = headers as Record<string, string>;
    expect(signed["x-amz-security-token"]).toBe(withToken.sessionToken);
    expect(signed.authorization).toBe(expected(signed, withToken));
  });

  it("signs as the promised path does, byte for byte", async () => {
    const promised = await new RequestSigner("us-east-1", Sha256 as unknown as HashConstructor).sign(
      request(),
      CREDENTIALS,
      DATE,
    );
    const signer = new RequestSigner("us-east-1", NodeSha256);
    await signer.sign(request(), CREDENTIALS, DATE);
    expect(signer.sign(request(), CREDENTIALS, DATE)).toEqual(promised);
  });
});

it("signs for the mturk-requester service", () => {
  expect(SIGNING_SERVICE).toBe("mturk-requester");
});

it("derives the signing key again after a failed derivation", async () => {
  let failures = 1;
  // Fails the first keyed HMAC: the first step of deriving the signing key.
  class FlakyHash extends NodeSha256 {
    readonly #keyed: boolean;
    constructor(secret?: SourceData) {
      super(secret);
      this.#keyed = secret !== undefined;
    }
    override digest(): Promise<Uint8Array> {
      if (this.#keyed && failures > 0) {
        failures--;
        return Promise.reject(new Error("hash unavailable"));
      }
      return super.digest();
    }
  }
  const signer = new RequestSigner("us-east-1", FlakyHash);
  await expect(signer.sign(request(), CREDENTIALS, DATE)).rejects.toThrow("hash unavailable");
  const headers = await signer.sign(request(), CREDENTIALS, DATE);
  expect(headers.authorization).toBe(expected(headers));
});
