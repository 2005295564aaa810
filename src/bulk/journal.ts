/**
 * The journal: an append-only JSON Lines file that makes a payout
 * resumable. Before a bonus is sent, an `intent` line is written and
 * fsynced; after the answer, an `outcome` line. Whatever moment a run dies
 * at, the journal says for every row either "paid", "never sent", or "maybe
 * sent, with this token, at this time", and each of those has a safe next
 * step (skip, send, re-send with the same token or reconcile).
 *
 * Entries are tiny and written with one `write` each, so a crash can tear at
 * most the last line; it is dropped (and cut off) when the journal is opened.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, ftruncateSync, fstatSync, unlinkSync, writeSync, constants } from "node:fs";
import { dirname } from "node:path";

/** The first line: what the journal belongs to. */
export interface HeaderEntry {
  readonly t: "header";
  readonly v: 1;
  /** The batch id, which every derived token depends on. */
  readonly batchId: string;
  /** {@link contentHash} of the rows this journal was started for. */
  readonly content: string;
  /** Where the money goes (production, sandbox, an endpoint URL): a journal is never reused for another. */
  readonly target: string;
  /** The input's name, for people reading the file. */
  readonly input?: string;
  readonly at: string;
}

/** A run started (or the input was accepted as changed: `content` is then the new hash). */
export interface RunEntry {
  readonly t: "run";
  readonly at: string;
  readonly pid: number;
  readonly content?: string;
}

/** Written and fsynced before a bonus is sent. */
export interface IntentEntry {
  readonly t: "intent";
  readonly token: string;
  readonly line: number;
  readonly WorkerId: string;
  readonly AssignmentId: string;
  readonly BonusAmount: string;
  readonly Reason: string;
  /** The row's send number across all runs, from 1. */
  readonly n: number;
  readonly at: string;
}

/** What went wrong with one send, as journaled. */
export interface JournaledError {
  readonly name: string;
  readonly message: string;
  readonly TurkErrorCode?: string;
  /** The bonus may have been paid despite the error. */
  readonly outcomeUnknown: boolean;
}

/** Written after the answer (or the final failure) of a send. */
export interface OutcomeEntry {
  readonly t: "outcome";
  readonly token: string;
  readonly status: "paid" | "failed";
  /** Paid by an earlier send with the same token (MTurk said "already processed"). */
  readonly alreadyGranted?: boolean;
  readonly requestId?: string;
  /** HTTP attempts of this send. */
  readonly attempts: number;
  readonly error?: JournaledError;
  readonly at: string;
}

/** The result of checking `ListBonusPayments` for a row whose token may have expired. */
export interface ReconcileEntry {
  readonly t: "reconcile";
  readonly token: string;
  readonly found: boolean;
  /** Matching payments seen. */
  readonly matches: number;
  readonly at: string;
}

export type JournalEntry = HeaderEntry | RunEntry | IntentEntry | OutcomeEntry | ReconcileEntry;

/** A journal that cannot be used: bound to other input, corrupt, or in use. */
export class JournalError extends Error {
  override readonly name = "JournalError";
  constructor(
    message: string,
    /** `mismatch`, `corrupt` or `locked`. */
    readonly reason: "mismatch" | "corrupt" | "locked",
  ) {
    super(message);
  }
}

/** What is known about one token after replaying the journal. */
export interface TokenState {
  /** Present once the bonus is known to be paid. */
  paid?: { readonly via: "sent" | "duplicate-token" | "reconciled"; readonly requestId?: string; readonly at: number };
  /** Sends of this row (intents), across runs. */
  sends: number;
  /** HTTP attempts, across runs. */
  httpAttempts: number;
  /** The earliest send since the last reconciliation whose outcome is unknown (it may have paid). */
  unknownSince?: number;
  /** A send in flight (or cut short by a crash): its intent time. */
  openIntent?: number;
  lastError?: JournaledError;
  lastRequestId?: string;
}

/** The earliest moment this token may have been used at MTurk without a known outcome, or `undefined`. */
export function unknownSince(state: TokenState): number | undefined {
  const { unknownSince: since, openIntent } = state;
  if (since === undefined) return openIntent;
  return openIntent === undefined ? since : Math.min(since, openIntent);
}

