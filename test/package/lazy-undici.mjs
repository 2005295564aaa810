/**
 * Run with `--import ./register-recorder.mjs`: imports "mturk-bonus" the
 * way a user does and reports, at each step, whether any undici module has
 * been resolved. Prints one `LAZY <json>` line.
 */
import { readFileSync } from "node:fs";

const { endpoint, credentials } = JSON.parse(process.argv[2]);
const undiciLoaded = () =>
  readFileSync(process.env.RESOLUTION_LOG, "utf8")
    .split("\n")
    .some((url) => /\/node_modules\/undici\//.test(url));
const input = (n) => ({
  WorkerId: "A1LAZYUNDICI",
  AssignmentId: `3LAZYUNDICI${n}`,
  BonusAmount: "0.10",
  Reason: "lazy undici",
});

const steps = {};
const { MTurkClient } = await import("mturk-bonus");
steps.entry = import.meta.resolve("mturk-bonus");
steps.afterImport = undiciLoaded();

const withFetch = new MTurkClient({ endpoint, credentials, fetch: (url, init) => fetch(url, init) });
await withFetch.sendBonus(input(1));
await withFetch.sendBonus(input(2));
await withFetch.destroy();
steps.afterSendsWithFetch = undiciLoaded();

const client = new MTurkClient({ endpoint, credentials });
steps.afterConstruct = undiciLoaded();
const paid = await client.sendBonus(input(3));
steps.firstSendPaid = paid.alreadyGranted === false;
steps.afterFirstSend = undiciLoaded();
await client.destroy();

process.stdout.write(`LAZY ${JSON.stringify(steps)}\n`);
