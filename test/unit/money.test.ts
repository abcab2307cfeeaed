import { describe, expect, it } from 'vitest';
import { formatMoney, fromPaise, MAX_TOTAL_PAISE, parseMoney, parsePrice, toPaise, toPaiseBig } from '../../src/lib/money.js';

const INVALID = { ok: false, message: 'Must be a decimal number such as 1499.50.' };
const TOO_PRECISE = { ok: false, message: 'Use at most 2 decimal places.' };

describe('parseMoney', () => {
  it('accepts strings and numbers, answering the two-decimal string', () => {
    const cases: [unknown, string][] = [
      ['1499.50', '1499.50'],
      ['1499.5', '1499.50'],
      ['1499', '1499.00'],
      ['10', '10.00'],
      ['0.01', '0.01'],
      ['0', '0.00'],
      ['000', '0.00'],
      ['007.5', '7.50'],
      ['  12.5 ', '12.50'],
      ['-5', '-5.00'],
      ['-0.5', '-0.50'],
      ['1.230', '1.23'],
      ['1.2000', '1.20'],
      ['9999999999.99', '9999999999.99'],
      ['0001234567890.00', '1234567890.00'],
      [1499.5, '1499.50'],
      [10, '10.00'],
      [0, '0.00'],
      [0.1, '0.10'],
      [4.35, '4.35'],
      [-2.5, '-2.50'],
      [9999999999.99, '9999999999.99'],
    ];
    for (const [input, value] of cases) {
      expect(parseMoney(input), JSON.stringify(input)).toEqual({ ok: true, value });
    }
  });

  it('refuses more than two decimals, unless the extra ones are zeros', () => {
    for (const input of ['1.234', '1.999', '0.001', '1.2301', 1.234, 0.1 + 0.2]) {
      expect(parseMoney(input), String(input)).toEqual(TOO_PRECISE);
    }
  });

  it('refuses more than ten integer digits (numeric(12,2))', () => {
    for (const input of ['12345678901', '99999999999.99', 12345678901, 1e15]) {
      const parsed = parseMoney(input);
      expect(parsed.ok, String(input)).toBe(false);
      expect(parsed.ok || parsed.message).toBe(
        'Use at most 10 digits before the decimal point.',
      );
    }
  });

  it('refuses anything that is not a plain decimal', () => {
    const inputs: unknown[] = [
      '',
      ' ',
      'abc',
      '-',
      '1e3',
      '1E3',
      '0x10',
      '1,000',
      '1 000',
      '1_000',
      '12.5.0',
      '١٢',
      'Infinity',
      'NaN',
      '1.5abc',
      1e21,
      5e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      null,
      undefined,
      true,
      {},
      [],
      ['1'],
    ];
    for (const input of inputs) {
      expect(parseMoney(input), JSON.stringify(input) ?? String(input)).toEqual(INVALID);
    }
  });
});

describe('toPaise', () => {
  it('converts a decimal string to whole paise without float error', () => {
    expect(toPaise('1499.50')).toBe(149_950);
    expect(toPaise('1499.5')).toBe(149_950);
    expect(toPaise('12')).toBe(1200);
    expect(toPaise('0.05')).toBe(5);
    expect(toPaise('0.00')).toBe(0);
    // 4.35 * 100 is 434.99999999999994 in floating point.
    expect(toPaise('4.35')).toBe(435);
    expect(toPaise('1.15')).toBe(115);
    expect(toPaise('0.29')).toBe(29);
    expect(toPaise('-0.50')).toBe(-50);
    expect(toPaise('-12.3')).toBe(-1230);
    expect(toPaise('9999999999.99')).toBe(999_999_999_999);
  });
});

