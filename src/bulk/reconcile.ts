/**
 * Deciding, from one `ListBonusPayments` listing of an assignment, which of
 * its rows are already paid. Pure: no I/O, no clock.
 *
 * Bonuses are matched by {@link bonusKey} (worker, assignment, cents,
 * reason) and counted, so identical rows allowed as duplicates are never
 * both settled by one payment: with `n` identical rows, `p` of them known
 * paid by the journal and `k` matching payments listed, `k - p` of the
 * others are settled by the listing and the rest are paid. So at most `n`
 * such bonuses exist afterwards, whoever paid the listed ones.
 *
 * Times are on MTurk's clock (`GrantTime` and the send times the journal
 * records from the `Date` of MTurk's answers), so a wrong local clock
 * cannot make a payment look older or newer than a send.
 */
import { bonusKey, paymentKey, type BonusIdentity } from "../identity.js";

/** A listed payment, as `ListBonusPayments` gives it. */
export interface ListedPayment {
  readonly WorkerId: string;
  readonly AssignmentId: string;
  readonly BonusAmount: string;
  readonly Reason: string;
  readonly GrantTime: Date;
}

/** One row of the assignment, as the payer sees it when the listing arrives. */
export interface RowView {
  readonly bonus: BonusIdentity;
  /**
   * `paid`: the journal knows it paid. `unsettled`: a send whose outcome is
   * unknown and that a re-send with its still-valid token will settle.
   * `reconcile`: a send whose outcome is unknown and whose token may have
   * expired. `fresh`: no journal record of being settled (never sent, or
   * refused for sure), to be decided now. `other`: not decided now, and
   * cannot have been paid (refused for sure in this run).
   */
  readonly kind: "paid" | "unsettled" | "reconcile" | "fresh" | "other";
  /** For `reconcile` rows (and paid ones): the first send, ms on MTurk's clock. */
  readonly firstSend?: number;
}

/**
 * What to do with a row: `listed` (a matching payment it did not send is
 * listed: not paid again), `reconciled` (its own earlier send paid),
 * `send`, or `blocked` (an identical row's outcome is still unknown, so the
 * listing cannot tell whose payment is whose yet; decide again later).
 */
export type Decision = "listed" | "reconciled" | "send" | "blocked" | "none";

/** Options of {@link decide}. */
export interface DecideOptions {
  /**
   * The user chose to pay bonuses again even when a matching payment is
   * listed (a second, identical bonus): then only payments granted after
   * the key's first send here (less `marginMs`) can be this journal's, and
   * `fresh` rows are counted against those only.
   */
  readonly payAgain: boolean;
  /** Tolerance between send times and GrantTime, ms. */
  readonly marginMs: number;
}

/** Decides every row of one assignment from its listing; `none` for rows that are not `fresh` or `reconcile`. */
export function decide(
  rows: readonly RowView[],
  payments: readonly ListedPayment[],
  options: DecideOptions,
): Decision[] {
  const byKey = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = bonusKey(row.bonus);
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [i]);
    else list.push(i);
  });
  const listed = new Map<string, number[]>();
  for (const payment of payments) {
    const key = paymentKey(payment);
    if (key === undefined) continue;
    const times = listed.get(key);
    if (times === undefined) listed.set(key, [payment.GrantTime.getTime()]);
    else times.push(payment.GrantTime.getTime());
  }
  const decisions: Decision[] = rows.map(() => "none");
  for (const [key, indexes] of byKey) decideKey(rows, indexes, listed.get(key) ?? [], options, decisions);
  return decisions;
}

function decideKey(
  rows: readonly RowView[],
  indexes: readonly number[],
  grants: readonly number[],
  options: DecideOptions,
  out: Decision[],
): void {
  const open = indexes.filter((i) => rows[i]!.kind === "reconcile" || rows[i]!.kind === "fresh");
  if (open.length === 0) return;
  if (indexes.some((i) => rows[i]!.kind === "unsettled")) {
    for (const i of open) out[i] = "blocked";
    return;
  }
  const paid = indexes.filter((i) => rows[i]!.kind === "paid").length;
  let available: number;
  if (options.payAgain) {
    // Only payments granted since this key's first send here can be ours; older ones the user chose to pay again.
    const since = Math.min(...indexes.map((i) => rows[i]!.firstSend ?? Number.POSITIVE_INFINITY)) - options.marginMs;
    available = grants.filter((t) => t >= since).length - paid;
  } else {
    available = grants.length - paid;
  }
  // Rows with a send of their own first: a listed payment is likelier theirs.
  const ordered = [
    ...open.filter((i) => rows[i]!.kind === "reconcile"),
    ...open.filter((i) => rows[i]!.kind === "fresh"),
  ];
  for (const i of ordered) {
    if (available > 0) {
      out[i] = rows[i]!.kind === "reconcile" ? "reconciled" : "listed";
      available--;
    } else {
      out[i] = "send";
    }
  }
}
