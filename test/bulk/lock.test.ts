/**
 * The journal lock: a dead, zombie, reused-pid or rebooted holder never
 * blocks a resume; a live one (or one on another host) is named; and many
 * processes racing for one lock, stale or free, never both hold it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JournalError } from "../../src/bulk/journal.js";
import {
  acquireLock,
  currentHolder,
  holderStatus,
  parseStat,
  type LockHolder,
  type ProcessProbe,
} from "../../src/bulk/lock.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
const cacheDir = join(process.cwd(), "node_modules", ".cache", "mturk-bonus-lock-test");
const bundle = join(cacheDir, `lock-${process.pid}.mjs`);

beforeAll(async () => {
  mkdirSync(cacheDir, { recursive: true });
  await build({
    entryPoints: ["src/bulk/lock.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile: bundle,
    logLevel: "silent",
  });
}, 30_000);
afterAll(() => {
  rmSync(bundle, { force: true });
  tmp.remove();
});

const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
const startOf = (pid: number) => parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.start as string;
const holderFile = (journal: string, n: number, holder: LockHolder) =>
  writeFileSync(`${journal}.lock.${n}`, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
let count = 0;
const journalPath = () => tmp.path(`j${++count}.jsonl`);

describe("who holds a lock", () => {
  it("reads state and start time from a stat line whose command holds spaces and parentheses", () => {
    const line = "4242 (node (my) app) Z 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 0 0";
    expect(parseStat(line)).toEqual({ state: "Z", start: "123456" });
  });

  it("a live holder is refused with what to do; a reused pid, a reboot or a dead pid is taken over", () => {
    const journal = journalPath();
    const parent = {
      pid: process.ppid,
      start: startOf(process.ppid),
      boot,
      host: hostname(),
      at: "2026-01-01T00:00:00.000Z",
    };
    holderFile(journal, 1, parent);
    expect(() => acquireLock(journal)).toThrow(
      /in use by another run \(process \d+, since 2026-01-01T00:00:00.000Z\)\. Wait for it to finish/,
    );
    // The same pid, started at another time: the pid was reused (after a restart).
    holderFile(journal, 1, { ...parent, start: "1" });
    const reused = acquireLock(journal);
    reused.release();
    // Another boot.
    holderFile(journal, 3, { ...parent, boot: "00000000-0000-0000-0000-000000000000" });
    acquireLock(journal).release();
    holderFile(journal, 5, { ...parent, pid: 2147483646 });
    const lock = acquireLock(journal);
    expect(lock.path).toBe(`${journal}.lock.6`);
    lock.release();
    // Only the last generation's marker is left.
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith(`j${count}.jsonl.lock`))).toEqual([
      `j${count}.jsonl.lock.6.done`,
    ]);
  });

  it("a holder on another host is reported as such, with the file to remove once it is known to be gone", () => {
    const journal = journalPath();
    holderFile(journal, 1, { pid: process.ppid, host: "lab-server-7", at: "2026-01-01T00:00:00.000Z" });
    const error = (() => {
      try {
        acquireLock(journal);
      } catch (e) {
        return e as JournalError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(JournalError);
    expect(error?.message).toMatch(/in use by a run on another host \(lab-server-7/);
    expect(error?.message).toContain(`remove ${journal}.lock.1`);
  });

  it("without /proc, falls back to whether the pid exists", () => {
    const probe: ProcessProbe = {
      stat: () => undefined,
      bootId: () => undefined,
      exists: (pid) => pid === 7,
      hasProc: () => false,
      hostname,
    };
    expect(holderStatus({ pid: 7, host: hostname(), at: "" }, probe)).toBe("alive");
    expect(holderStatus({ pid: 8, host: hostname(), at: "" }, probe)).toBe("dead");
    expect(currentHolder(probe).start).toBeUndefined();
  });

  it("a zombie holder (killed, not reaped) is taken over at once", async () => {
    // The background sleep's parent execs into another sleep that never reaps it: killed, it stays a zombie.
    const parent = spawn("sh", ["-c", "sleep 30 & echo $!; exec sleep 20"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const pid = await new Promise<number>((resolve) =>
        parent.stdout?.once("data", (chunk: Buffer) => resolve(Number.parseInt(chunk.toString(), 10))),
      );
      const journal = journalPath();
      holderFile(journal, 1, { pid, start: startOf(pid), boot, host: hostname(), at: new Date().toISOString() });
      expect(() => acquireLock(journal)).toThrow(JournalError);
      // Only once the shell has become the non-reaping sleep (the shell itself would reap it).
      const comm = () => readFileSync(`/proc/${parent.pid}/comm`, "utf8").trim();
      for (let i = 0; i < 500 && comm() !== "sleep"; i++) await new Promise((r) => setTimeout(r, 10));
      expect(comm()).toBe("sleep");
      process.kill(pid, "SIGKILL");
      for (let i = 0; i < 500 && parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.state !== "Z"; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(holderStatus({ pid, start: startOf(pid), boot, host: hostname(), at: "" })).toBe("zombie");
      acquireLock(journal).release();
    } finally {
      parent.kill("SIGKILL");
    }
  });
});

/** A racer: `rounds` times, take the lock, check no one else is inside, leave; every 5th time abandon it as a dead holder would. */
const RACER = `
import { closeSync, openSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
const { acquireLock } = await import(process.argv[2]);
const [journal, rounds] = [process.argv[3], Number(process.argv[4])];
let held = 0, refused = 0, doubles = 0;
for (let i = 0; i < rounds; i++) {
  let lock;
  try { lock = acquireLock(journal); } catch (e) { if (e.name === "JournalError") { refused++; continue; } throw e; }
  held++;
  let fd;
  try { fd = openSync(journal + ".inside", "wx"); } catch { doubles++; }
  for (let spin = Date.now(); Date.now() - spin < 1; );
  if (fd !== undefined) { closeSync(fd); unlinkSync(journal + ".inside"); }
  if (i % 5 === 4) {
    // Abandon: the lock now names a process that is gone, as after kill -9.
    const dead = JSON.stringify({ pid: 2147483646, host: (await import("node:os")).hostname(), at: "" });
    writeFileSync(lock.path + ".x", dead);
    renameSync(lock.path + ".x", lock.path);
  } else lock.release();
}
process.stdout.write(JSON.stringify({ held, refused, doubles }));
`;

