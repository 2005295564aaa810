/** ARCHITECTURE.md names only files and symbols that exist, so the map stays true to the code. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const text = readFileSync(join(ROOT, "ARCHITECTURE.md"), "utf8");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [relative(ROOT, path)];
  });
}

const tree = [...files(join(ROOT, "src")), ...files(join(ROOT, "test"))];
const names = new Set(tree.map((path) => basename(path)));
const sources = tree
  .filter((path) => path.startsWith("src/"))
  .map((path) => readFileSync(join(ROOT, path), "utf8"))
  .join("\n");

it("every path and file name in ARCHITECTURE.md exists", () => {
  const mentioned = [...text.matchAll(/`([\w./-]+\.ts)`/g)].map((match) => match[1] as string);
  expect(mentioned.length, "files mentioned").toBeGreaterThan(30);
  const missing = mentioned.filter((file) =>
    file.includes("/") ? !tree.includes(file) && !tree.some((p) => p.startsWith(file)) : !names.has(file),
  );
  expect(missing, "named but not found").toEqual([]);
});

it("every function, class or constant it names in code style is defined in src/", () => {
  const symbols = [...text.matchAll(/`#?([A-Za-z_][A-Za-z0-9_]*)(?:\(\))?`/g)].map((match) => match[1] as string);
  const undefinedSymbols = [...new Set(symbols)].filter(
    (symbol) =>
      /^[a-z]+[A-Z]|^[A-Z][a-z]+[A-Z]|^[A-Z_]{4,}$/.test(symbol) && !new RegExp(`\\b${symbol}\\b`).test(sources),
  );
  expect(undefinedSymbols, "named but not defined").toEqual([]);
});
