/**
 * The one reader of AWS's published SigV4 test suite (a copy in
 * test/fixtures/sigv4-test-suite, see its README), for every test that checks a SigV4 computation against it:
 * the simulator's verifier (test/simulator) and the client's signer and hashes (test/core).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SUITE_DIR =
  process.env.SIGV4_SUITE_DIR ?? join(dirname(fileURLToPath(import.meta.url)), "../fixtures/sigv4-test-suite");

/** The constants every case of the suite is signed with. */
export const SUITE = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
  amzDate: "20150830T123600Z",
  date: new Date("2015-08-30T12:36:00Z"),
  /** The session token of the `post-sts-token` cases. */
  sessionToken:
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
} as const;

/** One request file (`.req` or `.sreq`) taken apart. */
export interface SuiteRequest {
  method: string;
  /** The request target as written: path plus optional `?query`. */
  url: string;
  /** `url` before the `?`. */
  path: string;
  /** `url` after the `?`, or `""`. */
  query: string;
  /**
   * Name/value pairs in file order. An indented continuation line becomes
   * another value of the header above it, as the suite's `.creq` expects
   * (values joined with `,`).
   */
  headers: Array<[string, string]>;
  body: string;
}

/** One case: the request to sign and the suite's expected results. */
export interface SuiteCase extends SuiteRequest {
  name: string;
  dir: string;
  /** Expected canonical request. */
  creq: string;
  /** Expected string to sign. */
  sts: string;
  /** Expected `Authorization` header value. */
  authz: string;
  /** The signed request, as a server receives it. */
  signed(): SuiteRequest;
}

export function parseSuiteRequest(text: string): SuiteRequest {
  const raw = text.replace(/\r\n/g, "\n");
  const blank = raw.indexOf("\n\n");
  const head = blank === -1 ? raw : raw.slice(0, blank);
  const body = blank === -1 ? "" : raw.slice(blank + 2);
  const [requestLine = "", ...headerLines] = head.split("\n");
  const method = requestLine.slice(0, requestLine.indexOf(" "));
  // Paths may hold spaces (normalize-path/get-space), so the target ends at the last " HTTP/".
  const url = requestLine.slice(method.length + 1, requestLine.lastIndexOf(" HTTP/"));
  const headers: Array<[string, string]> = [];
  for (const line of headerLines) {
    if (line === "") continue;
    const last = headers[headers.length - 1];
    if (/^\s/.test(line) && last !== undefined) {
      headers.push([last[0], line.trim()]);
      continue;
    }
    const colon = line.indexOf(":");
    headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  const q = url.indexOf("?");
  return {
    method,
    url,
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? "" : url.slice(q + 1),
    headers,
    body,
  };
}

function findCaseDirs(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (existsSync(join(path, `${entry}.req`))) found.set(entry, path);
    else for (const [name, nested] of findCaseDirs(path)) found.set(name, nested);
  }
  return found;
}

let caseDirs: Map<string, string> | undefined;

/** Every case in the suite, by name, sorted; empty when the suite is not on disk. */
export function caseNames(): string[] {
  caseDirs ??= existsSync(SUITE_DIR) ? findCaseDirs(SUITE_DIR) : new Map();
  return [...caseDirs.keys()].sort((a, b) => a.localeCompare(b));
}

export function readCase(name: string): SuiteCase {
  caseNames();
  const dir = caseDirs?.get(name);
  if (dir === undefined) throw new Error(`no SigV4 suite case ${name} under ${SUITE_DIR}`);
  const read = (ext: string): string => readFileSync(join(dir, `${name}.${ext}`), "utf8");
  return {
    name,
    dir,
    ...parseSuiteRequest(read("req")),
    creq: read("creq"),
    sts: read("sts"),
    authz: read("authz").trim(),
    signed: () => parseSuiteRequest(read("sreq")),
  };
}

/** The suite's POST cases: the ones shaped like our JSON POSTs. */
export const POST_CASES = [
  "post-header-key-case",
  "post-header-key-sort",
  "post-header-value-case",
  "post-vanilla",
  "post-vanilla-empty-query-value",
  "post-vanilla-query",
  "post-x-www-form-urlencoded",
  "post-x-www-form-urlencoded-parameters",
  "post-sts-header-before",
  "post-sts-header-after",
] as const;
