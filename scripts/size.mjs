#!/usr/bin/env node
/**
 * `npm run size`: what a one-call program costs with this library, with
 * `@aws-sdk/client-mturk`, and with `aws4fetch`.
 *
 * - Bundles a one-call Worker (esbuild as Wrangler sets it up: browser
 *   platform, `workerd`/`worker`/`browser` conditions) and a one-call Node
 *   program (esbuild `--platform=node`, its defaults, then with
 *   `--main-fields=module,main`), minified, and prints minified and gzipped
 *   bytes and the ratios to ours.
 * - Counts the packages and bytes a production install of each brings,
 *   from the installed dependency tree (offline; `npm ci` first).
 *
 * Options: `--json` (machine-readable), `--only=mturk-bonus` (our Worker
 * bundle only: what the size-budget test reads). Run `npm run build` first.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** The one-call Worker bundle budget, gzipped bytes (issue 14). */
export const WORKER_BUDGET_GZIP = 10 * 1024;

/** The queue-consumer Worker budget, gzipped bytes (issue 12): the client and `mturk-bonus/queue` together. */
export const QUEUE_WORKER_BUDGET_GZIP = 14.5 * 1024;

/** A queue-consumer Worker as README "Pay from a queue" writes it: client, consumer and a dead-letter binding. */
const QUEUE_WORKER = `import { MTurkClient } from "mturk-bonus";
import { createQueueConsumer } from "mturk-bonus/queue";
export default createQueueConsumer({
  client: (env) => new MTurkClient({ credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }),
  deadLetter: (env) => env.BONUSES_DLQ,
});`;

const ONE_BONUS = `{ WorkerId: "A1EXAMPLE", AssignmentId: "3EXAMPLE", BonusAmount: "0.50", Reason: "Thanks", UniqueRequestToken: "t-1" }`;

/** One call each, written the way each library's README does it. */
const PROGRAMS = {
  "mturk-bonus": {
    worker: `import { MTurkClient } from "mturk-bonus";
export default { async fetch(request, env) {
  const client = new MTurkClient({ credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
  return Response.json(await client.sendBonus(${ONE_BONUS}));
} };`,
    node: `import { MTurkClient } from "mturk-bonus";
const client = new MTurkClient();
console.log(await client.sendBonus(${ONE_BONUS}));`,
  },
  "@aws-sdk/client-mturk": {
    worker: `import { MTurkClient, SendBonusCommand } from "@aws-sdk/client-mturk";
export default { async fetch(request, env) {
  const client = new MTurkClient({ region: "us-east-1", credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
  return Response.json(await client.send(new SendBonusCommand(${ONE_BONUS})));
} };`,
    node: `import { MTurkClient, SendBonusCommand } from "@aws-sdk/client-mturk";
const client = new MTurkClient({ region: "us-east-1" });
console.log(await client.send(new SendBonusCommand(${ONE_BONUS})));`,
  },
  aws4fetch: {
    worker: `import { AwsClient } from "aws4fetch";
export default { async fetch(request, env) {
  const aws = new AwsClient({ accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, service: "mturk-requester", region: "us-east-1" });
  const response = await aws.fetch("https://mturk-requester.us-east-1.amazonaws.com/", { method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "MTurkRequesterServiceV20170117.SendBonus" },
    body: JSON.stringify(${ONE_BONUS}) });
  return new Response(await response.text(), { status: response.status });
} };`,
    node: `import { AwsClient } from "aws4fetch";
const aws = new AwsClient({ accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, service: "mturk-requester", region: "us-east-1" });
const response = await aws.fetch("https://mturk-requester.us-east-1.amazonaws.com/", { method: "POST",
  headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "MTurkRequesterServiceV20170117.SendBonus" },
  body: JSON.stringify(${ONE_BONUS}) });
console.log(response.status, await response.text());`,
  },
};

/** esbuild set up as Wrangler does for a Worker. */
export const WORKER_BUILD = { platform: "browser", conditions: ["workerd", "worker", "browser"] };

async function measure(source, options) {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: "program.mjs" },
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    logLevel: "silent",
    metafile: true,
    ...options,
  });
  const bytes = result.outputFiles[0].contents;
  const byPackage = {};
  for (const [file, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? "(ours)";
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  return { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, byPackage };
}

/** The bundle measurements: name → variant → sizes. */
export async function bundleSizes({ only } = {}) {
  const names = only ? [only] : Object.keys(PROGRAMS);
  const out = {};
  for (const name of names) {
    const program = PROGRAMS[name];
    out[name] = { worker: await measure(program.worker, WORKER_BUILD) };
    if (name === "mturk-bonus") out[name].queueWorker = await measure(QUEUE_WORKER, WORKER_BUILD);
    if (only) continue;
    out[name].nodeDefault = await measure(program.node, { platform: "node" });
    out[name].nodeModuleFirst = await measure(program.node, { platform: "node", mainFields: ["module", "main"] });
  }
  return out;
}

// ---- install footprint ----

function packageJson(dir) {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
}

/** Where Node would find `name` from `fromDir`, walking up node_modules folders. */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

function treeBytes(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = treeBytes(path);
      files += sub.files;
      bytes += sub.bytes;
    } else if (entry.isFile()) {
      files++;
      bytes += statSync(path).size;
    }
  }
  return { files, bytes };
}

/**
 * Packages and bytes a production install of `name` brings: the package and
 * its `dependencies` (and installed `optionalDependencies`), transitively,
 * as installed here. Our own package counts only the files `npm pack` ships.
 */
