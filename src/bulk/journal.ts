/**
 * The journal: an append-only JSON Lines file that makes a payout
 * resumable. Before a bonus is sent, an `intent` line is written and
 * fsynced; after the answer, an `outcome` line. Whatever moment a run dies
 * at, the journal says for every row either "paid", "never sent", or "maybe
 * sent, with this token, at this time", and each of those has a safe next
 * step (skip, send, re-send with the same token or reconcile).
 *
 * Entries are small and written with one `write` per group commit, so a
 * crash can tear at most the last line; it is dropped (and cut off) when the
 * journal is opened.
 */
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { JournalError } from "./errors.js";
import { ENTRY_KINDS, type HeaderEntry, type JournalEntry } from "./journal-state.js";
import { acquireLock, type Lock } from "./lock.js";

export { JournalError };
// What a journal says (entries, builders, the state machine), importable from here as before.
export * from "./journal-state.js";

/** A journal file as read: its entries, and whether a torn last line was found. */
export interface JournalContents {
  readonly header?: HeaderEntry;
  readonly entries: JournalEntry[];
  /** Byte length of the complete lines; anything after it is a torn write. */
  readonly validLength: number;
  readonly torn: boolean;
}

/**
 * Parses a journal. A torn (unterminated or unparsable) last line is
 * dropped; a bad line before it is corruption. Linear: the text is decoded
 * once and each line parsed once, whatever the journal's size.
 */
export function parseJournal(input: string | Uint8Array, path = "journal"): JournalContents {
  const text =
    typeof input === "string" ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("utf8");
  const entries: JournalEntry[] = [];
  let offset = 0;
  let lineNumber = 0;
  let torn = false;
  while (offset < text.length) {
    lineNumber++;
    const end = text.indexOf("\n", offset);
    const next = end === -1 ? text.length : end + 1;
    let entry: JournalEntry | undefined;
    if (end !== -1) {
      try {
        const value: unknown = JSON.parse(text.slice(offset, end));
        if (typeof value === "object" && value !== null && ENTRY_KINDS.has((value as { t?: unknown }).t as string))
          entry = value as JournalEntry;
      } catch {
        entry = undefined;
      }
    }
    if (entry === undefined) {
      // Only the last line may be torn; a tail of NUL bytes after a power cut counts as torn too.
      if (next >= text.length || /^[\0\s]*$/.test(text.slice(next))) {
        torn = true;
        break;
      }
      throw new JournalError(
        `${path}: line ${lineNumber} is not a journal entry, and it is not the last line, so the journal is damaged; keep it for the record and do not resume from it`,
        "corrupt",
      );
    }
    entries.push(entry);
    offset = next;
  }
  const first = entries[0];
  if (first !== undefined && first.t !== "header") {
    throw new JournalError(
      `${path}: the first line is not a journal header; this is not a mturk-bonus journal`,
      "corrupt",
    );
  }
  // Byte length of the whole lines, computed once (not per line).
  const validLength =
    !torn && typeof input !== "string" ? input.byteLength : Buffer.byteLength(text.slice(0, offset), "utf8");
  return { ...(first?.t === "header" ? { header: first } : {}), entries, validLength, torn };
}

/** Reads a journal without changing it (for dry runs); `undefined` if there is none. */
export function readJournal(path: string): JournalContents | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return parseJournal(readFileSync(path), path);
  } catch (error) {
    if (error instanceof JournalError) throw error;
    throw new JournalError(
      `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was paid`,
      "unreadable",
    );
  }
}

/** What a payout wants of its journal: checked against an existing header, or written as a new one. */
export interface JournalBinding {
  /** The batch id asked for; `undefined` resumes whatever batch the journal holds. */
  batchId?: string;
  /** The batch id of a new journal when none is asked for. */
  fallbackBatchId: string;
  content: string;
  target: string;
  namespace: string;
  /** The namespace was asked for (not the default): a journal in another one is refused. */
  explicitNamespace: boolean;
  input?: string;
  acceptChangedInput: boolean;
  now: number;
}

