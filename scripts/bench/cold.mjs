/**
 * A one-shot program: a fresh process that loads one client, makes one call
 * (`send` by default, or `balance`), prints `ok` and closes the client. The
 * parent times spawn → `ok` (the cold start) and spawn → exit (what a script
 * or CLI command costs). Loads nothing else, so it measures what a
 * short-lived script or a serverless cold start would pay.
 *
 *   node scripts/bench/cold.mjs <client> <endpoint> <credentials JSON> [send|balance]
 */
import { randomUUID } from "node:crypto";
import { BONUS, CLIENTS } from "./clients.mjs";

const [name, endpoint, credentialsJson, op = "send"] = process.argv.slice(2);
const client = await CLIENTS[name].create({ endpoint, credentials: JSON.parse(credentialsJson) });
if (op === "balance") await client.balance();
else await client.send(BONUS, randomUUID());
process.stdout.write(`ok ${performance.now().toFixed(3)}\n`);
await client.close();
