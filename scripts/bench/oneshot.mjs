/**
 * One-shot programs, as users run them: a script that makes one call, the
 * same script bundled into one file as a Lambda user deploys it, and the
 * CLI's `send` and `balance`. Each is a fresh process, timed from spawn to
 * its first output (the answer: the cold start) and to its exit (what the
 * user waits for), with its peak RSS.
 *
 * Bundles are built once per run with esbuild as a Lambda user would
 * (`--bundle --platform=node --minify`, one CommonJS file) into a temporary
 * directory outside the project, so a bundle that still needed
 * node_modules would fail rather than quietly load it.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { build } from "esbuild";
import { BONUS } from "./clients.mjs";

/** What each bundled program imports and does: the README's one call, with the endpoint and credentials from argv. */
const BUNDLE_SOURCES = {
  "bundled-ours-node": `import { MTurkClient } from "mturk-bonus";
const [endpoint, credentials] = process.argv.slice(2);
const client = new MTurkClient({ endpoint, credentials: JSON.parse(credentials) });
client.sendBonus(${JSON.stringify(BONUS)}).then(async () => { process.stdout.write("ok\\n"); await client.destroy(); });`,
  "bundled-ours-fetch": `import { MTurkClient } from "mturk-bonus";
const [endpoint, credentials] = process.argv.slice(2);
const client = new MTurkClient({ endpoint, credentials: JSON.parse(credentials), fetch });
client.sendBonus(${JSON.stringify(BONUS)}).then(async () => { process.stdout.write("ok\\n"); await client.destroy(); });`,
  "bundled-sdk": `import { MTurkClient, SendBonusCommand } from "@aws-sdk/client-mturk";
const [endpoint, credentials] = process.argv.slice(2);
const client = new MTurkClient({ region: "us-east-1", endpoint, credentials: JSON.parse(credentials) });
client.send(new SendBonusCommand({ ...${JSON.stringify(BONUS)}, UniqueRequestToken: crypto.randomUUID() })).then(() => { process.stdout.write("ok\\n"); client.destroy(); });`,
};

/** Builds the bundles; returns their paths and sizes, and a function that deletes them. */
export async function buildBundles(root) {
  const dir = mkdtempSync(join(tmpdir(), "mturk-bonus-bench-"));
  const bundles = {};
  for (const [name, contents] of Object.entries(BUNDLE_SOURCES)) {
    const outfile = join(dir, `${name}.cjs`);
    const result = await build({
      stdin: { contents, resolveDir: root, sourcefile: `${name}.mjs` },
      bundle: true,
      platform: "node",
      minify: true,
      outfile,
      write: false,
      logLevel: "silent",
    });
    const bytes = result.outputFiles[0].contents;
    writeFileSync(outfile, bytes);
    bundles[name] = { path: outfile, bytes: bytes.length };
  }
  return { bundles, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The programs, each with the SDK program it is compared with. `argv` gets
 * the simulator's URL and credentials; `env` is added to the environment.
 */
export function oneShotPrograms({ root, bundles }) {
  const cold =
    (name, op = "send") =>
    (url, credentials) => [join(root, "scripts/bench/cold.mjs"), name, url, JSON.stringify(credentials), op];
  const bundled = (name) => (url, credentials) => [bundles[name].path, url, JSON.stringify(credentials)];
  const cli = resolve(root, "dist/cli/bin.js");
  const cliEnv = (credentials) => ({
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  return {
    "ours-node": { label: "one-call script, mturk-bonus (node:http)", argv: cold("ours-node"), versus: "sdk" },
    "ours-fetch": { label: "one-call script, mturk-bonus (fetch)", argv: cold("ours-fetch"), versus: "sdk" },
    sdk: { label: "one-call script, @aws-sdk/client-mturk", argv: cold("sdk") },
    ceiling: { label: "one-call script, ceiling (undici)", argv: cold("ceiling"), versus: "sdk" },
    "bundled-ours-node": {
      label: "bundled one-call script, mturk-bonus (node:http)",
      argv: bundled("bundled-ours-node"),
      versus: "bundled-sdk",
      bundle: "bundled-ours-node",
    },
    "bundled-ours-fetch": {
      label: "bundled one-call script, mturk-bonus (fetch)",
      argv: bundled("bundled-ours-fetch"),
      versus: "bundled-sdk",
      bundle: "bundled-ours-fetch",
    },
    "bundled-sdk": {
      label: "bundled one-call script, @aws-sdk/client-mturk",
      argv: bundled("bundled-sdk"),
      bundle: "bundled-sdk",
    },
    "cli-send": {
      label: "`mturk-bonus send` (CLI)",
      argv: (url) => [
        cli,
        "send",
        "--endpoint",
        url,
        "--worker",
        BONUS.WorkerId,
        "--assignment",
        BONUS.AssignmentId,
        "--amount",
        BONUS.BonusAmount,
        "--reason",
        BONUS.Reason,
        "--token",
        randomUUID(),
      ],
      env: cliEnv,
      versus: "sdk",
    },
    "cli-balance": {
      label: "`mturk-bonus balance` (CLI)",
      argv: (url) => [cli, "balance", "--endpoint", url],
      env: cliEnv,
      versus: "sdk-balance",
    },
    "sdk-balance": { label: "one-call script, @aws-sdk/client-mturk GetAccountBalance", argv: cold("sdk", "balance") },
  };
}

/** Spawns one program: spawn → first stdout byte, spawn → exit (ms), and its peak RSS (bytes). */
export function runOneShot(program, url, credentials, root) {
  return new Promise((resolvePromise, reject) => {
    const args = ["--require", join(root, "scripts/bench/rss-at-exit.cjs"), ...program.argv(url, credentials)];
    const env = { ...process.env, ...(program.env?.(credentials) ?? {}) };
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let firstMs;
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", () => {
      firstMs ??= performance.now() - start;
    });
    child.stderr.on("data", (chunk) => {
      err = (err + chunk).slice(-4000);
    });
    let exitMs;
    child.on("exit", () => {
      exitMs = performance.now() - start;
    });
    // 'close' comes after the last of stderr (the RSS line), 'exit' when the process ended.
    child.on("close", (code) => {
      clearTimeout(timer);
      const rss = Number(/PEAK_RSS (\d+)/.exec(err)?.[1]);
      if (code === 0 && firstMs !== undefined) resolvePromise({ firstMs, exitMs, rssBytes: rss });
      else reject(new Error(`${program.label} failed (${code}): ${err.slice(-2000)}`));
    });
  });
}
