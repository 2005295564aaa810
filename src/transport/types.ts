/** The seam between the client and the network: one signed request in, one raw answer out. */
import type { Endpoint } from "../endpoint.js";

/** A signed request, ready to send. */
export interface WireRequest {
  endpoint: Endpoint;
  headers: Record<string, string>;
  body: string;
}

/** An answer, read whole (MTurk answers are small). */
export interface WireResponse {
  status: number;
  /** A header by lower-case name (a function property: it may be passed around unbound). */
  header: (name: string) => string | undefined;
  body: string;
}

/**
 * Sends requests; owns whatever connections it keeps, and enforces the
 * per-attempt timeout it was made with, each in its runtime's cheapest way.
 */
export interface Transport {
  /**
   * Rejects with a `TransportError` (`toTransportError`) on network failure,
   * with its `TimeoutError` subclass when the timeout passes, and with
   * either when `signal` aborts (the client, which owns the signal, reports
   * the abort itself).
   */
  send(request: WireRequest, signal: AbortSignal | undefined): Promise<WireResponse>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}
