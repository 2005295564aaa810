/**
 * The bulk payer's modules are the steps of one pipeline (ARCHITECTURE.md,
 * "How a bulk row flows"): imports point one way, so each step can be read
 * and tested without the engine around it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DIR = fileURLToPath(new URL("../../src/bulk/", import.meta.url));

/** Each module of src/bulk and the modules of src/bulk it imports (type-only imports included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(DIR).filter((name) => name.endsWith(".ts"))) {
    const text = readFileSync(join(DIR, file), "utf8");
    const imports = [...text.matchAll(/(?:import|export)[^;]*?from\s+"\.\/([^"]+)\.js"/g)].map((m) => `${m[1]}.ts`);
    graph.set(file, imports);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): void => {
    if (path.includes(node)) {
      found.push([...path.slice(path.indexOf(node)), node].join(" → "));
      return;
    }
    if (done.has(node)) return;
    path.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    path.pop();
    done.add(node);
  };
  for (const node of graph.keys()) visit(node);
  return found;
}

describe("src/bulk as a pipeline", () => {
  const graph = importGraph();

  it("has no import cycle", () => {
    expect(graph.size, "modules found").toBeGreaterThan(10);
    expect(cycles(graph), "cycles").toEqual([]);
  });

  it("the steps and the public shapes never import the engine (pay.ts) nor the barrel (index.ts)", () => {
    for (const [file, imports] of graph) {
      if (file === "index.ts" || file === "pay.ts") continue;
      expect(imports, `${file} imports`).not.toContain("pay.ts");
      expect(imports, `${file} imports`).not.toContain("index.ts");
    }
  });

  it("the pure steps (policy, options, tally, plan, reconcile, the journal's state) do not touch the file system", () => {
    for (const file of [
      "policy.ts",
      "options.ts",
      "tally.ts",
      "plan.ts",
      "reconcile.ts",
      "journal-state.ts",
      "types.ts",
    ]) {
      const text = readFileSync(join(DIR, file), "utf8");
      expect(/from "node:fs"/.test(text), `${file} imports node:fs`).toBe(false);
      expect(graph.get(file), `${file} imports`).not.toContain("journal.ts");
    }
  });
});