/**
 * The journal's header check: a new journal gets a header from `wanted`; an
 * existing one must belong to this batch, target, namespace and input (or
 * the change must be accepted). Returns the header to use.
 */
export function bindJournal(path: string, existing: JournalContents | undefined, wanted: JournalBinding): HeaderEntry {
  if (existing?.header === undefined) {
    return {
      t: "header",
      v: 2,
      batchId: wanted.batchId ?? wanted.fallbackBatchId,
      content: wanted.content,
      target: wanted.target,
      namespace: wanted.namespace,
      ...(wanted.input === undefined ? {} : { input: wanted.input }),
      at: iso(wanted.now),
    };
  }
  const { header } = existing;
  if (wanted.batchId !== undefined && wanted.batchId !== header.batchId) {
    throw new JournalError(
      `${path} belongs to batch ${header.batchId}, not ${wanted.batchId}. To resume it, leave out the batch id; to start batch ${wanted.batchId}, use another journal file.`,
      "mismatch",
    );
  }
  if (header.target !== wanted.target) {
    throw new JournalError(
      `${path} records payments to ${header.target}, not ${wanted.target}; "paid" there says nothing about ${wanted.target}. Use a separate journal for each target.`,
      "mismatch",
    );
  }
  if (wanted.explicitNamespace && header.v === 2 && header.namespace !== wanted.namespace) {
    throw new JournalError(
      `${path} derives its tokens in namespace ${JSON.stringify(header.namespace)}, not ${JSON.stringify(wanted.namespace)}; resuming it in another namespace would give paid rows new tokens. ` +
        `Leave out the namespace to resume it, or use another journal file for the new namespace.`,
      "mismatch",
    );
  }
  // The rows it is bound to: the header's, or the latest accepted change (no full replay needed for that).
  let bound = header.content;
  for (const entry of existing.entries) if (entry.t === "run" && entry.content !== undefined) bound = entry.content;
  if (bound !== wanted.content && !wanted.acceptChangedInput) {
    throw new JournalError(
      `${path} was started for different rows: the input changed since (${header.input ?? "its input"}). Resume with the original rows, ` +
        `or accept the change (--input-changed): rows already paid stay paid, new or changed rows are paid as new bonuses.`,
      "mismatch",
    );
  }
  return header;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function fsyncDirectory(path: string): void {
  try {
    const fd = openSync(dirname(path), "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can open a directory (Windows); the file itself is fsynced.
  }
}

interface Waiter {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Writes all of `data` at the end of `fd`; a write that makes no progress is a full disk. */
export function writeAll(fd: number, data: Uint8Array): void {
  let written = 0;
  while (written < data.length) {
    const n = writeSync(fd, data, written, data.length - written);
    if (!(n > 0))
      throw Object.assign(new Error("ENOSPC: no space left on device, write made no progress"), { code: "ENOSPC" });
    written += n;
  }
}

/**
 * An open journal: locked, torn tail cut off, bound to its batch.
 *
 * Appends are group-committed: {@link append} resolves once its entry is on
 * disk, and one `fsync` covers every entry appended while the previous one
 * ran. So a payout awaits its intent before sending and its outcome before
 * counting the row, and still makes far fewer than two fsyncs per row when
 * many rows are in flight.
 */
export class Journal {
  readonly path: string;
  readonly header: HeaderEntry;
  /** Entries read at open, before this run appended anything. */
  readonly entries: readonly JournalEntry[];
  /** True when a torn last line from a crash was dropped. */
  readonly repairedTornLine: boolean;
  /** fsyncs made since open (for benchmarks). */
  fsyncs = 0;
  private fd: number | undefined;
  private size: number;
  private readonly lock: Lock;
  private pending: Waiter[] = [];
  private flushing = false;
  private idle: (() => void)[] = [];
  /** Set when an fsync failed: what is on disk is then unknown, so nothing more may be appended. */
  private broken: Error | undefined;

  private constructor(
    path: string,
    fd: number,
    size: number,
    lock: Lock,
    header: HeaderEntry,
    entries: JournalEntry[],
    repaired: boolean,
  ) {
    this.path = path;
    this.fd = fd;
    this.size = size;
    this.lock = lock;
    this.header = header;
    this.entries = entries;
    this.repairedTornLine = repaired;
  }

  /**
   * Opens (or creates, readable by its owner only) the journal at `path`,
   * refusing one that belongs to something else: `bind` is what the payout
   * wants (see {@link bindJournal}), or a function that sees the existing
   * contents (or `undefined` for a new journal) and returns the header to use.
   */
  static open(path: string, bind: JournalBinding | ((existing: JournalContents | undefined) => HeaderEntry)): Journal {
    const held = acquireLock(path);
    let fd: number | undefined;
    try {
      try {
        fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
      } catch (error) {
        throw new JournalError(
          `${path} cannot be opened (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was paid`,
          "unreadable",
        );
      }
      const stat = fstatSync(fd);
      if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) {
        try {
          fchmodSync(fd, 0o600); // A journal from an older version was world-readable; it holds worker ids and reasons.
        } catch {
          // Not ours to change (another owner): leave it.
        }
      }
      const size = stat.size;
      const buffer = Buffer.alloc(size);
      let read = 0;
      while (read < size) {
        const n = readSync(fd, buffer, read, size - read, read);
        if (n === 0) break;
        read += n;
      }
      const contents = size === 0 ? undefined : parseJournal(buffer.subarray(0, read), path);
      // A journal torn before its header was complete never sent anything: start it afresh.
      const existing = contents?.header === undefined ? undefined : contents;
      const header = typeof bind === "function" ? bind(existing) : bindJournal(path, existing, bind);
      let length = read;
      if (contents !== undefined && (contents.torn || existing === undefined)) {
        length = existing === undefined ? 0 : contents.validLength;
        ftruncateSync(fd, length);
        fsyncSync(fd);
      }
      const journal = new Journal(path, fd, length, held, header, existing?.entries ?? [], contents?.torn === true);
      if (existing === undefined) {
        journal.appendNow(header);
        fsyncDirectory(path);
      }
      return journal;
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      held.release();
      throw error;
    }
  }

  /** Appends one entry and fsyncs before returning (for the header and run lines at open). */
  appendNow(entry: JournalEntry): void {
    this.writeLines(`${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd as number);
    this.fsyncs++;
  }

  /**
   * Appends one entry; resolves when it is on disk, rejects if it could not
   * be written or synced. A write that fails part-way (a full disk) is cut
   * back off, so the journal never holds half a line before later ones.
   */
  append(entry: JournalEntry): Promise<void> {
    if (this.fd === undefined) return Promise.reject(new Error(`journal ${this.path} is closed`));
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const line = `${JSON.stringify(entry)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      if (!this.flushing) this.flush();
    });
  }

  private writeLines(text: string): void {
    if (this.fd === undefined) throw new Error(`journal ${this.path} is closed`);
    const data = Buffer.from(text, "utf8");
    try {
      writeAll(this.fd, data);
    } catch (error) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // The torn tail is then dropped by the next reader, as after a kill.
      }
      throw error;
    }
    this.size += data.length;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0 || this.fd === undefined) {
      this.flushing = false;
      for (const wake of this.idle.splice(0)) wake();
      return;
    }
    this.flushing = true;
    try {
      this.writeLines(batch.map((w) => w.line).join(""));
    } catch (error) {
      for (const w of batch) w.reject(error as Error);
      this.flush();
      return;
    }
    this.fsyncs++;
    fsync(this.fd, (error) => {
      if (error !== null) {
        this.broken = new Error(
          `journal ${this.path} could not be synced to disk (${error.code ?? error.message}); what it holds is unknown, so nothing more is sent`,
        );
        for (const w of [...batch, ...this.pending.splice(0)]) w.reject(this.broken);
      } else {
        for (const w of batch) w.resolve();
      }
      this.flush();
    });
  }

  /** Waits for pending appends, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.flushing) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.lock.release();
  }
}
