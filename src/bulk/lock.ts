/**
 * The journal's lock: one run at a time per journal, and a crashed run never
 * blocks the next one.
 *
 * Generations instead of one lock file: the holder of a journal is the
 * process that created `<journal>.lock.<N>` for the highest N, and a lock
 * is only ever taken by creating the next generation's file exclusively
 * (a fully written file hard-linked into place: never empty, never half
 * written). Two processes that both find the lock free, or both find its
 * holder dead, both try to create the same next name and exactly one
 * succeeds. A process that created a generation re-reads the directory and
 * backs off if any generation at or above its own exists besides its own,
 * so a process acting on an old listing cannot hold beside the real holder.
 * Nothing is ever removed to break a lock, so there is no remove-then-take
 * race. Released generations leave a `.done` marker, so numbers only grow.
 *
 * A holder counts as gone (its lock taken over) when, on the same host, its
 * pid does not exist, is a zombie (`/proc/<pid>/stat` state Z: killed, not
 * yet reaped, as under `timeout` or a container whose PID 1 does not reap),
 * or belongs to another process (start time, field 22 of the stat line, or
 * boot id differ: a pid reused after a reboot or a container restart). A
 * holder on another host (a shared file system) cannot be checked and is
 * reported as such.
 */
import { closeSync, linkSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { JournalError } from "./errors.js";

/** Who holds a lock, as written in its file. */
export interface LockHolder {
  readonly pid: number;
  /** Process start time in clock ticks since boot (`/proc/<pid>/stat` field 22), where known. */
  readonly start?: string;
  /** `/proc/sys/kernel/random/boot_id`, where known. */
  readonly boot?: string;
  readonly host: string;
  readonly at: string;
}

/** What the platform says about a holder. */
export type HolderStatus = "alive" | "dead" | "zombie" | "reused" | "rebooted" | "other-host";

/** A held lock; `release` gives it back. */
export interface Lock {
  readonly path: string;
  release(): void;
}

/** Reads `/proc` (injectable for tests). */
export interface ProcessProbe {
  /** The stat line of a pid, or `undefined` if there is no such process (or no `/proc`). */
  stat(pid: number): string | undefined;
  bootId(): string | undefined;
  /** Whether a pid exists, where `/proc` is missing (`kill(pid, 0)`). */
  exists(pid: number): boolean;
  hasProc(): boolean;
  hostname(): string;
}

const procProbe: ProcessProbe = {
  stat(pid) {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return undefined;
    }
  },
  bootId() {
    try {
      return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      return undefined;
    }
  },
  exists(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  },
  hasProc() {
    return this.stat(process.pid) !== undefined;
  },
  hostname,
};

/** State (field 3) and start time (field 22) of a stat line; the command (field 2) may hold spaces and parentheses. */
export function parseStat(line: string): { state: string; start: string } | undefined {
  const close = line.lastIndexOf(")");
  if (close === -1) return undefined;
  const fields = line.slice(close + 2).split(" ");
  const state = fields[0];
  const start = fields[19];
  return state === undefined || start === undefined ? undefined : { state, start };
}

/** This process as a lock holder. */
export function currentHolder(probe: ProcessProbe = procProbe, now = Date.now()): LockHolder {
  const stat = probe.stat(process.pid);
  const start = stat === undefined ? undefined : parseStat(stat)?.start;
  const boot = probe.bootId();
  return {
    pid: process.pid,
    ...(start === undefined ? {} : { start }),
    ...(boot === undefined ? {} : { boot }),
    host: probe.hostname(),
    at: new Date(now).toISOString(),
  };
}

/** Whether the holder of a lock still runs. */
export function holderStatus(holder: LockHolder, probe: ProcessProbe = procProbe): HolderStatus {
  if (holder.host !== probe.hostname()) return "other-host";
  const boot = probe.bootId();
  if (holder.boot !== undefined && boot !== undefined && holder.boot !== boot) return "rebooted";
  if (!probe.hasProc()) return probe.exists(holder.pid) ? "alive" : "dead";
  const stat = probe.stat(holder.pid);
  if (stat === undefined) return "dead";
  const parsed = parseStat(stat);
  if (parsed === undefined) return "alive";
  if (parsed.state === "Z" || parsed.state === "X") return "zombie";
  if (holder.start !== undefined && parsed.start !== holder.start) return "reused";
  return "alive";
}

interface Generation {
  readonly n: number;
  readonly done: boolean;
  readonly name: string;
}