function exited(child: ChildProcess): Promise<string> {
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`racer exited ${code}`))));
  });
}

describe("many processes racing for one lock", () => {
  it("never have two holders, whether the lock is free or its holder is dead", async () => {
    const journal = journalPath();
    const racer = join(cacheDir, `racer-${process.pid}.mjs`);
    writeFileSync(racer, RACER);
    const children = Array.from({ length: 6 }, () =>
      spawn(process.execPath, [racer, bundle, journal, "150"], { stdio: ["ignore", "pipe", "inherit"] }),
    );
    const results = (await Promise.all(children.map(exited))).map(
      (o) => JSON.parse(o) as { held: number; refused: number; doubles: number },
    );
    rmSync(racer, { force: true });
    expect(results.reduce((n, r) => n + r.doubles, 0)).toBe(0);
    // It was contended: taken (and, every fifth time, abandoned as by a dead holder) many times.
    expect(results.reduce((n, r) => n + r.held, 0)).toBeGreaterThan(10);
    expect(existsSync(`${journal}.inside`)).toBe(false);
  }, 60_000);

  it("the lock file is created readable by its owner only, under umask 022", () => {
    const old = process.umask(0o022);
    try {
      const journal = journalPath();
      const lock = acquireLock(journal);
      expect(statSync(lock.path).mode & 0o777).toBe(0o600);
      lock.release();
    } finally {
      process.umask(old);
    }
  });
});
