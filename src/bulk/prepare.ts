/**
 * Before a payout: validate the rows, resolve the token namespace, bind (or
 * create) the journal, replay it, and derive every row's token.
 */
import { defaultNamespace, NAMESPACE_PATTERN } from "../identity.js";
import { Journal, JournalError, JournalState, readJournal, replay, unknownSince, type HeaderEntry, type JournalContents, type JournalEntry } from "./journal.js";
import { InvalidRowsError, validateRows, type BonusRow, type RawRow, type RowProblem } from "./rows.js";
import { BATCH_ID_PATTERN, contentHash, defaultBatchId, legacyTokensFor, tokensFor } from "./token.js";

/** What {@link prepare} needs from the payout options. */
export interface PrepareOptions {
  batchId?: string;
  namespace?: string;
  journal?: string;
  target?: string;
  inputName?: string;
  allowDuplicates?: boolean;
  acceptChangedInput?: boolean;
}

/** Validated rows with their tokens, and the journal's state. */
export interface Prepared {
  readonly rows: BonusRow[];
  readonly tokens: string[];
  readonly content: string;
  readonly batchId: string;
  readonly namespace: string;
  readonly state: JournalState;
  readonly journal?: Journal;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Refuses a malformed batch id or namespace before anything else. */
export function checkNames(options: { batchId?: string; namespace?: string }): void {
  if (options.batchId !== undefined && !BATCH_ID_PATTERN.test(options.batchId)) {
    throw new RangeError(`batch id ${JSON.stringify(options.batchId)} must be 1 to 64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`);
  }
  if (options.namespace !== undefined && !NAMESPACE_PATTERN.test(options.namespace)) {
    throw new RangeError(`namespace ${JSON.stringify(options.namespace)} must be 1 to 128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit`);
  }
}

/** The namespace to derive tokens in: the option, else one per target (the client's endpoint origin when it says). */
export function resolveNamespace(options: { namespace?: string; target?: string }, endpointOrigin: string | undefined): string {
  return options.namespace ?? defaultNamespace(endpointOrigin ?? options.target ?? "default");
}

interface Wanted {
  batchId?: string;
  fallbackBatchId: string;
  content: string;
  target: string;
  namespace: string;
  explicitNamespace: boolean;
  input?: string;
  acceptChangedInput: boolean;
  now: number;
}

/** Checks that an existing journal belongs to this batch, target, namespace and input; returns the header to use. */
export function bindJournal(path: string, existing: JournalContents | undefined, wanted: Wanted): HeaderEntry {
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

/**
 * Rows of a changed input that would pay an assignment the journal already
 * paid, or may have paid (a send whose outcome is unknown), under another token.
 */
export function repaidAssignments(rows: readonly BonusRow[], tokens: readonly string[], state: JournalState): RowProblem[] {
  const paidPairs = new Map<string, string>();
  for (const [token, st] of state.tokens) {
    if (st.WorkerId === undefined || st.AssignmentId === undefined) continue;
    if (st.paid !== undefined || unknownSince(st) !== undefined) paidPairs.set(`${st.WorkerId}\u0000${st.AssignmentId}`, token);
  }
  const problems: RowProblem[] = [];
  rows.forEach((row, i) => {
    const mine = tokens[i] as string;
    if (row.cents === 0 || state.tokens.get(mine)?.paid !== undefined) return;
    const token = paidPairs.get(`${row.WorkerId}\u0000${row.AssignmentId}`);
    if (token !== undefined && token !== mine) {
      problems.push({
        line: row.line,
        field: "AssignmentId",
        message: `WorkerId ${row.WorkerId} was already paid (or may have been: the outcome of a send is unknown) for AssignmentId ${row.AssignmentId} in this batch (journal, token ${token}) with another amount or reason; a second bonus is refused unless duplicates are allowed (--allow-duplicates). To settle a send whose outcome is unknown, resume with the original rows first`,
      });
    }
  });
  return problems;
}

function tokensOf(rows: readonly BonusRow[], header: HeaderEntry | undefined, namespace: string, duplicatesPossible: boolean): { tokens: string[]; namespace: string } {
  if (header?.v === 1) return { tokens: legacyTokensFor(rows, header.batchId), namespace: `batch:${header.batchId}` };
  const ns = header?.namespace ?? namespace;
  return { tokens: tokensFor(rows, ns, duplicatesPossible), namespace: ns };
}

/** Validates rows, binds (read-only, or locked for a run) the journal, replays it and derives the tokens. */
export function prepare(input: Iterable<RawRow>, options: PrepareOptions, endpointOrigin: string | undefined, now: number, mode: "read" | "open"): Prepared {
  checkNames(options);
  const rows = validateRows(input, { allowDuplicates: options.allowDuplicates ?? false });
  const content = contentHash(rows);
  const namespace = resolveNamespace(options, endpointOrigin);
  const wanted: Wanted = {
    ...(options.batchId === undefined ? {} : { batchId: options.batchId }),
    fallbackBatchId: defaultBatchId(rows),
    content,
    target: options.target ?? "default",
    namespace,
    explicitNamespace: options.namespace !== undefined,
    ...(options.inputName === undefined ? {} : { input: options.inputName }),
    acceptChangedInput: options.acceptChangedInput ?? false,
    now,
  };
  const path = options.journal;
  if (path === undefined) {
    return { rows, content, batchId: wanted.batchId ?? wanted.fallbackBatchId, state: new JournalState(), ...tokensOf(rows, undefined, namespace, options.allowDuplicates === true) };
  }
  if (mode === "read") {
    const existing = readJournal(path);
    const header = bindJournal(path, existing, wanted);
    return { rows, content, batchId: header.batchId, state: replay(existing?.entries ?? []), ...tokensOf(rows, existing?.header, namespace, options.allowDuplicates === true) };
  }
  const journal = Journal.open(path, (existing) => bindJournal(path, existing, wanted));
  try {
    const state = replay(journal.entries.length === 0 ? [journal.header] : journal.entries);
    const changed = state.content !== undefined && state.content !== content;
    const run: JournalEntry = { t: "run", at: iso(now), pid: process.pid, ...(changed ? { content } : {}) };
    const derived = tokensOf(rows, journal.header, namespace, options.allowDuplicates === true);
    if (changed && !options.allowDuplicates) {
      const problems = repaidAssignments(rows, derived.tokens, state);
      if (problems.length > 0) throw new InvalidRowsError(problems, options.inputName ?? "the changed input");
    }
    journal.appendNow(run);
    state.apply(run);
    return { rows, content, batchId: journal.header.batchId, state, journal, ...derived };
  } catch (error) {
    void journal.close();
    throw error;
  }
}
