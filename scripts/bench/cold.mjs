/**
 * Cold start: a fresh process that loads one client, pays one bonus and
 * prints `ok` (the parent times spawn → `ok`). Loads nothing else, so it
 * measures what a short-lived script or a serverless cold start would pay.
 *
 *   node scripts/bench/cold.mjs <client> <endpoint> <credentials JSON>
 */
import { randomUUID } from "node:crypto";
import { BONUS, CLIENTS } from "./clients.mjs";

const [name, endpoint, credentialsJson] = process.argv.slice(2);
const client = await CLIENTS[name].create({ endpoint, credentials: JSON.parse(credentialsJson) });
await client.send(BONUS, randomUUID());
process.stdout.write(`ok ${performance.now().toFixed(3)}\n`);
await client.close();
