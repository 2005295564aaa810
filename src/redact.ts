/**
 * Keeps secrets out of error text. Errors carry text that came back from the
 * network, and a misbehaving proxy can echo the request: its signature, the
 * session token, in the worst case the key itself, as they are or escaped
 * by whatever serialized them.
 */
import type { Credentials } from "./credentials.js";

const SIGNATURE = /(Signature=|X-Amz-Signature=)[0-9a-fA-F]{16,}/g;
const AUTHORIZATION = /(authorization["']?\s*[:=]\s*["']?)AWS4-HMAC-SHA256[^"'\n,}]*(,[^"'\n}]*)*/gi;

/** A secret as it may appear in an echo: raw, JSON-escaped (also with `\/`), or URL-encoded. */
function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, json, json.replaceAll("/", "\\/"), encodeURIComponent(secret)])];
}

/** `text` without the credentials' secrets or any SigV4 signature. */
export function redact(text: string, credentials: Credentials | undefined): string {
  let out = text.replace(AUTHORIZATION, "$1[REDACTED]").replace(SIGNATURE, "$1[REDACTED]");
  for (const secret of [credentials?.secretAccessKey, credentials?.sessionToken]) {
    if (typeof secret !== "string" || secret.length < 4) continue;
    for (const spelling of spellings(secret)) out = out.split(spelling).join("[REDACTED]");
  }
  return out;
}

/** `redact` bound to one set of credentials; cheap to make, the work happens only when an error is built. */
export function redactor(credentials: Credentials | undefined): (text: string) => string {
  return (text) => redact(text, credentials);
}
