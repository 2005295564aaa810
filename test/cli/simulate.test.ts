/** `mturk-bonus simulate` prints what to paste: its public keys and the --endpoint, never keys of yours. */
import { spawn } from "node:child_process";
import { afterAll, expect, it } from "vitest";
import { SIMULATOR_CREDENTIALS } from "../../src/simulator/index.js";
import { tempDir } from "../bulk/helpers.js";
import { BIN } from "./bin.js";

const tmp = tempDir();
afterAll(() => tmp.remove());

/** Starts `mturk-bonus simulate --port 0`, returns what it printed once the paste lines are out, then stops it. */
async function pasteLines(
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [BIN, "simulate", "--port", "0"], {
    env: { PATH: process.env.PATH ?? "", HOME: tmp.dir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on("close", done));
  await new Promise<void>((ready) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("--dry-run")) ready();
    });
    child.on("close", () => ready());
  });
  child.kill("SIGINT");
  const code = await exited;
  clearTimeout(killer);
  return { stdout, stderr, code };
}

it("prints its URL, the export line of its public key pair and the --endpoint to pass", async () => {
  const { stdout, code } = await pasteLines({});
  const url = stdout.split("\n")[0] as string;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(stdout).toContain(
    `export AWS_ACCESS_KEY_ID=${SIMULATOR_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${SIMULATOR_CREDENTIALS.secretAccessKey}\n`,
  );
  expect(stdout).toContain(`mturk-bonus balance --endpoint ${url}\n`);
  expect(code).toBe(0);
});

it("never prints a secret key of yours when it accepts the environment's keys", async () => {
  const secret = "my/own/secret/key/0123456789abcdefghij";
  const { stdout, stderr } = await pasteLines({
    AWS_ACCESS_KEY_ID: "AKIDMYOWNKEY00001234",
    AWS_SECRET_ACCESS_KEY: secret,
  });
  expect(stdout + stderr).not.toContain(secret);
  expect(stdout).not.toContain("export AWS_SECRET_ACCESS_KEY");
  expect(stdout).toContain("signed with your environment's AWS_ACCESS_KEY_ID (…1234)");
});
