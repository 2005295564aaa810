/**
 * A one-shot program exits as soon as its work is done. Checked by what
 * could hold it, not by a stopwatch: after one call and `destroy()`, no
 * handle or timer is left, and the Node transport compiled no WebAssembly
 * (V8's background optimisation of a compiled module is waited for before
 * any Node process exits: 60 to 160 ms of every one-shot script with
 * undici's parser). Node's global `fetch` is undici inside, so the fetch
 * transport on Node does compile its parser: that is Node's own cost. The
 * CLI, which sends over the Node transport, is checked the same way.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuild, ROOT, run } from "../../runtimes/helpers.js";
import { CREDENTIALS, OK } from "../helpers/fixtures.js";

interface Result {
  paid: boolean;
  compiled: number;
  active: string[];
}

let server: Server;
let endpoint: string;

beforeAll(async () => {
  requireBuild();
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(OK.status, OK.headers);
      // GetAccountBalance (the CLI test) reads a balance; SendBonus ignores the field.
      res.end(JSON.stringify({ AvailableBalance: "10.00" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The test's keys in the environment, and nothing else that could pick credentials. */
function cliEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  };
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  return env;
}

async function oneCall(transport: "node" | "fetch"): Promise<Result> {
  const script = join(ROOT, "test/core/transport/fixtures/one-call.mjs");
  const child = await run(
    process.execPath,
    [script, join(ROOT, "dist/index.js"), endpoint, JSON.stringify(CREDENTIALS), transport],
    { cwd: ROOT, timeoutMs: 20_000 },
  );
  expect(child.code, child.stderr).toBe(0);
  const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  return JSON.parse(line!.slice("RESULT ".length)) as Result;
}

describe("a one-call program", () => {
  it("leaves nothing that holds the process after destroy(), on the Node transport", async () => {
    const { paid, active } = await oneCall("node");
    expect({ paid, active }).toEqual({ paid: true, active: [] });
  });

  it("compiles no WebAssembly on the Node transport", async () => {
    expect((await oneCall("node")).compiled).toBe(0);
  });

  it("as the CLI's `balance`, compiles no WebAssembly and exits 0", async () => {
    const child = await run(
      process.execPath,
      [
        "--import",
        join(ROOT, "test/core/transport/fixtures/count-wasm.mjs"),
        join(ROOT, "dist/cli/bin.js"),
        "balance",
        "--endpoint",
        endpoint,
      ],
      { cwd: ROOT, timeoutMs: 20_000, env: cliEnvironment() },
    );
    expect([child.code, /WASM (\d+)/.exec(child.stderr)?.[1]], child.stderr).toEqual([0, "0"]);
  });

  it("leaves nothing that holds the process after destroy(), on the fetch transport", async () => {
    const { paid, active } = await oneCall("fetch");
    expect({ paid, active }).toEqual({ paid: true, active: [] });
  });
});
