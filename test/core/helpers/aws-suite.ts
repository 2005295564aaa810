/** Reads the AWS SigV4 test suite in /work/shared/sigv4-test-suite (see its README). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const SUITE_DIR = process.env.SIGV4_SUITE_DIR ?? "/work/shared/sigv4-test-suite";
export const SUITE = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
  amzDate: "20150830T123600Z",
  date: new Date("2015-08-30T12:36:00Z"),
  sessionToken:
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
} as const;

export interface SuiteCase {
  name: string;
  method: string;
  path: string;
  query: string;
  /** Name/value pairs in file order; continuation lines joined with `,` as the suite's .creq expects. */
  headers: Array<[string, string]>;
  body: string;
  creq: string;
  sts: string;
  authz: string;
}

/** `post-sts-header-before` lives one folder down. */
function caseDir(name: string): string {
  return name.startsWith("post-sts-") ? join(SUITE_DIR, "post-sts-token", name) : join(SUITE_DIR, name);
}

export function suiteAvailable(): boolean {
  return existsSync(join(SUITE_DIR, "post-vanilla", "post-vanilla.req"));
}

export function readCase(name: string): SuiteCase {
  const dir = caseDir(name);
  const read = (ext: string): string => readFileSync(join(dir, `${name}.${ext}`), "utf8");
  const raw = read("req").replace(/\r\n/g, "\n");
  const blank = raw.indexOf("\n\n");
  const head = blank === -1 ? raw : raw.slice(0, blank);
  const body = blank === -1 ? "" : raw.slice(blank + 2);
  const [requestLine = "", ...headerLines] = head.split("\n");
  const firstSpace = requestLine.indexOf(" ");
  const lastSpace = requestLine.lastIndexOf(" ");
  const method = requestLine.slice(0, firstSpace);
  const target = requestLine.slice(firstSpace + 1, lastSpace);
  const q = target.indexOf("?");
  const headers: Array<[string, string]> = [];
  for (const line of headerLines) {
    const last = headers[headers.length - 1];
    if (/^\s/.test(line) && last !== undefined) {
      last[1] = `${last[1]},${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return {
    name,
    method,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? "" : target.slice(q + 1),
    headers,
    body,
    creq: read("creq"),
    sts: read("sts"),
    authz: read("authz").trim(),
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

/** GET cases that do not depend on path normalization. */
export const GET_CASES = [
  "get-header-key-duplicate",
  "get-header-value-multiline",
  "get-header-value-order",
  "get-header-value-trim",
  "get-unreserved",
  "get-utf8",
  "get-vanilla",
  "get-vanilla-empty-query-key",
  "get-vanilla-query",
  "get-vanilla-query-order-key",
  "get-vanilla-query-order-key-case",
  "get-vanilla-query-order-value",
  "get-vanilla-query-unreserved",
  "get-vanilla-utf8-query",
] as const;
