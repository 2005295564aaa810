/**
 * Shared by the runtime and package tests: where the runtimes' binaries
 * are, and child processes that cannot outlive their test.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(join(ROOT, "package.json"));

/** The built entries every runtime test needs; `npm test` builds before running vitest. */
export function requireBuild(): void {
  for (const file of ["dist/index.js", "dist/edge.js", "dist/simulator/index.js"]) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run "npm run build" first (npm test does)`);
  }
}

function packageDir(name: string, from?: string): string | undefined {
  try {
    const resolve = from === undefined ? require.resolve : createRequire(join(from, "package.json")).resolve;
    return dirname(resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** The npm names of the native packages that carry each runtime's binary, for this platform. */
function nativeCandidates(runtime: "bun" | "deno" | "workerd"): string[] {
  const { platform, arch } = process;
  const dir = packageDir(runtime);
  if (dir === undefined) return [];
  const cpu = arch === "x64" ? "x64" : arch === "arm64" ? (runtime === "bun" ? "aarch64" : "arm64") : arch;
  const inPackage = (name: string, file: string): string | undefined => {
    const native = packageDir(name, dir);
    return native === undefined ? undefined : join(native, file);
  };
  const found: (string | undefined)[] = [];
  switch (runtime) {
    case "bun":
      // The postinstall moves the binary over bin/bun.exe (a 450-byte stub until then).
      found.push(join(dir, "bin", "bun.exe"));
      for (const suffix of ["", "-baseline", "-musl", "-musl-baseline"])
        found.push(inPackage(`@oven/bun-${platform}-${cpu}${suffix}`, "bin/bun"));
      break;
    case "deno": {
      const target = platform === "linux" ? `linux-${cpu}-glibc` : `${platform}-${cpu}`;
      found.push(inPackage(`@deno/${target}`, platform === "win32" ? "deno.exe" : "deno"), join(dir, "deno"));
      break;
    }
    case "workerd": {
      const target = `${platform === "win32" ? "windows" : platform}-${arch === "x64" ? "64" : cpu}`;
      found.push(
        inPackage(`@cloudflare/workerd-${target}`, platform === "win32" ? "bin/workerd.exe" : "bin/workerd"),
        join(dir, "bin", "workerd"),
      );
      break;
    }
  }
  return found.filter(
    (file): file is string => file !== undefined && existsSync(file) && statSync(file).size > 1_000_000,
  );
}

const cache = new Map<string, string>();

/**
 * The native binary of a runtime installed as a dev dependency. Works
 * whether or not npm ran the packages' postinstall scripts (npm's
 * `allowScripts` policy, `--ignore-scripts`): the binary is taken from the
 * platform package directly. Throws, never skips, when none starts.
 */
export function runtimeBinary(runtime: "bun" | "deno" | "workerd"): string {
  const known = cache.get(runtime);
  if (known !== undefined) return known;
  const tried: string[] = [];
  for (const file of nativeCandidates(runtime)) {
    const probe = spawnSync(file, ["--version"], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
    });
    if (probe.status === 0) {
      cache.set(runtime, file);
      return file;
    }
    tried.push(`${file}: ${probe.error?.message ?? (probe.stderr || probe.stdout).trim().split("\n")[0]}`);
  }
  throw new Error(
    `${runtime} does not start, so its runtime test cannot run. It is a dev dependency: run "npm ci" ` +
      `(with install scripts allowed, or at least with optional dependencies). Tried:\n  ${tried.join("\n  ") || "(no binary found)"}`,
  );
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

const running = new Set<ChildProcess>();

/** Runs a command to completion, killing it (SIGKILL) after `timeoutMs`. Never rejects for a failing command. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs: number },
): Promise<ChildResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** Tracks a long-running child (a server) so that `killAll` stops it. */
export function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Kills every child this module started that is still running; for `afterAll`/`afterEach`. */
export function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  running.clear();
}

export { spawn };