describe('fromPaise', () => {
  it('converts whole paise to the two-decimal string', () => {
    expect(fromPaise(149_950)).toBe('1499.50');
    expect(fromPaise(1200)).toBe('12.00');
    expect(fromPaise(5)).toBe('0.05');
    expect(fromPaise(0)).toBe('0.00');
    expect(fromPaise(-0)).toBe('0.00');
    expect(fromPaise(-50)).toBe('-0.50');
    expect(fromPaise(-1230)).toBe('-12.30');
    expect(fromPaise(999_999_999_999)).toBe('9999999999.99');
  });

  it('refuses a fraction of a paisa and unsafe integers', () => {
    for (const bad of [
      0.5,
      1.000001,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.MAX_SAFE_INTEGER + 1,
    ]) {
      expect(() => fromPaise(bad), String(bad)).toThrow(RangeError);
    }
  });

  it('round-trips with toPaise', () => {
    for (const amount of [
      '0.00',
      '0.01',
      '0.10',
      '0.99',
      '1.00',
      '4.35',
      '1499.50',
      '-7.05',
      '9999999999.99',
    ]) {
      expect(fromPaise(toPaise(amount))).toBe(amount);
    }
    for (let paise = -1000; paise <= 1000; paise += 7)
      expect(toPaise(fromPaise(paise))).toBe(paise);
  });
});

describe('formatMoney', () => {
  it('writes what the database returns in the two-decimal wire form', () => {
    expect(formatMoney('1499.5')).toBe('1499.50');
    expect(formatMoney('1499.50')).toBe('1499.50');
    expect(formatMoney('12')).toBe('12.00');
    expect(formatMoney('0')).toBe('0.00');
    expect(formatMoney('0.1')).toBe('0.10');
    expect(formatMoney('-12.3')).toBe('-12.30');
    expect(formatMoney('9999999999.99')).toBe('9999999999.99');
  });
});

describe('exact paise past 2^53 (toPaiseBig, fromPaise with a bigint)', () => {
  it('converts without loss at any size', () => {
    expect(toPaiseBig('1499.5')).toBe(149_950n);
    expect(toPaiseBig('4.35')).toBe(435n);
    expect(toPaiseBig('-0.05')).toBe(-5n);
    expect(toPaiseBig('12')).toBe(1200n);
    expect(toPaiseBig('99899999999900.1')).toBe(9_989_999_999_990_010n);
    expect(fromPaise(9_989_999_999_990_010n)).toBe('99899999999900.10');
    expect(fromPaise(-5n)).toBe('-0.05');
    expect(fromPaise(0n)).toBe('0.00');
    expect(fromPaise(MAX_TOTAL_PAISE)).toBe('99999999.99');
    // Past 2^53 a number cannot hold every paisa; the bigint sum stays exact.
    const sum = toPaiseBig('9999999999.99') * 999n * 10n;
    expect(fromPaise(sum)).toBe('99899999999900.10');
    expect(() => fromPaise(Number(sum))).toThrow(RangeError);
  });
});

describe('parsePrice', () => {
  it('accepts more than 0 up to 10000000.00', () => {
    for (const [input, value] of [
      ['0.01', '0.01'],
      [1499.5, '1499.50'],
      ['10000000.00', '10000000.00'],
      [10_000_000, '10000000.00'],
      ['10000000.000', '10000000.00'],
    ] as const) {
      expect(parsePrice(input), String(input)).toEqual({ ok: true, value });
    }
  });

  it('refuses zero, negatives, more than 10000000.00 and anything parseMoney refuses', () => {
    for (const input of ['0', '0.00', '-0.00', -1, '-0.01']) {
      expect(parsePrice(input), String(input)).toEqual({ ok: false, message: 'Price must be greater than 0' });
    }
    for (const input of ['10000000.01', 10_000_000.01, '9999999999.99', '0010000001']) {
      expect(parsePrice(input), String(input)).toEqual({
        ok: false,
        message: 'Must be at most 10000000.00.',
      });
    }
    expect(parsePrice('1.234')).toEqual(TOO_PRECISE);
    expect(parsePrice('abc')).toEqual(INVALID);
    expect(parsePrice(null)).toEqual(INVALID);
  });
});
