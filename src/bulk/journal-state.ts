/**
 * What a journal says: its entries (one JSON line each), the builders of
 * the entries a send writes, and the per-token state machine that replay
 * and live appends feed alike. Pure: the file itself is `journal.ts`.
 */
import { isMTurkError } from "../errors.js";

/** The first line: what the journal belongs to. */
export interface HeaderEntry {
  readonly t: "header";
  /** 1: tokens derived from the batch id (older versions); 2: tokens derived from the namespace and each row alone. */
  readonly v: 1 | 2;
  /** The batch id: a name for people (version 1 tokens depended on it). */
  readonly batchId: string;
  /** {@link contentHash} of the rows this journal was started for. */
  readonly content: string;
  /** Where the money goes (production, sandbox, an endpoint URL): a journal is never reused for another. */
  readonly target: string;
  /** The token namespace (version 2): every token of this journal is derived in it. */
  readonly namespace?: string;
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

/**
 * Written and fsynced before a bonus is sent. The row's fields (and its
 * Reason, which may be long) are journaled with its first send only.
 */
export interface IntentEntry {
  readonly t: "intent";
  readonly token: string;
  readonly line?: number;
  readonly WorkerId?: string;
  readonly AssignmentId?: string;
  readonly BonusAmount?: string;
  readonly Reason?: string;
  /** The row's send number across all runs, from 1. */
  readonly n: number;
  /** Local time. */
  readonly at: string;
  /** MTurk's time (from the `Date` of its answers), when known: what GrantTime and the 24-hour window are compared with. */
  readonly srv?: string;
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
  /** MTurk's time, when known. */
  readonly srv?: string;
}

/** The result of checking `ListBonusPayments` for a row whose token may have expired. */
export interface ReconcileEntry {
  readonly t: "reconcile";
  readonly token: string;
  readonly found: boolean;
  /** Matching payments seen. */
  readonly matches: number;
  /** The payment found is not one this journal sent (never sent here, or paid before its first send here). */
  readonly listed?: boolean;
  readonly at: string;
  /** MTurk's time, when known. */
  readonly srv?: string;
}

export type JournalEntry = HeaderEntry | RunEntry | IntentEntry | OutcomeEntry | ReconcileEntry;

/** What an intent records of its row. */
type BonusFields = {
  readonly line: number;
  readonly WorkerId: string;
  readonly AssignmentId: string;
  readonly BonusAmount: string;
  readonly Reason: string;
};

/** Journal times: local (`at`), and MTurk's (`srv`) when the client knows it. */
export interface EntryTimes {
  readonly at: string;
  readonly srv?: string;
}

/** The intent of a row's next send (`sends`: its sends so far); its fields (and long Reason) go with the first send only. */
export function intentEntry(token: string, row: BonusFields, sends: number, times: EntryTimes): IntentEntry {
  const fields =
    sends === 0
      ? {
          line: row.line,
          WorkerId: row.WorkerId,
          AssignmentId: row.AssignmentId,
          BonusAmount: row.BonusAmount,
          Reason: row.Reason,
        }
      : {};
  return { t: "intent", token, ...fields, n: sends + 1, ...times };
}

/** MTurk answered "paid" (or "already processed": paid by an earlier send with the same token). */
export function paidEntry(
  token: string,
  output: {
    readonly alreadyGranted?: boolean;
    readonly $metadata: { readonly requestId?: string; readonly attempts: number };
  },
  times: EntryTimes,
): OutcomeEntry {
  return {
    t: "outcome",
    token,
    status: "paid",
    ...(output.alreadyGranted ? { alreadyGranted: true } : {}),
    ...(output.$metadata.requestId === undefined ? {} : { requestId: output.$metadata.requestId }),
    attempts: output.$metadata.attempts,
    ...times,
  };
}

/** A send failed with `error` (journaled as `journaled`). */
export function failedEntry(token: string, error: unknown, journaled: JournaledError, times: EntryTimes): OutcomeEntry {
  const attempts = isMTurkError(error) ? error.$metadata.attempts : 1;
  const requestId = isMTurkError(error) ? error.$metadata.requestId : undefined;
  return {
    t: "outcome",
    token,
    status: "failed",
    attempts,
    ...(requestId === undefined ? {} : { requestId }),
    error: journaled,
    ...times,
  };
}

/** The run stopped after the intent but before the send: not sent, for sure. */
export function notSentEntry(token: string, times: EntryTimes): OutcomeEntry {
  return {
    t: "outcome",
    token,
    status: "failed",
    attempts: 0,
    error: { name: "NotSent", message: "the run stopped before this send", outcomeUnknown: false },
    ...times,
  };
}

/** What is known about one token after replaying the journal. */
export interface TokenState {
  /** Present once the bonus is known to be paid (`listed`: MTurk lists a matching payment this journal did not send). */
  paid?: {
    readonly via: "sent" | "duplicate-token" | "reconciled" | "listed";
    readonly requestId?: string;
    readonly at: number;
  };
  /** Sends of this row (intents), across runs. */
  sends: number;
  /** HTTP attempts, across runs. */
  httpAttempts: number;
  /** The earliest send since the last reconciliation whose outcome is unknown (it may have paid). */
  unknownSince?: number;
  /** A send in flight (or cut short by a crash): its intent time. */
  openIntent?: number;
  /** The first send's time. */
  firstSend?: number;
  /**
   * Some time above is on the local clock only (a journal from an older
   * version, or a client that could not tell MTurk's time); the others are
   * on MTurk's clock.
   */
  localTimes?: boolean;
  /** Who and what assignment it pays, from its first intent. */
  WorkerId?: string;
  AssignmentId?: string;
  lastError?: JournaledError;
  lastRequestId?: string;
}

/** The earliest moment this token may have been used at MTurk without a known outcome, or `undefined`. */
export function unknownSince(state: TokenState): number | undefined {
  const { unknownSince: since, openIntent } = state;
  if (since === undefined) return openIntent;
  return openIntent === undefined ? since : Math.min(since, openIntent);
}

/** An entry's time: MTurk's when journaled, else the local one (and the state is marked as holding local times). */
function timeOf(entry: { readonly at: string; readonly srv?: string }, state: TokenState): number {
  if (entry.srv !== undefined) return Date.parse(entry.srv);
  state.localTimes = true;
  return Date.parse(entry.at);
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
        const at = timeOf(entry, state);
        // An earlier intent without an outcome: that send may have paid.
        if (state.openIntent !== undefined)
          state.unknownSince = Math.min(state.unknownSince ?? state.openIntent, state.openIntent);
        state.openIntent = at;
        state.firstSend ??= at;
        if (entry.WorkerId !== undefined) state.WorkerId = entry.WorkerId;
        if (entry.AssignmentId !== undefined) state.AssignmentId = entry.AssignmentId;
        state.sends = Math.max(state.sends + 1, entry.n);
        return;
      }
      case "outcome": {
        const state = this.get(entry.token);
        const at = timeOf(entry, state);
        state.httpAttempts += entry.attempts;
        if (entry.requestId !== undefined) state.lastRequestId = entry.requestId;
        if (entry.status === "paid") {
          state.paid = {
            via: entry.alreadyGranted ? "duplicate-token" : "sent",
            at,
            ...(entry.requestId === undefined ? {} : { requestId: entry.requestId }),
          };
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
        const at = timeOf(entry, state);
        if (entry.found) state.paid = { via: entry.listed ? "listed" : "reconciled", at };
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

/** Every kind of entry; a line of another kind (before the last) is a damaged journal. */
export const ENTRY_KINDS: ReadonlySet<string> = new Set(["header", "run", "intent", "outcome", "reconcile"]);

/** Replays entries into a fresh {@link JournalState}. */
export function replay(entries: Iterable<JournalEntry>): JournalState {
  const state = new JournalState();
  for (const entry of entries) state.apply(entry);
  return state;
}