/** The per-token state machine, fed by replay and by live appends alike. */
export class JournalState {
  readonly tokens = new Map<string, TokenState>();
  /** The content hash the journal is currently bound to (the header's, or the latest accepted change). */
  content?: string;

  get(token: string): TokenState {
    let state = this.tokens.get(token);
    if (state === undefined) {
      state = { sends: 0, httpAttempts: 0 };
      this.tokens.set(token, state);
    }
    return state;
  }

  apply(entry: JournalEntry): void {
    switch (entry.t) {
      case "header":
        this.content = entry.content;
        return;
      case "run":
        if (entry.content !== undefined) this.content = entry.content;
        return;
      case "intent": {
        const state = this.get(entry.token);
        // An earlier intent without an outcome: that send may have paid.
        if (state.openIntent !== undefined) state.unknownSince = Math.min(state.unknownSince ?? state.openIntent, state.openIntent);
        state.openIntent = Date.parse(entry.at);
        state.sends = Math.max(state.sends + 1, entry.n);
        return;
      }
      case "outcome": {
        const state = this.get(entry.token);
        const at = Date.parse(entry.at);
        state.httpAttempts += entry.attempts;
        if (entry.requestId !== undefined) state.lastRequestId = entry.requestId;
        if (entry.status === "paid") {
          state.paid = { via: entry.alreadyGranted ? "duplicate-token" : "sent", at, ...(entry.requestId === undefined ? {} : { requestId: entry.requestId }) };
          delete state.lastError;
        } else {
          if (entry.error?.outcomeUnknown !== false) {
            const since = state.openIntent ?? at;
            state.unknownSince = Math.min(state.unknownSince ?? since, since);
          }
          if (entry.error !== undefined) state.lastError = entry.error;
        }
        delete state.openIntent;
        return;
      }
      case "reconcile": {
        const state = this.get(entry.token);
        const at = Date.parse(entry.at);
        if (entry.found) state.paid = { via: "reconciled", at };
        else {
          // Checked: not paid as of now, and the token is past its window, so no earlier send can still land.
          delete state.unknownSince;
        }
        delete state.openIntent;
        return;
      }
    }
  }
}

const KINDS = new Set(["header", "run", "intent", "outcome", "reconcile"]);

/** A journal file as read: its entries, and whether a torn last line was found. */
export interface JournalContents {
  readonly header?: HeaderEntry;
  readonly entries: JournalEntry[];
  /** Byte length of the complete lines; anything after it is a torn write. */
  readonly validLength: number;
  readonly torn: boolean;
}

/** Parses journal text. A torn (unterminated or unparsable) last line is dropped; a bad line before it is corruption. */
export function parseJournal(text: string, path = "journal"): JournalContents {
  const entries: JournalEntry[] = [];
  let offset = 0;
  let validLength = 0;
  let lineNumber = 0;
  let torn = false;
  while (offset < text.length) {
    lineNumber++;
    const end = text.indexOf("\n", offset);
    const raw = end === -1 ? text.slice(offset) : text.slice(offset, end);
    const next = end === -1 ? text.length : end + 1;
    let entry: JournalEntry | undefined;
    if (end !== -1) {
      try {
        const value: unknown = JSON.parse(raw);
        if (typeof value === "object" && value !== null && KINDS.has((value as { t?: unknown }).t as string)) entry = value as JournalEntry;
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
      throw new JournalError(`${path}: line ${lineNumber} is not a journal entry, and it is not the last line, so the journal is damaged; keep it for the record and do not resume from it`, "corrupt");
    }
    entries.push(entry);
    offset = next;
    validLength = Buffer.byteLength(text.slice(0, next), "utf8");
  }
  const first = entries[0];
  if (first !== undefined && first.t !== "header") {
    throw new JournalError(`${path}: the first line is not a journal header; this is not a mturk-bonus journal`, "corrupt");
  }
  return { ...(first?.t === "header" ? { header: first } : {}), entries, validLength, torn };
}

/** Reads a journal without changing it (for dry runs); `undefined` if there is none. */
export function readJournal(path: string): JournalContents | undefined {
  if (!existsSync(path)) return undefined;
  return parseJournal(readFileSync(path, "utf8"), path);
}

/** Replays entries into a fresh {@link JournalState}. */
export function replay(entries: Iterable<JournalEntry>): JournalState {
  const state = new JournalState();
  for (const entry of entries) state.apply(entry);
  return state;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes `<journal>.lock` (a pid file). A lock whose process is gone (killed) is taken over. */
function lock(path: string): string {
  const lockPath = `${path}.lock`;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return lockPath;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      } catch {
        // Removed meanwhile, or unreadable: try again.
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new JournalError(`${path} is in use by another run (process ${pid}); wait for it to finish, or remove ${lockPath} if that process is not mturk-bonus`, "locked");
      }
      try {
        unlinkSync(lockPath);
      } catch {
        // Someone else cleaned it up.
      }
    }
  }
  throw new JournalError(`could not lock ${path} (${lockPath} keeps reappearing)`, "locked");
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

