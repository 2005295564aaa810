/**
 * `timeoutMs` bounds a whole attempt on every transport, however the answer
 * arrives: a server that sends its headers at once and then trickles the body
 * a byte every 50 ms (for 30 s) must not hold an attempt past its 500 ms.
 * undici's timers, the Node transport before, reset on every byte.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TransportError } from "../../../src/errors.js";
import { MTurkClient } from "../../../src/index.js";
import { Deadlines } from "../../../src/transport/deadline.js";
import { bonusInput, CREDENTIALS } from "../helpers/fixtures.js";

const TRICKLE_BYTES = 600;
const TRICKLE_EVERY_MS = 50;
const TIMEOUT_MS = 500;

describe.each([
  ["node", {}],
  ["fetch", { fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, init) }],
])("the %s transport against an answer trickled byte by byte", (_name, transport) => {
  let server: Server;
  let endpoint: string;
  const trickling = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "content-length": String(TRICKLE_BYTES) });
        res.flushHeaders();
        trickling.add(res);
        let sent = 0;
        const timer = setInterval(() => {
          // Bounded: the whole answer is TRICKLE_BYTES bytes.
          if (sent++ >= TRICKLE_BYTES || res.destroyed) {
            clearInterval(timer);
            timers.delete(timer);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(" ");
        }, TRICKLE_EVERY_MS);
        timers.add(timer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const timer of timers) clearInterval(timer);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("ends the attempt with a TimeoutError whose outcome is unknown", async () => {
    const client = new MTurkClient({
      endpoint,
      credentials: CREDENTIALS,
      timeoutMs: TIMEOUT_MS,
      maxAttempts: 1,
      ...transport,
    });
    const error = (await client.sendBonus(bonusInput()).catch((e: unknown) => e)) as TransportError;
    await client.destroy();
    expect(error.name, "error.name").toBe("TimeoutError");
    expect(error.outcomeUnknown, "error.outcomeUnknown").toBe(true);
    expect(error.$metadata.attempts, "error.$metadata.attempts").toBe(1);
  });

  it("hangs up on the trickling answer", async () => {
    const client = new MTurkClient({
      endpoint,
      credentials: CREDENTIALS,
      timeoutMs: TIMEOUT_MS,
      maxAttempts: 1,
      ...transport,
    });
    await client.sendBonus(bonusInput()).catch(() => undefined);
    await client.destroy();
    // The client closed the socket: the server's response ended long before its last byte.
    await vi.waitFor(() => expect([...trickling].every((res) => res.destroyed || res.writableEnded)).toBe(true));
  });
});

describe("Deadlines", () => {
  it("expires attempts that outlive the limit, in the order they started", () => {
    vi.useFakeTimers();
    try {
      const deadlines = new Deadlines(100);
      const expired: string[] = [];
      deadlines.start(() => expired.push("a"));
      vi.advanceTimersByTime(50);
      deadlines.start(() => expired.push("b"));
      vi.advanceTimersByTime(60);
      const afterFirst = [...expired];
      vi.advanceTimersByTime(50);
      expect(afterFirst, "afterFirst").toEqual(["a"]);
      expect(expired, "expired").toEqual(["a", "b"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("never expires an attempt that finished in time", () => {
    vi.useFakeTimers();
    try {
      const deadlines = new Deadlines(100);
      const expired: string[] = [];
      const finish = deadlines.start(() => expired.push("a"));
      deadlines.start(() => expired.push("b"));
      vi.advanceTimersByTime(10);
      finish();
      vi.advanceTimersByTime(200);
      expect(expired).toEqual(["b"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps no ref'd timer, and none at all once closed", () => {
    const deadlines = new Deadlines(60_000);
    const finish = deadlines.start(() => undefined);
    const during = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    finish();
    deadlines.close();
    const after = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    expect(during, "during").toEqual(after);
  });
});
