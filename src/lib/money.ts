/**
 * Money is a decimal string with two places ("1499.50") or an integer count of paise
 * (149950). Conversions are string/integer work, never float arithmetic on rupees.
 */

const MAX_INTEGER_DIGITS = 10; // numeric(12,2)

/** "1499.5" → 149950. The input must already be a valid decimal string. */
export function toPaise(amount: string): number {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const paise = Number(whole) * 100 + Number((fraction + '00').slice(0, 2));
  return negative ? -paise : paise;
}

/** 149950 → "1499.50". */
export function fromPaise(paise: number): string {
  if (!Number.isSafeInteger(paise)) throw new RangeError(`not a whole number of paise: ${paise}`);
  const sign = paise < 0 ? '-' : '';
  const abs = Math.abs(paise);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
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
    if (!Number.isFinite(input)) return { ok: false, message: 'A valid number is required.' };
    text = String(input);
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    return { ok: false, message: 'A valid number is required.' };
  }
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return { ok: false, message: 'A valid number is required.' };
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > 2 && !/^0*$/.test(fraction.slice(2))) {
    return { ok: false, message: 'Ensure that there are no more than 2 decimal places.' };
  }
  const digits = whole!.replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_INTEGER_DIGITS) {
    return { ok: false, message: `Ensure that there are no more than ${MAX_INTEGER_DIGITS} digits before the decimal point.` };
  }
  return { ok: true, value: `${sign}${digits}.${(fraction + '00').slice(0, 2)}` };
}
