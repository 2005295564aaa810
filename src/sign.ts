/**
 * SigV4 for the `mturk-requester` service through `@smithy/signature-v4`.
 * A signer is kept per credential set, so a client with fixed credentials
 * builds exactly one, and the signer's own signing-key cache stays warm.
 */
// `#sigv4` is `@smithy/signature-v4`, through package.json "imports": bundlers (the `module`
// condition) get its ES build, which tree-shakes; Node, Deno and Bun get the package as usual.
// Without it, esbuild --platform=node takes the CommonJS build, which drags in ~130 KB of @smithy/core.
import { SignatureV4 } from "#sigv4";
import type { Credentials } from "./credentials.js";
import type { HashConstructor } from "./hash.js";
import type { UnsignedRequest } from "./request.js";

export const SIGNING_SERVICE = "mturk-requester";

/** Signs requests for one region with one hash implementation. */
export class RequestSigner {
  private signer: SignatureV4 | undefined;
  private signerCredentials: Credentials | undefined;

  constructor(
    private readonly region: string,
    private readonly sha256: HashConstructor,
  ) {}

  /** The signed headers for one attempt, dated `date` (already corrected for clock skew). */
  async sign(request: UnsignedRequest, credentials: Credentials, date: Date): Promise<Record<string, string>> {
    const signed = await this.signerFor(credentials).sign(request, { signingDate: date });
    return signed.headers;
  }

  private signerFor(credentials: Credentials): SignatureV4 {
    const last = this.signerCredentials;
    if (
      this.signer === undefined ||
      last === undefined ||
      last.accessKeyId !== credentials.accessKeyId ||
      last.secretAccessKey !== credentials.secretAccessKey ||
      last.sessionToken !== credentials.sessionToken
    ) {
      this.signerCredentials = { ...credentials };
      this.signer = new SignatureV4({
        credentials: this.signerCredentials,
        region: this.region,
        service: SIGNING_SERVICE,
        sha256: this.sha256,
        // MTurk does not need X-Amz-Content-Sha256 (botocore omits it); the body hash is signed all the same.
        applyChecksum: false,
      });
    }
    return this.signer;
  }
}
