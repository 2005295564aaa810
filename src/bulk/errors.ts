/**
 * The bulk payer's errors. Every one is an `MTurkError` (so `isMTurkError`,
 * `name`, `$fault` and `toJSON` work on them as on the client's errors), and
 * every one is thrown before anything is paid, or says what was:
 *
 * - `InvalidRowsError` (`rows.ts`): the input has problems; `problems` lists them.
 * - `JournalError` (here): the journal belongs to something else, is damaged,
 *   unreadable, or in use by another run (the lock); `reason` says which.
 * - `BalanceCheckError` and `InsufficientBalanceError` (`balance.ts`): the
 *   balance could not be read, or does not cover the batch.
 * - `ValidationError` (`../errors.ts`): an option out of range (`field`, `rule`).
 *
 * Failures of single sends are not thrown: they end up in the row's result
 * (see `policy.ts` for what stops a run and what fails a row).
 */
import { MTurkError } from "../errors.js";

/** A journal that cannot be used: bound to other input, corrupt, unreadable, or in use (locked). */
export class JournalError extends MTurkError {
  /** `mismatch`, `corrupt`, `locked` or `unreadable`. */
  readonly reason: "mismatch" | "corrupt" | "locked" | "unreadable";

  constructor(message: string, reason: "mismatch" | "corrupt" | "locked" | "unreadable") {
    super({ name: "JournalError", message, $fault: "client" });
    this.reason = reason;
  }
}
