/**
 * No function in src/ is longer than a reader can hold in mind: about 80
 * lines. The CSV scanner's state machine is the one exception, kept whole
 * because its states read best side by side.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const MAX_LINES = 80;
const EXCEPTIONS = new Set(["src/bulk/csv.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every function-like node with a body over the limit, as `file:line name (N lines)`. */
function longFunctions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const lines = last - first + 1;
      const name = node.name === undefined ? "(anonymous)" : node.name.getText(source);
      if (lines > MAX_LINES) found.push(`${file}:${first + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

it(`no function in src/ is over ${MAX_LINES} lines (the CSV state machine excepted)`, () => {
  const files = sourceFiles(join(ROOT, "src"));
  expect(files.length, "source files found").toBeGreaterThan(40);
  const long = files
    .map((path) => relative(ROOT, path))
    .filter((file) => !EXCEPTIONS.has(file))
    .flatMap((file) => longFunctions(file, readFileSync(join(ROOT, file), "utf8")));
  expect(long, "functions over the limit").toEqual([]);
});

it("the check finds a long function, a long method and a long arrow, and passes a short one", () => {
  const body = Array.from({ length: MAX_LINES }, (_, i) => `  const v${i} = ${i};`).join("\n");
  const text = `function long() {\n${body}\n}\nclass K {\n  method() {\n${body}\n  }\n}\nconst arrow = () => {\n${body}\n};\nfunction short() {\n  return 1;\n}\n`;
  expect(longFunctions("x.ts", text), "what it reports").toEqual([
    `x.ts:1 long (${MAX_LINES + 2} lines)`,
    `x.ts:${MAX_LINES + 4} method (${MAX_LINES + 2} lines)`,
    `x.ts:${2 * MAX_LINES + 7} (anonymous) (${MAX_LINES + 2} lines)`,
  ]);
});
