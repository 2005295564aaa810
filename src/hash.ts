/**
 * The hash contract the signer needs (the one `@smithy/signature-v4` and
 * `@aws-crypto/sha256-js` use): `new Hash(key?)` is HMAC-SHA-256 with a key
 * and plain SHA-256 without.
 * Declared here (not imported from `@smithy/types`) so that our published
 * types do not depend on a package we do not list.
 */

/** Bytes, or a string read as UTF-8. */
export type SourceData = string | ArrayBuffer | ArrayBufferView;

/** One running hash. */
export interface Checksum {
  update(chunk: SourceData): void;
  digest(): Promise<Uint8Array>;
  reset(): void;
}

/** A SHA-256 / HMAC-SHA-256 class the signer can instantiate. */
export type HashConstructor = new (secret?: SourceData) => Checksum;
