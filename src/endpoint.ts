/** Where requests go, decided once per client. */
import { ValidationError } from "./errors.js";

export const PRODUCTION_ENDPOINT = "https://mturk-requester.us-east-1.amazonaws.com";
export const SANDBOX_ENDPOINT = "https://mturk-requester-sandbox.us-east-1.amazonaws.com";

/** A parsed endpoint, in the pieces the signer and the transports need. */
export interface Endpoint {
  /** `https://host[:port]`, the pool key. */
  origin: string;
  protocol: "http:" | "https:";
  hostname: string;
  /** The `Host` header value: hostname plus a non-default port. */
  host: string;
  port: number | undefined;
  /** Request path, always ending in `/`: `/` unless the endpoint has a path (`https://example.com/custom` → `/custom/`). */
  path: string;
  /** `origin + path`. */
  url: string;
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain HTTP may reach. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Resolves the endpoint from the client options. Plain `http://` is refused
 * except on loopback, because a signed request over plain HTTP exposes the
 * bonus details and can be replayed by anyone on the path.
 */
export function resolveEndpoint(options: { endpoint?: string; sandbox?: boolean }): Endpoint {
  const raw = options.endpoint ?? (options.sandbox ? SANDBOX_ENDPOINT : PRODUCTION_ENDPOINT);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(
      "endpoint",
      `${JSON.stringify(raw)} is not a URL`,
      "it must be an absolute URL such as https://mturk-requester.us-east-1.amazonaws.com",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ValidationError(
      "endpoint",
      `uses ${url.protocol}`,
      "it must be https:// (or http:// to a loopback address)",
    );
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new ValidationError(
      "endpoint",
      `${url.origin} is plain HTTP to a non-loopback host`,
      "plain http:// is allowed only for 127.0.0.1, ::1 or localhost; anywhere else the signed request could be read and replayed, so use https://",
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ValidationError(
      "endpoint",
      "has a user name, password, query or fragment",
      "it must be scheme, host, optional port and optional path only (credentials belong in the credentials option)",
    );
  }
  // Unreserved characters only: then the path is its own SigV4 canonical form, and no proxy can re-encode it.
  if (!/^(\/[\w.~-]+)*\/?$/.test(url.pathname)) {
    throw new ValidationError(
      "endpoint",
      `has the path ${JSON.stringify(url.pathname)}`,
      "a path may hold only letters, digits and . _ ~ - between slashes",
    );
  }
  // The operation's URI is `/`, appended to the endpoint's path: `https://example.com/custom` → `/custom/` (Smithy's AwsJson11HostWithPath).
  const path = url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`;
  return {
    origin: url.origin,
    protocol: url.protocol,
    hostname: url.hostname,
    host: url.host,
    port: url.port === "" ? undefined : Number(url.port),
    path,
    url: url.origin + path,
  };
}
