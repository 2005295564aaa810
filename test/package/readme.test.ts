/** The README's Worker example is the file the workerd test runs, verbatim. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../runtimes/helpers.js";

it("README's Runtimes section shows examples/worker/worker.ts as it is", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const example = readFileSync(join(ROOT, "examples/worker/worker.ts"), "utf8").trim();
  expect(readme).toMatch(/^## Runtimes$/m);
  expect(readme.includes(example), "README.md must contain examples/worker/worker.ts verbatim").toBe(true);
});
