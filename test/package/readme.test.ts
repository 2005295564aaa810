/**
 * A README that runs: the Worker example is the file the workerd test runs,
 * every `ts` block type-checks against the built package, and the Worker
 * example answers bad input with a 400. (The CLI walk-through is executed by
 * test/cli/walkthrough.test.ts.)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ROOT } from "../runtimes/helpers.js";
import { codeBlocks } from "./markdown.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
/** Inside the package, so `import "mturk-bonus"` resolves to this package's own exports (dist/ must be built). */
const dir = join(ROOT, "node_modules", ".cache", `mturk-bonus-readme-${process.pid}`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("README's Runtimes section shows examples/worker/worker.ts as it is", () => {
  const example = readFileSync(join(ROOT, "examples/worker/worker.ts"), "utf8").trim();
  expect(readme).toMatch(/^## Runtimes$/m);
  expect(readme.includes(example), "README.md must contain examples/worker/worker.ts verbatim").toBe(true);
});

it("every ts block of the README type-checks against the package's types", () => {
  const blocks = codeBlocks(readme, "ts");
  expect(blocks.length).toBeGreaterThanOrEqual(10);
  mkdirSync(dir, { recursive: true });
  blocks.forEach((block, i) => {
    // Deno's specifier names the same package; `export {}` keeps each block its own module.
    writeFileSync(
      join(dir, `block-${String(i + 1).padStart(2, "0")}.ts`),
      `${block.replaceAll('"npm:mturk-bonus"', '"mturk-bonus"')}\nexport {};\n`,
    );
  });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023", "DOM"],
        types: ["node"],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      include: ["*.ts"],
    }),
  );
  let output = "";
  try {
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], {
      encoding: "utf8",
      timeout: 120_000,
    });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  expect(
    output,
    "README ts blocks (node_modules/.cache/mturk-bonus-readme-*/block-NN.ts, in README order) must type-check",
  ).toBe("");
}, 120_000);

it("the Worker example answers a body that is not a JSON object, or a bad field, with a 400 and sends nothing", async () => {
  const worker = (await import("../../examples/worker/worker.js")).default;
  // Port 9 on loopback: nothing must be sent, and were it sent, nothing listens.
  const env = { AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "test", MTURK_ENDPOINT: "http://127.0.0.1:9" };
  const post = (body: string) => worker.fetch(new Request("http://worker.test/", { method: "POST", body }), env);
  for (const body of ["not json", "[1,2]", "null"]) {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ name: "BadRequest" });
  }
  const badAmount = await post(
    JSON.stringify({ WorkerId: "A1", AssignmentId: "3X1", BonusAmount: 1.5, Reason: "thanks" }),
  );
  expect(badAmount.status).toBe(400);
  expect(await badAmount.json()).toMatchObject({ name: "ValidationError", $fault: "client" });
});

it("has no project history and says what a dry run prints", () => {
  expect(readme).not.toMatch(/the issue's targets|issue #/i);
  expect(readme).not.toContain("dry run prints the rows");
  expect(readme).toContain("A dry run prints the counts of rows");
});
