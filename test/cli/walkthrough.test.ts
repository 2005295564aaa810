/**
 * The README's "Your first payment, on the simulator" runs as written: the
 * first block starts the simulator (here on a free port instead of 4568),
 * the second is run by bash, line for line, against it, with the real
 * `mturk-bonus` executable on PATH and a private HOME.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { tempDir } from "../bulk/helpers.js";
import { codeBlocks } from "../package/markdown.js";
import { BIN } from "./bin.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

const README_URL = "http://127.0.0.1:4568";

function walkthrough(): [simulate: string, session: string] {
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf("### Your first payment, on the simulator");
  expect(start, "README must have the walk-through heading").toBeGreaterThan(-1);
  const section = readme.slice(start, readme.indexOf("\n## ", start));
  const blocks = codeBlocks(section, "sh");
  expect(blocks).toHaveLength(2);
  return blocks as [string, string];
}

it("runs the README's CLI walk-through as written, from the simulator's paste lines to a paid, listed bonus", async () => {
  const [simulate, session] = walkthrough();
  expect(simulate.trim()).toBe("mturk-bonus simulate --port 4568");
  // `mturk-bonus` on PATH is the built executable.
  const shim = tmp.path("mturk-bonus");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(shim, 0o755);
  const env = { PATH: `${tmp.dir}:${process.env.PATH ?? ""}`, HOME: tmp.dir };

  const args = simulate
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((arg) => (arg === "4568" ? "0" : arg));
  const server = spawn(shim, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const killer = setTimeout(() => server.kill("SIGKILL"), 60_000);
  const exited = new Promise<number | null>((done) => server.on("close", (code) => done(code)));
  try {
    let printed = "";
    await new Promise<void>((ready, fail) => {
      server.stdout.on("data", (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes("--dry-run")) ready();
      });
      server.on("close", () => fail(new Error(`simulate exited early: ${printed}`)));
    });
    const url = printed.split("\n")[0] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // What the README tells people to paste is what the simulator prints.
    const readmeExport = session.split("\n").find((line) => line.startsWith("export AWS_ACCESS_KEY_ID="));
    expect(printed).toContain(`${readmeExport}\n`);

    const script = session.replaceAll(README_URL, url);
    const result = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
      cwd: tmp.dir,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain("Dry run: nothing was paid.");
    expect(result.stdout).toContain("Done: 3 of 3 bonuses paid");
    expect(result.stdout).toMatch(/\$1\.50 +Thanks, great work/);
    expect(result.stdout).toContain("Available balance:");
    const ledger = (await (await fetch(`${url}/__ledger`)).json()) as { bonuses: unknown[] };
    expect(ledger.bonuses).toHaveLength(3);
  } finally {
    server.kill("SIGINT");
    expect(await exited).toBe(0);
    clearTimeout(killer);
  }
}, 90_000);
