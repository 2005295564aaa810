/** Runs the real executable, `node dist/cli/bin.js`, with a private HOME and no inherited AWS settings. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { SIMULATOR_CREDENTIALS } from "../../src/simulator/index.js";

export const BIN = resolve("dist/cli/bin.js");

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BinOptions {
  /** Environment besides PATH and HOME (nothing else is inherited: no AWS_* of the machine). */
  env?: Record<string, string>;
  /** HOME for the child, so ~/.aws is the test's own. */
  home: string;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Run under a pseudo-terminal (util-linux `script`), so stdin and stderr are TTYs. */
  tty?: boolean;
  /** Kill after this long. @default 20000 */
  timeoutMs?: number;
}

/** The simulator's public key pair, as environment variables. */
export const SIMULATOR_ENV = {
  AWS_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: SIMULATOR_CREDENTIALS.secretAccessKey,
};

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs `mturk-bonus ...args`; resolves when it exits (or is killed at the timeout). */
export function runBin(args: string[], options: BinOptions): Promise<BinResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first (npm test does)`);
  const env = { PATH: process.env.PATH ?? "", HOME: options.home, ...options.env };
  const [command, argv] = options.tty
    ? ["script", ["-qefc", [process.execPath, BIN, ...args].map(quote).join(" "), "/dev/null"]]
    : [process.execPath, [BIN, ...args]];
  return new Promise((done, fail) => {
    const child = spawn(command as string, argv as string[], {
      env,
      cwd: options.cwd ?? join(options.home),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
