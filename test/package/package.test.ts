/**
 * The package as consumers get it: the `exports` conditions, edge bundles
 * free of undici and `node:` imports, subpaths kept out of the root entry,
 * undici loaded only on the first Node send (never with `{ fetch }`), the
 * smithy CommonJS trap avoided, and the published file list.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIMULATOR_CREDENTIALS, startSimulator } from "../../src/simulator/index.js";
import { killAll, requireBuild, ROOT, run } from "../runtimes/helpers.js";

interface PackageJson {
  name: string;
  main: string;
  types: string;
  type: string;
  sideEffects: boolean;
  engines: Record<string, string>;
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  imports: Record<string, Record<string, string>>;
  dependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;

let scratch: string;
beforeAll(() => {
  requireBuild();
  scratch = mkdtempSync(join(tmpdir(), "mturk-bonus-package-"));
});
afterAll(() => {
  killAll();
  rmSync(scratch, { recursive: true, force: true });
});

/** Bundles `source` (resolved from the repository root, so "mturk-bonus" is a self-reference). */
async function bundle(source: string, options: BuildOptions): Promise<{ text: string; metafile: Metafile }> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: "consumer.mjs" },
    bundle: true,
    write: false,
    format: "esm",
    metafile: true,
    logLevel: "silent",
    ...options,
  });
  return { text: result.outputFiles![0]!.text, metafile: result.metafile! };
}

/** Keeps every package but ours out of the bundle: only which of our files resolved matters. */
const onlyOurs: Plugin = {
  name: "only-ours",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path === "mturk-bonus" ? undefined : { path: args.path, external: true },
    );
  },
};

const ourInputs = (metafile: Metafile): string[] =>
  Object.keys(metafile.inputs).filter((file) => file.startsWith("dist/"));

describe("exports conditions", () => {
  it.each([
    ["node", "dist/index.js"],
    ["workerd", "dist/edge.js"],
    ["edge-light", "dist/edge.js"],
    ["deno", "dist/edge.js"],
    ["bun", "dist/edge.js"],
    ["browser", "dist/edge.js"],
    ["(default)", "dist/edge.js"],
  ])("%s resolves to %s", async (condition, entry) => {
    const { metafile } = await bundle('export * from "mturk-bonus";', {
      platform: "neutral",
      conditions: condition === "(default)" ? [] : [condition],
      plugins: [onlyOurs],
    });
    const inputs = ourInputs(metafile);
    expect(inputs).toContain(entry);
    expect(inputs).not.toContain(entry === "dist/edge.js" ? "dist/index.js" : "dist/edge.js");
  });

  it("a Bun or Deno program is not handed the Node entry: their conditions come before node", () => {
    const root = pkg.exports["."] as Record<string, string>;
    const order = Object.keys(root);
    for (const condition of ["workerd", "edge-light", "deno", "bun", "browser"]) {
      expect(order.indexOf(condition), condition).toBeLessThan(order.indexOf("node"));
      expect(root[condition]).toBe("./dist/edge.js");
    }
    expect(order[0]).toBe("types");
    expect(order.at(-1)).toBe("default");
  });
});

