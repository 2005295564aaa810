/**
 * Entry for Node, Bun and Deno: `<runtime> test/runtimes/cli.mjs '<json config>'`.
 * Runs the conformance script and prints one line, `CONFORMANCE <json>`, that
 * the test parses; the exit code is 0 only when every case passed.
 * `process` exists in all three (Deno provides it as a Node-compatible global).
 */
import { runConformance } from "./conformance.mjs";

const config = JSON.parse(process.argv[2] ?? "{}");
const result = await runConformance(config);
// Which file "mturk-bonus" resolved to here: proves the runtime took the intended `exports` condition.
result.entry = import.meta.resolve("mturk-bonus");
process.stdout.write(`CONFORMANCE ${JSON.stringify(result)}\n`);
process.exitCode = result.ok ? 0 : 1;
