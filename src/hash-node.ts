/**
 * SHA-256 over `node:crypto`, for the Node build only. The portable
 * `@aws-crypto/sha256-js` costs the Node build a large share of its
 * throughput and cold start; OpenSSL does the same work natively (the AWS SDK
 * makes the same choice on Node). Both pass the same test vectors.
 */
import * as nodeCrypto from "node:crypto";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import type { Checksum, SourceData } from "./hash.js";

function toNodeInput(data: SourceData): string | Uint8Array {
  if (typeof data === "string" || data instanceof Uint8Array) return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/**
 * SHA-256 in hex. `crypto.hash()` is the one-shot digest (Node 20.12+, and
 * the package asks for 20.19+): no `Hash` object to build for a few hundred
 * bytes, half the time. A Node without it (npm does not enforce `engines`)
 * still loads the module and hashes the long way.
 */
const sha256Hex: (text: string) => string =
  typeof nodeCrypto.hash === "function"
    ? (text) => nodeCrypto.hash("sha256", text, "hex")
    : (text) => createHash("sha256").update(text).digest("hex");

/** `Checksum` over OpenSSL: SHA-256, or HMAC-SHA-256 when constructed with a key. */
export class NodeSha256 implements Checksum {
  /**
   * SHA-256 of `text` (HMAC with `key` when given) in hex, synchronously:
   * the signer's fast path on Node, without a promise or a byte array per hash.
   */
  static hex(text: string, key?: Uint8Array): string {
    return key === undefined ? sha256Hex(text) : createHmac("sha256", key).update(text).digest("hex");
  }

  private readonly secret: string | Uint8Array | undefined;
  private hash: Hash | Hmac | undefined;

  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : toNodeInput(secret);
  }

  private current(): Hash | Hmac {
    // Created lazily so that `reset()` before any update costs nothing.
    this.hash ??= this.secret === undefined ? createHash("sha256") : createHmac("sha256", this.secret);
    return this.hash;
  }

  update(data: SourceData): void {
    this.current().update(toNodeInput(data));
  }

  digest(): Promise<Uint8Array> {
    const out = this.current().digest();
    this.hash = undefined;
    return Promise.resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  }

  reset(): void {
    this.hash = undefined;
  }
}