describe("edge bundles", () => {
  it.each(["workerd", "edge-light", "deno", "bun", "browser"])(
    "with the %s condition: no undici, no node: import, no Node entry",
    async (condition) => {
      const { text, metafile } = await bundle(
        'import { MTurkClient } from "mturk-bonus"; export default new MTurkClient({ credentials: { accessKeyId: "a", secretAccessKey: "b" } });',
        { platform: "browser", conditions: [condition, "worker"], minify: true },
      );
      const inputs = Object.keys(metafile.inputs);
      expect(inputs.filter((file) => /node_modules\/undici\//.test(file))).toEqual([]);
      expect(inputs).toContain("dist/edge.js");
      expect(inputs.filter((file) => /^dist\/(index|hash-node|transport\/undici)\.js$/.test(file))).toEqual([]);
      // Nothing left for the runtime to resolve: every import was bundled.
      const output = Object.values(metafile.outputs)[0]!;
      expect(output.imports).toEqual([]);
      expect(text).not.toMatch(/\bfrom\s*["']node:|import\(\s*["']node:|\brequire\(/);
      expect(text).not.toMatch(/undici/i);
    },
  );

  it("the root entry does not reach the simulator, the msw helpers, bulk payouts or the CLI", async () => {
    for (const platform of ["node", "browser"] as const) {
      const { metafile } = await bundle('export * from "mturk-bonus";', { platform, external: ["undici"] });
      const inputs = Object.keys(metafile.inputs);
      expect(
        inputs.filter((file) => /^dist\/(simulator|cli|bulk)\/|^dist\/testing\.js$|node_modules\/msw\//.test(file)),
        platform,
      ).toEqual([]);
    }
  });
});

describe("Node start-up", () => {
  it("no path loads undici: not on import, not with { fetch }, not on the default (node:http) send", async () => {
    const sim = await startSimulator();
    try {
      const log = join(scratch, "resolutions.log");
      const child = await run(
        process.execPath,
        [
          "--import",
          join(ROOT, "test/package/register-recorder.mjs"),
          join(ROOT, "test/package/lazy-undici.mjs"),
          JSON.stringify({ endpoint: sim.url, credentials: SIMULATOR_CREDENTIALS }),
        ],
        { cwd: ROOT, env: { ...process.env, RESOLUTION_LOG: log }, timeoutMs: 20_000 },
      );
      const line = child.stdout.split("\n").find((l) => l.startsWith("LAZY "));
      expect(line, `exit ${String(child.code)}\n${child.stdout}\n${child.stderr}`).toBeDefined();
      const steps = JSON.parse(line!.slice(5)) as Record<string, unknown>;
      expect(steps).toEqual({
        entry: new URL("dist/index.js", `file://${ROOT}`).href,
        afterImport: false,
        afterSendsWithFetch: false,
        afterConstruct: false,
        firstSendPaid: true,
        afterFirstSend: false,
      });
      // The hook saw the library's own modules, so "no undici" above is not an empty log.
      expect(readFileSync(log, "utf8")).toContain("/dist/client.js");
      expect(sim.ledger.bonuses).toHaveLength(3);
    } finally {
      await sim.close();
    }
  });
});

describe("bundling for Node", () => {
  it("esbuild's default --platform=node bundles no @smithy code, and the library stays small", async () => {
    const consumer =
      'import { MTurkClient } from "mturk-bonus"; export default new MTurkClient({ credentials: { accessKeyId: "a", secretAccessKey: "b" } });';
    const defaults = await bundle(consumer, { platform: "node", minify: true });
    const inputs = Object.keys(defaults.metafile.inputs);
    // The signer is the library's own; the Node transport is node:http, which a bundle leaves to Node.
    expect(inputs.filter((file) => /node_modules\/(@smithy|undici)\//.test(file))).toEqual([]);
    expect(defaults.text.length).toBeLessThan(50_000);
    const moduleFirst = await bundle(consumer, { platform: "node", minify: true, mainFields: ["module", "main"] });
    expect(Math.abs(moduleFirst.text.length - defaults.text.length)).toBeLessThan(1_000);
  });
});

describe("package.json and the published files", () => {
  it("declares ESM, types, side-effect freedom, engines and files", () => {
    expect(pkg.type).toBe("module");
    expect(pkg.main).toBe("./dist/index.js");
    expect(pkg.types).toBe("./dist/index.d.ts");
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe("^20.19.0 || ^22.12.0 || >=24.0.0");
    expect(pkg.files).toEqual(expect.arrayContaining(["dist"]));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@aws-crypto/sha256-js"]);
  });

  it("every exports target, types included, exists after the build", () => {
    const targets: string[] = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const value of Object.values(pkg.exports))
      targets.push(...(typeof value === "string" ? [value] : Object.values(value)));
    for (const target of new Set(targets)) expect(existsSync(join(ROOT, target)), target).toBe(true);
    for (const [subpath, value] of Object.entries(pkg.exports)) {
      if (typeof value !== "string") expect(Object.keys(value)[0], `${subpath}: "types" must come first`).toBe("types");
    }
  });

  it("mturk-bonus/cli exports main() and runs nothing when imported, as sideEffects: false promises", async () => {
    const probe = 'import("mturk-bonus/cli").then((cli) => console.log(typeof cli.main, process.exitCode ?? "unset"))';
    const child = await run(process.execPath, ["--input-type=module", "-e", probe], { cwd: ROOT, timeoutMs: 20_000 });
    expect(child.code, "child.code").toBe(0);
    expect(child.stdout.trim(), "child.stdout.trim()").toBe("function unset");
    expect(child.stderr, "child.stderr").toBe("");
  });

  it("the mturk-bonus executable prints its usage", async () => {
    const child = await run(process.execPath, [join(ROOT, pkg.bin["mturk-bonus"]!), "--help"], {
      cwd: ROOT,
      timeoutMs: 20_000,
    });
    expect(child.code, "child.code").toBe(0);
    expect(child.stdout, "child.stdout").toEqual(expect.stringContaining("Usage: mturk-bonus <command>"));
  });

  it("npm pack ships dist and the README, not sources or tests", async () => {
    const packed = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: ROOT,
      timeoutMs: 30_000,
    });
    expect(packed.code, packed.stderr).toBe(0);
    const [report] = JSON.parse(packed.stdout) as [{ files: { path: string }[] }];
    const files = report.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/edge.js",
        "dist/edge.d.ts",
      ]),
    );
    expect(files.filter((file) => /^(src|test|scripts|examples)\/|\.test\.|tsconfig/.test(file))).toEqual([]);
  });
});
