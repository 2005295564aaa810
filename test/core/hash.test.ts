/**
 * The hash classes the builds use (`NodeSha256` for Node, `WebSha256` over
 * WebCrypto for edge) and @aws-crypto/sha256-js's `Sha256` (what the edge
 * build used before, and what `identity.ts` uses) against the same published vectors:
 * NIST SHA-256, RFC 4231 HMAC-SHA-256, and the AWS SigV4 suite signed
 * through @smithy/signature-v4 with each hash.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import type { HashConstructor } from "../../src/hash.js";
import { NodeSha256 } from "../../src/hash-node.js";
import { WebSha256 } from "../../src/hash-web.js";
import { POST_CASES, readCase, SUITE } from "../helpers/aws-suite.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const bytes = (hexText: string): Uint8Array => new Uint8Array(Buffer.from(hexText, "hex"));
const repeat = (byte: number, count: number): Uint8Array => new Uint8Array(count).fill(byte);

/** FIPS 180-2 / NIST CSRC example vectors. */
const NIST: Array<[string, string | Uint8Array, string]> = [
  ["empty message", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ['"abc"', "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  [
    "448-bit message",
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  ],
  [
    "896-bit message",
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
  ],
  ["one million 'a'", repeat(0x61, 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
];

/** RFC 4231 section 4 test cases 1–7 (case 5 is truncated to 128 bits). */
const RFC4231: Array<[string, Uint8Array | string, Uint8Array | string, string]> = [
  ["case 1", repeat(0x0b, 20), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
  [
    "case 2",
    "Jefe",
    "what do ya want for nothing?",
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  ],
  ["case 3", repeat(0xaa, 20), repeat(0xdd, 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
  [
    "case 4",
    bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"),
    repeat(0xcd, 50),
    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
  ],
  ["case 5 (truncated)", repeat(0x0c, 20), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"],
  [
    "case 6",
    repeat(0xaa, 131),
    "Test Using Larger Than Block-Size Key - Hash Key First",
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  ],
  [
    "case 7",
    repeat(0xaa, 131),
    "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  ],
];

const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === "string" ? new TextEncoder().encode(data) : data;

async function digestHex(Hash: HashConstructor, data: string | Uint8Array, key?: string | Uint8Array): Promise<string> {
  const hash = new Hash(key);
  hash.update(toBytes(data));
  return hex(await hash.digest());
}

const CLASSES: Array<[string, HashConstructor]> = [
  ["NodeSha256", NodeSha256],
  ["@aws-crypto/sha256-js Sha256", Sha256 as unknown as HashConstructor],
  ["WebSha256", WebSha256],
];

describe("NodeSha256.hex, the signer's synchronous path", () => {
  it.each(NIST.filter(([, message]) => typeof message === "string"))(
    "hashes the NIST vector %s",
    (_label, message, expected) => {
      expect(NodeSha256.hex(message as string)).toBe(expected);
    },
  );

  it("computes an HMAC with a key given as bytes", () => {
    expect(NodeSha256.hex("what do ya want for nothing?", new TextEncoder().encode("Jefe"))).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });
});

describe("WebSha256", () => {
  it("gives the same HMAC for a key it has imported before", async () => {
    const key = new TextEncoder().encode("Jefe");
    const first = await digestHex(WebSha256, "what do ya want for nothing?", key);
    expect(first, "first").toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    expect(
      await digestHex(WebSha256, "what do ya want for nothing?", key),
      'await digestHex(WebSha256, "what do ya want for nothing?"…',
    ).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
});

describe.each(CLASSES)("%s", (_name, Hash) => {
  it.each(NIST)("hashes the NIST vector %s", async (_label, message, expected) => {
    expect(await digestHex(Hash, message)).toBe(expected);
  });

  it.each(RFC4231)("computes the RFC 4231 HMAC-SHA-256 %s", async (_label, key, data, expected) => {
    const mac = await digestHex(Hash, data, key);
    expect(mac.slice(0, expected.length)).toBe(expected);
  });

  it("gives the same digest when the message arrives in chunks", async () => {
    const hash = new Hash();
    for (const piece of ["abcdbcdecdefdefgefgh", "fghighijhijkijkljklm", "klmnlmnomnopnopq"])
      hash.update(toBytes(piece));
    expect(hex(await hash.digest())).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  });

  it("forgets earlier input on reset()", async () => {
    const hash = new Hash();
    hash.update(toBytes("something else"));
    hash.reset();
    hash.update(toBytes("abc"));
    expect(hex(await hash.digest())).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("keeps the HMAC key across reset()", async () => {
    const hash = new Hash("Jefe");
    hash.update(toBytes("garbage"));
    hash.reset();
    hash.update(toBytes("what do ya want for nothing?"));
    expect(hex(await hash.digest())).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  it("reads a key given as an ArrayBuffer", async () => {
    const key = new TextEncoder().encode("Jefe");
    expect(await digestHex(Hash, "what do ya want for nothing?", key.buffer.slice(0) as unknown as Uint8Array)).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("reads only the viewed bytes of a subarray", async () => {
    const framed = new TextEncoder().encode("xxabcxx").subarray(2, 5);
    expect(await digestHex(Hash, framed)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  describe.each(POST_CASES)("signing the AWS suite case %s through @smithy/signature-v4", (name) => {
    it("produces the suite's Authorization header", async () => {
      const suiteCase = readCase(name);
      const headers: Record<string, string> = {};
      for (const [key, value] of suiteCase.headers) {
        // The "after" case adds the token once signed; the signer must not see it.
        if (name === "post-sts-header-after" && key.toLowerCase() === "x-amz-security-token") continue;
        headers[key] = value;
      }
      const query = Object.fromEntries(new URLSearchParams(suiteCase.query));
      const signer = new SignatureV4({
        credentials: {
          accessKeyId: SUITE.accessKeyId,
          secretAccessKey: SUITE.secretAccessKey,
          ...(name === "post-sts-header-before" ? { sessionToken: SUITE.sessionToken } : {}),
        },
        region: SUITE.region,
        service: SUITE.service,
        sha256: Hash,
        applyChecksum: false,
      });
      const signed = await signer.sign(
        {
          method: suiteCase.method,
          protocol: "https:",
          hostname: "example.amazonaws.com",
          path: suiteCase.path,
          query,
          headers,
          body: suiteCase.body,
        },
        { signingDate: SUITE.date },
      );
      expect(signed.headers.authorization).toBe(suiteCase.authz);
    });
  });
});
