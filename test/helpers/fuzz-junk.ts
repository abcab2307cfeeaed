/**
 * Junk for the fuzz test (test/http/fuzz.test.ts): wrong types, numbers at and past
 * every bound, odd strings, and a JSON writer that can put number tokens JavaScript cannot
 * hold (`1e400`) into a body.
 */
import fc from 'fast-check';

/** A JSON token written as is: numbers that JSON.stringify cannot produce. */
export class RawJson {
  constructor(readonly text: string) {}
  toString() {
    return this.text;
  }
}

/** JSON text of a value that may hold RawJson tokens. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const deep = (depth: number) => new RawJson('['.repeat(depth) + ']'.repeat(depth));

/** Strings that look like numbers, or almost. */
// prettier-ignore
const NUMBERISH_TEXT = [
  'Infinity', '-Infinity', '+Infinity', 'NaN', '1e300', '-1e300', '1e-300', '12abc', 'abc', '0x10', '0b1',
  '0o7', '1_000', '1,000', '', ' ', ' 1', '1 ', '+1', '-0', '0', '-1', '1', '1.5', '1.0', '.5', '5.', '1e3',
  '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967296', '9007199254740991',
  '9007199254740993', '1000000000000000000', '99999999999999999999999999', '١٢٣', '１２３', 'true', 'null',
];

/** Strings that are hard to store, compare, render or route. */
// prettier-ignore
export const ODD_TEXT = [
  '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '😀', '👩‍👩‍👧‍👦'.repeat(20), '\u202eevil\u202c',
  'مرحبا بالعالم', 'e\u0301', '\ufeff', '\u200b', 'Ω≈ç√∫', '\r\n', '\t', "'; drop table users; --", '%00',
  '%', '%zz', '../../etc/passwd', '${jndi:x}', '<script>alert(1)</script>', '\\', '"', '{}', '[]',
  'a'.repeat(256), 'é'.repeat(5000), 'x'.repeat(10_000), '😀'.repeat(3000), 'US/Pacific-New', '0000-01-01',
  '9999-12-31', '2026-02-30', '2026-13-01', '-000001-01-01', '+275760-09-13',
];

/** Numbers at and past the usual bounds, as JSON tokens. */
// prettier-ignore
export const BOUND_NUMBERS: unknown[] = [
  0, -0, -1, 1, 1.5, -1.5, 0.1, 999, 1000, 1_000_000, 2147483647, 2147483648, -2147483648, -2147483649,
  4294967296, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e300, 1e308, -1e308, 5e-324, 1.7976931348623157e308,
  new RawJson('1e400'), new RawJson('-1e400'), new RawJson('123456789012345678901234567890'),
  new RawJson('0.0000000000000000000000000001'), new RawJson('1E2'), new RawJson('-0.0'),
];

/** Values of the wrong JSON type, or shapes nobody expects. */
// prettier-ignore
export const WRONG_TYPES: unknown[] = [
  null, true, false, [], [1], [2], ['1'], [null], {}, { a: 1 }, { $gt: 0 }, { __proto__x: 1 }, [[[[[]]]]],
  deep(10_000), deep(100_000), Array.from({ length: 2000 }, (_, i) => i),
];

/** What broke number handling before: text the validator coerced, non-finite and huge values. */
// prettier-ignore
export const NUMBER_TRAPS: unknown[] = [
  'Infinity', '-Infinity', 'NaN', '1e300', '-1e300', '12abc', '0x10', '', '1.5', '2147483648',
  '9007199254740993', '1000000000000000000', true, false, null, [2], [], {}, new RawJson('1e400'),
  new RawJson('-1e400'), 1e300, -1e300, 2 ** 53, 2147483648, -2147483649, 1.5, -1, 0,
];

/** The same as they arrive in a URL. */
// prettier-ignore
export const NUMBER_TRAPS_TEXT = [
  'Infinity', '-Infinity', 'NaN', '1e300', '-1e300', '1e400', '12abc', '0x10', '', ' ', '1.5', '-1', '0',
  '2147483647', '2147483648', '9007199254740993', '1000000000000000000', '99999999999999999999', 'true',
  'null',
];

/** Numbers near a schema's own bounds. */
export function numbersAround(min: number | undefined, max: number | undefined): unknown[] {
  const out: unknown[] = [];
  for (const bound of [min, max]) {
    if (bound === undefined) continue;
    out.push(bound - 1, bound, bound + 1, bound - 0.5, bound + 0.5);
  }
  return out;
}

/** Text near a schema's own length bounds. */
export function stringsAround(
  minLength: number | undefined,
  maxLength: number | undefined,
): string[] {
  const out: string[] = [];
  for (const n of [minLength, maxLength]) {
    if (n === undefined) continue;
    for (const len of [n - 1, n, n + 1]) if (len >= 0) out.push('a'.repeat(len), '😀'.repeat(len));
  }
  return out;
}

/** Any junk at all. */
export const anyJunk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...NUMBERISH_TEXT),
  fc.constantFrom(...ODD_TEXT),
  fc.constantFrom(...BOUND_NUMBERS),
  fc.constantFrom(...WRONG_TYPES),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Junk as it can come in a URL (query value, path segment): text only. */
export const textJunk: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NUMBERISH_TEXT),
  fc.constantFrom(...ODD_TEXT),
  fc.constantFrom(...BOUND_NUMBERS.map(String)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 90, maxLength: 130 }),
);

/** Bodies that are not JSON at all, or not what JSON.parse expects. */
// prettier-ignore
export const BROKEN_JSON = [
  '', '{', '}', '{"a":}', '{"a":1,}', "{'a':1}", '{"a":1}garbage', 'NaN', 'Infinity', 'undefined', '\u0000',
  '{"a":"\u0000"}', '{"a":"\\u0000"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '['.repeat(50_000),
  '"just a string"', '12', 'null', 'true', '[]', '\ufeff{}',
];

/** URL-encodes text, even text that encodeURIComponent refuses (lone surrogates). */
export function encodePart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          // A lone surrogate: its three CESU-8 bytes, which are not valid UTF-8.
          const c = ch.charCodeAt(0);
          const bytes = [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
          return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        }
      })
      .join('');
  }
}

/** Header-safe junk (visible ASCII: Node refuses anything else in a header). */
export const headerJunk: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'null',
    'Infinity',
    '0',
    '-1',
    '%00',
    'a'.repeat(255),
    'a'.repeat(256),
    'a'.repeat(8000),
  ),
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 60,
  }),
);
