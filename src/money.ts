/**
 * Money as MTurk sees it: US dollars written as decimal strings on the wire,
 * integer cents everywhere inside. Nothing here ever touches a float, because
 * `0.1 + 0.2` is how bonuses end up as the rejected `"0.30000000000000004"`.
 */

/** The `CurrencyAmount` pattern from the MTurk service model. */
export const AMOUNT_PATTERN = /^[0-9]+(\.)?[0-9]{0,2}$/;

/** The least MTurk's commission on one bonus can be (it is otherwise 20%, see `feeCents`). */
export const MIN_FEE_CENTS = 1;

/**
 * Parses a wire amount such as `"1.5"`, `"1.50"`, `"5."` or `"007"` into
 * integer cents. Returns `undefined` for anything the service model rejects
 * and for amounts too large to count exactly in a JavaScript number.
 */
export function toCents(amount: string): number | undefined {
  if (!AMOUNT_PATTERN.test(amount)) return undefined;
  const dot = amount.indexOf(".");
  const whole = dot === -1 ? amount : amount.slice(0, dot);
  const fraction = dot === -1 ? "" : amount.slice(dot + 1);
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  return Number.isSafeInteger(cents) && Number.isSafeInteger(Number(whole) * 100) ? cents : undefined;
}

/** Formats integer cents as the canonical wire amount, always with two decimals: `150` → `"1.50"`. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) {
    throw new RangeError(`cents must be a non-negative safe integer, got ${String(cents)}`);
  }
  const whole = Math.floor(cents / 100);
  const rest = cents % 100;
  return `${whole}.${rest < 10 ? "0" : ""}${rest}`;
}

/** Integer cents as dollars for people, with thousands separators: `123456` → `"$1,234.56"`. */
export function formatDollars(cents: number): string {
  const [whole, fraction] = formatCents(cents).split(".") as [string, string];
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${fraction}`;
}

/**
 * MTurk's fee for one bonus of `cents`: 20%, rounded half up to the cent,
 * never less than one cent. Integer arithmetic only: 20% of n cents is n/5.
 */
export function feeCents(cents: number): number {
  const fifth = Math.floor(cents / 5);
  const remainder = cents % 5;
  const rounded = fifth + (remainder >= 3 ? 1 : 0);
  return Math.max(MIN_FEE_CENTS, rounded);
}
