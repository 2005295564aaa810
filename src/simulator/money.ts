/**
 * The simulator's own money arithmetic, written independently of the
 * client's `src/money.ts` (on `BigInt`, from MTurk's published rule) so that
 * a test comparing what the client computes with what the simulated account
 * charged catches a fee or parsing bug in either. Nothing here is shared
 * with the client; keep it that way.
 */

/** MTurk's `CurrencyAmount` pattern, as the service model writes it. */
export const CURRENCY_AMOUNT = /^[0-9]+(\.)?[0-9]{0,2}$/;

/** The simulator holds at most this much (in cents): beyond it, JSON numbers in answers stop being exact. */
const MAX_CENTS = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Dollars as written on the wire (`"5"`, `"5."`, `"0.5"`, `"101.42"`) to
 * integer cents, or `undefined` for anything MTurk's pattern refuses or the
 * simulator cannot hold exactly.
 */
export function dollarsToCents(dollars: string): number | undefined {
  if (!CURRENCY_AMOUNT.test(dollars)) return undefined;
  const [whole = "", fraction = ""] = dollars.split(".");
  const cents = BigInt(whole) * 100n + BigInt(`${fraction}00`.slice(0, 2));
  return cents <= MAX_CENTS ? Number(cents) : undefined;
}

/** Integer cents to the two-decimal form MTurk answers with: `5` → `"0.05"`. */
export function centsToDollars(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`not a cent amount: ${String(cents)}`);
  const digits = String(cents).padStart(3, "0");
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/**
 * MTurk's commission on one bonus, from its pricing page: "20% fee on the
 * reward and bonus amount … The minimum fee is $0.01 per assignment or bonus
 * payment", rounded half up to the cent ($0.104 → $0.10, $0.105 → $0.11).
 * In tenths of a cent: 20% of c cents is 2c tenths; half up adds 5 tenths.
 */
export function commissionCents(bonusCents: number): number {
  const tenths = BigInt(bonusCents) * 2n;
  const rounded = (tenths + 5n) / 10n;
  return Number(rounded < 1n ? 1n : rounded);
}
