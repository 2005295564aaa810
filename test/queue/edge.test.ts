/** mturk-bonus/queue is edge-safe: nothing it reaches imports a Node module. */
import { build } from "esbuild";
import { join } from "node:path";
import { expect, it } from "vitest";
import { requireBuild, ROOT } from "../runtimes/helpers.js";

it("bundles as a Worker with no Node built-in imported anywhere in its graph", async () => {
  requireBuild();
  const nodeImports: string[] = [];
  const result = await build({
    entryPoints: [join(ROOT, "dist/queue/index.js")],
    bundle: true,
    write: false,
    format: "esm",
    // As Wrangler bundles a Worker: the browser platform and the Workers conditions.
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        name: "no-node",
        setup(b) {
          b.onResolve({ filter: /^node:|^(crypto|fs|http|https|net|os|path|stream|zlib|buffer|util)$/ }, (args) => {
            nodeImports.push(`${args.importer} → ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  expect(nodeImports).toEqual([]);
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((file) => /undici|hash-node|dist\/index\.js$/.test(file))).toEqual([]);
});
