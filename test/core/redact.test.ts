/** The redactor that scrubs secrets and signatures from text taken off the network. */
import { describe, expect, it } from "vitest";
import { redactor } from "../../src/redact.js";
import { SESSION_CREDENTIALS } from "./helpers/fixtures.js";

const redact = redactor(SESSION_CREDENTIALS);
const SIG = "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b";

describe("redactor", () => {
  it("removes the secret key", () => {
    expect(redact(`key=${SESSION_CREDENTIALS.secretAccessKey};`)).toBe("key=[REDACTED];");
  });

  it("removes every occurrence of the session token", () => {
    expect(redact(`${SESSION_CREDENTIALS.sessionToken} and ${SESSION_CREDENTIALS.sessionToken}`)).toBe(
      "[REDACTED] and [REDACTED]",
    );
  });

  it("removes a bare Signature= value", () => {
    expect(redact(`Signature=${SIG}`)).toBe("Signature=[REDACTED]");
  });

  it("removes a presigned X-Amz-Signature", () => {
    expect(redact(`?X-Amz-Signature=${SIG}&a=1`)).toBe("?X-Amz-Signature=[REDACTED]&a=1");
  });

  it("removes a whole Authorization header value", () => {
    const text = `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/mturk-requester/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}\nnext line`;
    expect(redact(text)).toBe("Authorization: [REDACTED]\nnext line");
  });

  it("removes an Authorization value quoted in JSON", () => {
    const text = JSON.stringify({
      authorization: `AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=${SIG}`,
      other: 1,
    });
    expect(redact(text)).toBe('{"authorization":"[REDACTED]","other":1}');
  });

  it("removes a secret echoed JSON-escaped with escaped slashes", () => {
    const secret = "wJalr/K7MDENG+bPxRfi";
    const echoed = JSON.stringify({ key: secret }).replaceAll("/", "\\/");
    expect(redactor({ accessKeyId: "AKID", secretAccessKey: secret })(echoed)).toBe('{"key":"[REDACTED]"}');
  });

  it("removes a secret echoed URL-encoded", () => {
    const secret = "wJalr/K7MDENG+bPxRfi";
    expect(redactor({ accessKeyId: "AKID", secretAccessKey: secret })(`?key=${encodeURIComponent(secret)}&x=1`)).toBe(
      "?key=[REDACTED]&x=1",
    );
  });

  it("leaves ordinary text alone", () => {
    expect(redact("Assignment 3X1F does not exist. (1698330947012 s)")).toBe(
      "Assignment 3X1F does not exist. (1698330947012 s)",
    );
  });

  it("still removes signatures without credentials", () => {
    expect(redactor(undefined)(`Signature=${SIG}`)).toBe("Signature=[REDACTED]");
  });

  it("does not blank out text for a secret shorter than 4 characters", () => {
    expect(redactor({ accessKeyId: "a", secretAccessKey: "e" })("hello")).toBe("hello");
  });
});