/**
 * An open journal: locked, torn tail cut off, bound to its batch. Every
 * append is one `write` and one `fsync` before it returns.
 */
export class Journal {
  readonly path: string;
  readonly header: HeaderEntry;
  /** Entries read at open, before this run appended anything. */
  readonly entries: readonly JournalEntry[];
  /** True when a torn last line from a crash was dropped. */
  readonly repairedTornLine: boolean;
  private fd: number | undefined;
  private readonly lockPath: string;

  private constructor(path: string, fd: number, lockPath: string, header: HeaderEntry, entries: JournalEntry[], repaired: boolean) {
    this.path = path;
    this.fd = fd;
    this.lockPath = lockPath;
    this.header = header;
    this.entries = entries;
    this.repairedTornLine = repaired;
  }

  /**
   * Opens (or creates) the journal at `path`. `bind` sees the existing
   * header (or `undefined` for a new journal) and returns the header to use;
   * it throws to refuse a journal that belongs to something else.
   */
  static open(path: string, bind: (existing: JournalContents | undefined) => HeaderEntry): Journal {
    const lockPath = lock(path);
    let fd: number | undefined;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o644);
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(size);
      let read = 0;
      while (read < size) {
        const n = readSync(fd, buffer, read, size - read, read);
        if (n === 0) break;
        read += n;
      }
      const contents = size === 0 ? undefined : parseJournal(buffer.subarray(0, read).toString("utf8"), path);
      // A journal torn before its header was complete never sent anything: start it afresh.
      const existing = contents?.header === undefined ? undefined : contents;
      const header = bind(existing);
      if (contents !== undefined && (contents.torn || existing === undefined)) {
        ftruncateSync(fd, existing === undefined ? 0 : contents.validLength);
        fsyncSync(fd);
      }
      const journal = new Journal(path, fd, lockPath, header, existing?.entries ?? [], contents?.torn === true);
      if (existing === undefined) {
        journal.append(header);
        fsyncDirectory(path);
      }
      return journal;
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone.
      }
      throw error;
    }
  }

  /**
   * Appends one entry durably: it is on disk when this returns. A write that
   * fails part-way (a full disk) is cut back off, so that the journal never
   * holds half a line before later ones and stays resumable.
   */
  append(entry: JournalEntry): void {
    if (this.fd === undefined) throw new Error(`journal ${this.path} is closed`);
    const line = Buffer.from(`${JSON.stringify(entry)}\n`, "utf8");
    const size = fstatSync(this.fd).size;
    try {
      let written = 0;
      while (written < line.length) written += writeSync(this.fd, line, written, line.length - written);
    } catch (error) {
      try {
        ftruncateSync(this.fd, size);
      } catch {
        // The torn tail is then dropped by the next reader, as after a kill.
      }
      throw error;
    }
    fsyncSync(this.fd);
  }

  /** Closes the file and releases the lock. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    try {
      unlinkSync(this.lockPath);
    } catch {
      // Already gone.
    }
  }
}