export function installFootprint(name) {
  const ours = name === "mturk-bonus";
  const start = ours ? ROOT : findPackage(name, ROOT);
  if (start === undefined) throw new Error(`${name} is not installed: run npm ci`);
  const seen = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const dir = queue.shift();
    if (seen.has(dir)) continue;
    const manifest = packageJson(dir);
    seen.set(dir, dir === ROOT ? ownPackedSize() : treeBytes(dir));
    const wanted = { ...manifest.dependencies };
    for (const optional of Object.keys(manifest.optionalDependencies ?? {})) wanted[optional] = "*";
    for (const dependency of Object.keys(wanted)) {
      const found = findPackage(dependency, dir);
      if (found !== undefined) queue.push(found);
      else if (!(dependency in (manifest.optionalDependencies ?? {})))
        throw new Error(`${dependency} (needed by ${manifest.name}) is not installed`);
    }
  }
  let bytes = 0;
  let files = 0;
  const byPackage = {};
  for (const [dir, size] of seen) {
    bytes += size.bytes;
    files += size.files;
    byPackage[dir === ROOT ? name : packageJson(dir).name] = size.bytes;
  }
  return { packages: seen.size, files, bytes, byPackage };
}

function ownPackedSize() {
  const listed = [];
  const { files = ["dist"] } = packageJson(ROOT);
  for (const entry of [...files, "package.json"]) {
    const path = join(ROOT, entry);
    if (!existsSync(path)) continue;
    listed.push(statSync(path).isDirectory() ? treeBytes(path) : { files: 1, bytes: statSync(path).size });
  }
  return listed.reduce((a, b) => ({ files: a.files + b.files, bytes: a.bytes + b.bytes }), { files: 0, bytes: 0 });
}

// ---- report ----

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const ratio = (theirs, ours) => `${(theirs / ours).toFixed(theirs < ours ? 2 : 1)}×`;

function table(sizes, footprint) {
  const names = Object.keys(sizes);
  const ours = sizes["mturk-bonus"];
  const lines = [];
  const row = (cells) => lines.push(`| ${cells.join(" | ")} |`);
  const variants = [
    ["worker", "Worker (esbuild, Workers conditions)"],
    ["nodeDefault", "Node program, `esbuild --platform=node`"],
    ["nodeModuleFirst", "Node program, `--platform=node --main-fields=module,main`"],
  ];
  row([
    "One `SendBonus` call, minified",
    ...names.map((n) => `\`${n}\` min / gzip`),
    "SDK ÷ ours, gzip",
    "aws4fetch ÷ ours, gzip",
  ]);
  row(["---", ...names.map(() => "---:"), "---:", "---:"]);
  for (const [key, label] of variants) {
    row([
      label,
      ...names.map((n) => `${kb(sizes[n][key].minified)} / **${kb(sizes[n][key].gzip)}**`),
      ratio(sizes["@aws-sdk/client-mturk"][key].gzip, ours[key].gzip),
      ratio(sizes.aws4fetch[key].gzip, ours[key].gzip),
    ]);
  }
  lines.push("");
  lines.push(
    `Our Node program is the library and its signer alone: its transport is Node's own \`node:http\`, which a bundle leaves to Node, and its signer has no dependency.`,
  );
  lines.push("");
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  row(["Production install", "packages", "files", "bytes (file contents)", "largest packages"]);
  row(["---", "---:", "---:", "---:", "---"]);
  for (const name of names) {
    const f = footprint[name];
    const largest = Object.entries(f.byPackage)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([pkg, bytes]) => `${pkg} ${mb(bytes)}`)
      .join(", ");
    row([`\`${name}\``, String(f.packages), String(f.files), mb(f.bytes), largest]);
  }
  lines.push("");
  lines.push(`gzip is level 9. Worker budget: ${kb(WORKER_BUDGET_GZIP)} gzipped; ours is ${kb(ours.worker.gzip)}.`);
  lines.push(
    `Queue-consumer Worker (client + \`mturk-bonus/queue\`): ${kb(ours.queueWorker.minified)} / **${kb(ours.queueWorker.gzip)}** gzipped; budget ${kb(QUEUE_WORKER_BUDGET_GZIP)}.`,
  );
  return lines.join("\n");
}

async function main(args) {
  const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  if (only !== undefined && !(only in PROGRAMS))
    throw new Error(`--only must be one of ${Object.keys(PROGRAMS).join(", ")}`);
  if (!existsSync(join(ROOT, "dist/edge.js"))) throw new Error('dist/ is missing: run "npm run build" first');
  const sizes = await bundleSizes({ only });
  if (only !== undefined) {
    process.stdout.write(
      `${JSON.stringify({ sizes, budgetGzip: WORKER_BUDGET_GZIP, queueBudgetGzip: QUEUE_WORKER_BUDGET_GZIP })}\n`,
    );
    return;
  }
  const footprint = Object.fromEntries(Object.keys(PROGRAMS).map((name) => [name, installFootprint(name)]));
  if (args.includes("--json"))
    process.stdout.write(
      `${JSON.stringify({ sizes, footprint, budgetGzip: WORKER_BUDGET_GZIP, queueBudgetGzip: QUEUE_WORKER_BUDGET_GZIP }, null, 2)}\n`,
    );
  else process.stdout.write(`${table(sizes, footprint)}\n`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`size: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