function generations(lockBase: string): Generation[] {
  const dir = dirname(lockBase);
  const prefix = `${basename(lockBase)}.`;
  const found: Generation[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new JournalError(
      `cannot lock ${lockBase.replace(/\.lock$/, "")}: its directory ${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was paid`,
      "unreadable",
    );
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d{1,15})(\.done)?$/.exec(name.slice(prefix.length));
    if (match !== null) found.push({ n: Number(match[1]), done: match[2] !== undefined, name: join(dir, name) });
  }
  return found;
}

function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined; // Released meanwhile.
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === "number" && typeof value.host === "string") return value as LockHolder;
  } catch {
    // Fall through: not written by this module.
  }
  const pid = Number.parseInt(text, 10);
  // A pid file from an earlier version: same host, start time unknown.
  return Number.isInteger(pid) && pid > 0 ? { pid, host: hostname(), at: "" } : undefined;
}

/** Creates `path` holding `text`, or fails with EEXIST, atomically: the file appears complete or not at all. */
function createExclusive(path: string, text: string): boolean {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(temporary, "wx", 0o600);
  try {
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // Already gone.
    }
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function describeHolder(holder: LockHolder): string {
  return `process ${holder.pid}${holder.at ? `, since ${holder.at}` : ""}`;
}

/** The refusal for a live holder: what holds it and what to do. */
function lockedError(
  journal: string,
  file: string,
  holder: LockHolder,
  status: HolderStatus,
  probe: ProcessProbe,
): JournalError {
  if (status === "other-host") {
    return new JournalError(
      `${journal} is in use by a run on another host (${holder.host}, ${describeHolder(holder)}; this is ${probe.hostname()}), so whether it still runs cannot be checked from here. ` +
        `Wait for it to finish; if it is no longer running on ${holder.host}, remove ${file} and run again.`,
      "locked",
    );
  }
  if (holder.pid === process.pid) {
    return new JournalError(
      `${journal} is already open in this process; finish (or await) that payout first, or use another journal file.`,
      "locked",
    );
  }
  return new JournalError(
    `${journal} is in use by another run (${describeHolder(holder)}). Wait for it to finish (or stop it: Ctrl-C, or kill ${holder.pid}), then run the same command again. ` +
      `Do not remove ${file} while that process runs.`,
    "locked",
  );
}

/** Bounded: each round either takes the lock, refuses, or saw a generation appear or go. */
const MAX_ROUNDS = 50;

/**
 * Takes the lock of `journal`, taking over from a holder that is gone;
 * throws a `JournalError` ("locked") naming a holder that runs.
 */
export function acquireLock(journal: string, probe: ProcessProbe = procProbe): Lock {
  const base = `${journal}.lock`;
  const me = currentHolder(probe);
  const text = `${JSON.stringify(me)}\n`;
  // A pid file from an earlier version, held by a process that still runs.
  const legacy = readHolder(base);
  if (legacy !== undefined) {
    const status = holderStatus(legacy, probe);
    if (status === "alive" || status === "other-host") throw lockedError(journal, base, legacy, status, probe);
  }
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found = generations(base);
    const top = found.reduce<Generation | undefined>(
      (best, g) => (best === undefined || g.n > best.n || (g.n === best.n && g.done) ? g : best),
      undefined,
    );
    if (top !== undefined && !top.done) {
      const holder = readHolder(top.name);
      if (holder === undefined) continue; // Released meanwhile: look again.
      const status = holderStatus(holder, probe);
      if (status === "alive" || status === "other-host") throw lockedError(journal, top.name, holder, status, probe);
      // Gone (dead, zombie, reused pid, rebooted): the next generation takes over.
    }
    const n = (top?.n ?? 0) + 1;
    const mine = `${base}.${n}`;
    let created: boolean;
    try {
      created = createExclusive(mine, text);
    } catch (error) {
      throw new JournalError(
        `cannot lock ${journal}: ${mine} cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was paid`,
        "unreadable",
      );
    }
    if (!created) continue; // Someone else took generation n first: look again.
    // Re-verify: anyone at or above n besides this file means this process acted on an old listing.
    const rival = generations(base).some((g) => g.n > n || (g.n === n && g.done));
    if (rival) {
      tryUnlink(mine);
      continue;
    }
    for (const g of found) if (g.n < n) tryUnlink(g.name);
    if (legacy !== undefined) tryUnlink(base);
    return {
      path: mine,
      release() {
        // The marker keeps the number from being reused; then the holder's file goes.
        try {
          closeSync(openSync(`${mine}.done`, "a", 0o600));
        } catch {
          // Cannot write the directory: the next run sees a dead holder instead, which it takes over.
        }
        tryUnlink(mine);
      },
    };
  }
  throw new JournalError(`could not lock ${journal}: other runs kept taking and releasing it; run again`, "locked");
}
