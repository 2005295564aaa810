/**
 * Keeps secrets out of error text. Errors carry text that came back from the
 * network, and a misbehaving proxy can echo the request: its signature, the
 * session token, in the worst case the key itself.
 */
import type { Credentials } from "./credentials.js";

const SIGNATURE = /(Signature=|X-Amz-Signature=)[0-9a-fA-F]{16,}/g;
const AUTHORIZATION = /(authorization["']?\s*[:=]\s*["']?)AWS4-HMAC-SHA256[^"'\n,}]*(,[^"'\n}]*)*/gi;

/** A function that scrubs the given credentials' secrets and any SigV4 signature from a text. */
export function redactor(credentials: Credentials | undefined): (text: string) => string {
  const secrets = [credentials?.secretAccessKey, credentials?.sessionToken].filter(
    (secret): secret is string => typeof secret === "string" && secret.length >= 4,
  );
  return (text) => {
    let out = text.replace(AUTHORIZATION, "$1[REDACTED]").replace(SIGNATURE, "$1[REDACTED]");
    for (const secret of secrets) out = out.split(secret).join("[REDACTED]");
    return out;
  };
}
