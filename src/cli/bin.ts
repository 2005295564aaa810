#!/usr/bin/env node
/** The `mturk-bonus` executable: the command line in, an exit status out. */
import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mturk-bonus: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
