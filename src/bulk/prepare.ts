/**
 * Opening a payout (the step after rows in, before the plan): validate the
 * rows, resolve the token namespace, bind (or create) the journal, which
 * checks its own header, replay it, guard against a changed input paying an
 * assignment again, and derive every row's token.
 */
import { defaultNamespace } from "../identity.js";
import {
  Journal,
  JournalState,
  bindJournal,
  readJournal,
  replay,
  unknownSince,
  type HeaderEntry,
  type JournalBinding,
  type JournalEntry,
} from "./journal.js";
import { InvalidRowsError, validateRows, type BonusRow, type RawRow, type RowProblem } from "./rows.js";
import { checkNames } from "./options.js";
import { batchIdOf, contentHash, legacyTokensFor, tokensFor } from "./token.js";

export { checkNames };

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

/** The namespace to derive tokens in: the option, else one per target (the client's endpoint origin when it says). */
export function resolveNamespace(
  options: { namespace?: string; target?: string },
  endpointOrigin: string | undefined,
): string {
  return options.namespace ?? defaultNamespace(endpointOrigin ?? options.target ?? "default");
}

/**
 * Rows of a changed input that would pay an assignment the journal already
 * paid, or may have paid (a send whose outcome is unknown), under another token.
 */
export function repaidAssignments(
  rows: readonly BonusRow[],
  tokens: readonly string[],
  state: JournalState,
): RowProblem[] {
  const paidPairs = new Map<string, string>();
  for (const [token, st] of state.tokens) {
    if (st.WorkerId === undefined || st.AssignmentId === undefined) continue;
    if (st.paid !== undefined || unknownSince(st) !== undefined)
      paidPairs.set(`${st.WorkerId}\u0000${st.AssignmentId}`, token);
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

function tokensOf(
  rows: readonly BonusRow[],
  header: HeaderEntry | undefined,
  namespace: string,
  duplicatesPossible: boolean,
): { tokens: string[]; namespace: string } {
  if (header?.v === 1) return { tokens: legacyTokensFor(rows, header.batchId), namespace: `batch:${header.batchId}` };
  const ns = header?.namespace ?? namespace;
  return { tokens: tokensFor(rows, ns, duplicatesPossible), namespace: ns };
}

/** What the journal must be: this batch, target, namespace and input (see `bindJournal`). */
function bindingOf(options: PrepareOptions, content: string, namespace: string, now: number): JournalBinding {
  return {
    ...(options.batchId === undefined ? {} : { batchId: options.batchId }),
    fallbackBatchId: batchIdOf(content),
    content,
    target: options.target ?? "default",
    namespace,
    explicitNamespace: options.namespace !== undefined,
    ...(options.inputName === undefined ? {} : { input: options.inputName }),
    acceptChangedInput: options.acceptChangedInput ?? false,
    now,
  };
}

/** Validates rows, binds (read-only, or locked for a run) the journal, replays it and derives the tokens. */
export function prepare(
  input: Iterable<RawRow>,
  options: PrepareOptions,
  endpointOrigin: string | undefined,
  now: number,
  mode: "read" | "open",
): Prepared {
  checkNames(options);
  const rows = validateRows(input, { allowDuplicates: options.allowDuplicates ?? false });
  const content = contentHash(rows);
  const namespace = resolveNamespace(options, endpointOrigin);
  const binding = bindingOf(options, content, namespace, now);
  const duplicates = options.allowDuplicates === true;
  const path = options.journal;
  if (path === undefined) {
    return {
      rows,
      content,
      batchId: binding.batchId ?? binding.fallbackBatchId,
      state: new JournalState(),
      ...tokensOf(rows, undefined, namespace, duplicates),
    };
  }
  if (mode === "read") {
    const existing = readJournal(path);
    const header = bindJournal(path, existing, binding);
    return {
      rows,
      content,
      batchId: header.batchId,
      state: replay(existing?.entries ?? []),
      ...tokensOf(rows, existing?.header, namespace, duplicates),
    };
  }
  const journal = Journal.open(path, binding);
  try {
    return {
      rows,
      content,
      batchId: journal.header.batchId,
      journal,
      ...startRun(journal, rows, content, namespace, options, now),
    };
  } catch (error) {
    void journal.close();
    throw error;
  }
}

/**
 * Replays an open journal and records this run in it (with the new content
 * hash when the input changed), after guarding the changed input.
 */
function startRun(
  journal: Journal,
  rows: readonly BonusRow[],
  content: string,
  namespace: string,
  options: PrepareOptions,
  now: number,
): { state: JournalState; tokens: string[]; namespace: string } {
  const state = replay(journal.entries.length === 0 ? [journal.header] : journal.entries);
  const changed = state.content !== undefined && state.content !== content;
  const derived = tokensOf(rows, journal.header, namespace, options.allowDuplicates === true);
  if (changed && !options.allowDuplicates) {
    const problems = repaidAssignments(rows, derived.tokens, state);
    if (problems.length > 0) throw new InvalidRowsError(problems, options.inputName ?? "the changed input");
  }
  const run: JournalEntry = { t: "run", at: iso(now), pid: process.pid, ...(changed ? { content } : {}) };
  journal.appendNow(run);
  state.apply(run);
  return { state, ...derived };
}
