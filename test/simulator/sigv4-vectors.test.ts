/**
 * The simulator's SigV4 against AWS's published test suite
 * (/work/shared/sigv4-test-suite): canonical request, string to sign,
 * Authorization header, and verification of each signed request.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
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

const SUITE = process.env.SIGV4_TEST_SUITE ?? "/work/shared/sigv4-test-suite";
const KEY = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
const SIGNED_AT = Date.UTC(2015, 7, 30, 12, 36, 0);

interface Vector {
  readonly name: string;
  readonly dir: string;
}

interface ParsedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: [string, string][];
  readonly body: string;
}

function findVectors(dir: string): Vector[] {
  const found: Vector[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (existsSync(join(path, `${entry}.req`))) found.push({ name: entry, dir: path });
    else found.push(...findVectors(path));
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Parses the suite's request files; indented lines continue the previous header as another value. */
function parseRequest(text: string): ParsedRequest {
  const lines = text.split("\n");
  const requestLine = lines[0] ?? "";
  const method = requestLine.slice(0, requestLine.indexOf(" "));
  const url = requestLine.slice(method.length + 1, requestLine.lastIndexOf(" HTTP/"));
  const headers: [string, string][] = [];
  let i = 1;
  for (; i < lines.length && lines[i] !== ""; i++) {
    const line = lines[i] as string;
    if (/^\s/.test(line)) {
      const last = headers[headers.length - 1];
      if (last) headers.push([last[0], line.trim()]);
      continue;
    }
    const colon = line.indexOf(":");
    headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return { method, url, headers, body: lines.slice(i + 1).join("\n") };
}

function read(vector: Vector, ext: string): string {
  return readFileSync(join(vector.dir, `${vector.name}.${ext}`), "utf8");
}

const vectors = existsSync(SUITE) ? findVectors(SUITE) : [];

describe.skipIf(vectors.length === 0)("AWS SigV4 test suite", () => {
  it("finds the published vectors", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(24);
  });

  describe.each(vectors)("$name", (vector) => {
    const request = parseRequest(read(vector, "req"));
    const expectedAuthz = read(vector, "authz");
    const auth = parseAuthorization(expectedAuthz);
    if (typeof auth === "string") throw new Error(auth);
    const q = request.url.indexOf("?");
    const canonical = canonicalRequest({
      method: request.method,
      path: q === -1 ? request.url : request.url.slice(0, q),
      query: q === -1 ? "" : request.url.slice(q + 1),
      headers: request.headers,
      signedHeaders: auth.signedHeaders,
      payloadHash: sha256Hex(request.body),
    });
    const scope = credentialScope("20150830", "us-east-1", "service");
    const toSign = stringToSign("20150830T123600Z", scope, canonical);
    const signature = computeSignature(deriveSigningKey(KEY.secretAccessKey, "20150830", "us-east-1", "service"), toSign);

    it("builds the published canonical request", () => {
      expect(canonical).toBe(read(vector, "creq"));
    });

    it("builds the published string to sign", () => {
      expect(toSign).toBe(read(vector, "sts"));
    });

    it("computes the published Authorization header", () => {
      expect(authorizationHeader(KEY.accessKeyId, scope, auth.signedHeaders, signature)).toBe(expectedAuthz);
    });

    it(vector.name === "post-sts-header-after" ? "refuses the signed request, whose session token is not signed" : "accepts the published signed request", () => {
      const signed = parseRequest(read(vector, "sreq"));
      const verdict = verifyRequest(
        { method: signed.method, url: signed.url, headers: signed.headers, body: signed.body },
        {
          credentials: vector.dir.includes("post-sts") ? { ...KEY, sessionToken: TOKEN } : KEY,
          region: "us-east-1",
          service: "service",
          now: SIGNED_AT,
        },
      );
      if (vector.name === "post-sts-header-after") {
        expect(verdict).toMatchObject({ ok: false, error: { type: "InvalidSignatureException" } });
      } else {
        expect(verdict).toEqual({ ok: true, accessKeyId: "AKIDEXAMPLE" });
      }
    });
  });
});
