/**
 * The node:http face of a {@link SimulatedService}: the MTurk API on `POST /`,
 * plus two unsigned test-only routes, `GET /__ledger` and `POST /__control`.
 * Binds to 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Outcome, SimulatedService } from "./service.js";

/** Bodies beyond this are refused; SendBonus inputs are a few hundred bytes. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A listening server and how to stop it. */
export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops listening, cuts open connections and cancels delayed answers. */
  close(): Promise<void>;
}

/** Node's flat `rawHeaders` as name/value pairs, repeated names kept, as SigV4 needs them. */
function headerPairs(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  return pairs;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () =>
      resolve(size > MAX_BODY_BYTES ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

/** Answers one API request as the service decided: now, or after the outcome's delay (timers are kept to be cancelled on close). */
function deliverLater(req: IncomingMessage, res: ServerResponse, outcome: Outcome, timers: Set<NodeJS.Timeout>): void {
  if (outcome.delayMs <= 0) {
    deliver(req, res, outcome);
    return;
  }
  const timer = setTimeout(() => {
    timers.delete(timer);
    deliver(req, res, outcome);
  }, outcome.delayMs);
  timers.add(timer);
}

/** Writes the service's answer, or drops the connection when the outcome is a lost answer. */
function deliver(req: IncomingMessage, res: ServerResponse, outcome: Outcome): void {
  if (res.destroyed) return;
  if (outcome.kind === "drop") {
    req.socket.destroy();
    return;
  }
  const { status, headers, body } = outcome.response;
  res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** `POST /`: the MTurk API. */
async function onApi(
  service: SimulatedService,
  timers: Set<NodeJS.Timeout>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    sendJson(res, 413, { __type: "RequestEntityTooLarge", message: "Request body too large." });
    return;
  }
  const outcome = service.handle({
    method: req.method ?? "GET",
    url: req.url ?? "/",
    headers: headerPairs(req.rawHeaders),
    body: body ?? Buffer.alloc(0),
  });
  deliverLater(req, res, outcome, timers);
}

/** `POST /__control`: test-only changes to the service (faults, balance, clock). */
async function onControl(service: SimulatedService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  let action: unknown;
  try {
    action = JSON.parse(body?.toString("utf8") || "{}");
  } catch {
    sendJson(res, 400, { error: "the control body must be JSON" });
    return;
  }
  try {
    sendJson(res, 200, service.control(action));
  } catch (error) {
    sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Routes a request: `GET /__ledger`, `POST /__control`, or the API; a failure of the simulator itself is a 500. */
function router(
  service: SimulatedService,
  timers: Set<NodeJS.Timeout>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = req.url?.split("?")[0];
    const route =
      path === "/__ledger" && req.method === "GET"
        ? Promise.resolve(sendJson(res, 200, service.snapshot()))
        : path === "/__control" && req.method === "POST"
          ? onControl(service, req, res)
          : onApi(service, timers, req, res);
    route.catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: "simulator failure" });
      else res.destroy();
    });
  };
}

/** Starts the HTTP server for `service` on 127.0.0.1:`port` (0 picks a free port). */
export async function listen(service: SimulatedService, port: number): Promise<RunningServer> {
  /** Delayed answers not yet delivered, cancelled on close. */
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer(router(service, timers));
  // The client's keep-alive pool may outlive a test; idle sockets must not hold the server open.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
