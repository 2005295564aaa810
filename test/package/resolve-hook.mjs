/**
 * A module resolve hook (Node's `module.register`) that appends every
 * resolved URL to the file named in `data.log`, synchronously, so the
 * program can read the list at any point and see everything resolved so
 * far. Used to prove when undici is (not) loaded.
 */
import { appendFileSync } from "node:fs";

let log;

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
