/** How the undici transport loads undici: two internal modules, or the package entry when they are missing. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadUndici } from "../../../src/transport/undici.js";

let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((_request, response) => response.end("pong"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function roundTrip(modules?: readonly [string, string]): Promise<string> {
  const { Pool, request } = await loadUndici(modules);
  const pool = new Pool(origin);
  try {
    const response = await request(pool, { path: "/", method: "GET" });
    return await response.body.text();
  } finally {
    await pool.close();
  }
}

it("sends with undici's Pool and request modules", async () => {
  expect(await roundTrip()).toBe("pong");
});

it("falls back to the package entry when those modules are not where it looks", async () => {
  expect(await roundTrip(["undici/lib/moved/pool.js", "undici/lib/moved/api-request.js"])).toBe("pong");
});
