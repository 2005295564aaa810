/** README "Pay from a queue" shows the files the queue tests run, verbatim. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../runtimes/helpers.js";

it('README\'s "Pay from a queue" shows the queue Worker, its wrangler.toml and the Lambda handler as they are', () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Pay from a queue\n"));
  expect(section.length).toBeLessThan(readme.length);
  const body = section.slice(0, section.indexOf("\n## ", 1));
  for (const file of [
    "examples/queue-worker/worker.ts",
    "examples/queue-worker/wrangler.toml",
    "examples/queue-lambda/handler.ts",
  ]) {
    const text = readFileSync(join(ROOT, file), "utf8").trim();
    expect(body.includes(text), `README "Pay from a queue" must contain ${file} verbatim`).toBe(true);
  }
  for (const setting of ["max_batch_size", "max_retries", "dead_letter_queue", "max_concurrency"])
    expect(body).toContain(setting);
});
