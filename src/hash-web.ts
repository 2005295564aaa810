/**
 * SHA-256 and HMAC-SHA-256 over WebCrypto (`crypto.subtle`), for the edge
 * build: Workers, Vercel Edge, Deno, Bun and browsers all have it, native
 * and asynchronous, which is all the signer needs. It replaced the portable
 * `@aws-crypto/sha256-js` there: 2 KB of a Worker's 10 KB gzipped budget,
 * and slower than the runtime's own code. Both pass the same test vectors.
 */
import type { Checksum, SourceData } from "./hash.js";

const utf8 = new TextEncoder();

/** Bytes over a plain `ArrayBuffer` (what WebCrypto's types ask for; a shared buffer is never passed here). */
type Bytes = Uint8Array<ArrayBuffer>;

function toBytes(data: SourceData): Bytes {
  if (typeof data === "string") return utf8.encode(data) as Bytes;
  // The same array back, so that the key cache below recognises a key it has imported.
  if (data instanceof Uint8Array) return data as Bytes;
  return (
    ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
  ) as Bytes;
}

/**
 * Imported HMAC keys by key bytes: the signer HMACs with the same derived
 * key (the same array) all day, and importing it is most of an HMAC's cost.
 */
const importedKeys = new WeakMap<Bytes, Promise<CryptoKey>>();

function hmacKey(secret: Bytes): Promise<CryptoKey> {
  let key = importedKeys.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    importedKeys.set(secret, key);
  }
  return key;
}

/** `Checksum` over WebCrypto: SHA-256, or HMAC-SHA-256 when constructed with a key. */
export class WebSha256 implements Checksum {
  readonly #secret: Bytes | undefined;
  #chunks: Bytes[] = [];

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : toBytes(secret);
  }

  update(data: SourceData): void {
    this.#chunks.push(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    const chunks = this.#chunks;
    this.#chunks = [];
    const data = chunks.length === 1 ? chunks[0]! : concat(chunks);
    const secret = this.#secret;
    const out =
      secret === undefined
        ? await crypto.subtle.digest("SHA-256", data)
        : await crypto.subtle.sign("HMAC", await hmacKey(secret), data);
    return new Uint8Array(out);
  }

  reset(): void {
    this.#chunks = [];
  }
}

function concat(chunks: Bytes[]): Bytes {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
