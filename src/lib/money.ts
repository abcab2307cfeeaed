/**
 * Money is a decimal string with two places ("1499.50") or an integer count of paise
 * (149950). Conversions are string/integer work, never float arithmetic on rupees.
 */

const MAX_INTEGER_DIGITS = 10; // numeric(12,2)

/** The highest price a product may be given (API-v2 §0). */
const MAX_PRICE = '10000000.00';
const MAX_PRICE_PAISE = 1_000_000_000;

/**
 * The highest total the API computes for a cart or an order, in paise (99999999.99): it
 * fits the money column with room to spare, and every sum below it is a safe integer.
 */
export const MAX_TOTAL_PAISE = 9_999_999_999n;

/** "1499.5" → 149950. The input must already be a valid decimal string. */
export function toPaise(amount: string): number {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const paise = Number(whole) * 100 + Number((fraction + '00').slice(0, 2));
  return negative ? -paise : paise;
}

/**
 * "1499.5" → 149950n, exact at any size: for sums that may pass 2^53 paise (a cart's
 * lines priced before the bounds existed). The input must already be a valid decimal string.
 */
export function toPaiseBig(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const paise = BigInt(whole || '0') * 100n + BigInt((fraction + '00').slice(0, 2));
  return negative ? -paise : paise;
}

/** 149950 (or 149950n) → "1499.50". */
export function fromPaise(paise: number | bigint): string {
  if (typeof paise === 'bigint') return fromBigPaise(paise);
  if (!Number.isSafeInteger(paise)) throw new RangeError(`not a whole number of paise: ${paise}`);
  const sign = paise < 0 ? '-' : '';
  const abs = Math.abs(paise);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function fromBigPaise(paise: bigint): string {
  const sign = paise < 0n ? '-' : '';
  const abs = paise < 0n ? -paise : paise;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** A money string as the database returns it ("1499.5", "12") in the two-decimal wire form. */
export function formatMoney(amount: string): string {
  return fromPaise(toPaise(amount));
}

export type MoneyParse = { ok: true; value: string } | { ok: false; message: string };

/**
 * Parses money input given as a JSON string or number: at most two decimals and ten
 * integer digits. Returns the canonical two-decimal string.
 */
export function parseMoney(input: unknown): MoneyParse {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, message: 'Must be a decimal number such as 1499.50.' };
    text = String(input);
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    return { ok: false, message: 'Must be a decimal number such as 1499.50.' };
  }
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return { ok: false, message: 'Must be a decimal number such as 1499.50.' };
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > 2 && !/^0*$/.test(fraction.slice(2))) {
    return { ok: false, message: 'Use at most 2 decimal places.' };
  }
  const digits = whole!.replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_INTEGER_DIGITS) {
    return { ok: false, message: `Use at most ${MAX_INTEGER_DIGITS} digits before the decimal point.` };
  }
  return { ok: true, value: `${sign}${digits}.${(fraction + '00').slice(0, 2)}` };
}

/**
 * Parses a product price: money as parseMoney reads it, greater than 0 and at most
 * MAX_PRICE.
 */
export function parsePrice(input: unknown): MoneyParse {
  const parsed = parseMoney(input);
  if (!parsed.ok) return parsed;
  const paise = toPaise(parsed.value);
  if (paise <= 0) return { ok: false, message: 'Price must be greater than 0' };
  if (paise > MAX_PRICE_PAISE) {
    return { ok: false, message: `Must be at most ${MAX_PRICE}.` };
  }
  return parsed;
}
