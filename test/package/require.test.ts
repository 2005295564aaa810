/**
 * `require("mturk-bonus")` from CommonJS works on the Node versions CI runs
 * (require(esm) is unflagged since Node 20.19 and 22.12), and `engines`
 * states exactly those lines.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { engines: { node: string } };

it("require() loads the package and its Node-only subpaths from CommonJS", () => {
  const script = `
    const { MTurkClient, toCents } = require("mturk-bonus");
    const { mockMTurkClient } = require("mturk-bonus/testing");
    const { parseBonusFile } = require("mturk-bonus/bulk");
    const { startSimulator } = require("mturk-bonus/simulator");
    const ok = typeof MTurkClient === "function" && toCents("1.50") === 150 && typeof mockMTurkClient === "function"
      && typeof parseBonusFile === "function" && typeof startSimulator === "function";
    process.stdout.write(ok ? "ok " + process.version : "missing exports");
  `;
  // The warning Node 20 and 22 print for require(esm) is not an error; only the result counts.
  const out = execFileSync(process.execPath, ["--no-warnings", "-e", script], {
    cwd: process.cwd(),
    encoding: "utf8",
    timeout: 15_000,
  });
  expect(out).toBe(`ok ${process.version}`);
});

it("engines allows only Node lines where require(esm) works unflagged: 20.19+, 22.12+, 24+", () => {
  expect(pkg.engines.node).toBe("^20.19.0 || ^22.12.0 || >=24.0.0");
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  const inRange = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 24;
  expect(inRange, `this Node (${process.version}) is outside engines`).toBe(true);
});
