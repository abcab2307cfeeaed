import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeTotals, type DiscountInput, type LineInput } from '../../src/modules/pricing/index.js';
import { allocate, divRoundHalfUp } from '../../src/modules/pricing/totals.js';

const line = (rupees: number, quantity = 1, taxRateBp = 1800, eligible = true): LineInput => ({
  unitPaise: BigInt(Math.round(rupees * 100)),
  quantity,
  taxRateBp,
  eligible,
});

describe('computeTotals, by example', () => {
  it('extracts 18 % GST from a tax-inclusive price, rounded half up per line', () => {
    // 1180.00 incl. 18 %: 180.00 tax exactly; 99.99 incl. 18 %: 15.2526… → 15.25.
    const t = computeTotals({ lines: [line(1180), line(99.99)], discount: null, shippingPaise: 0n, taxSplit: 'inter' });
    expect(t.lines.map((l) => l.taxAmount)).toEqual([18_000n, 1525n]);
    expect(t.taxTotal).toBe(19_525n);
    expect(t.taxBreakdown).toEqual({ cgst: 0n, sgst: 0n, igst: 19_525n });
    expect(t.total).toBe(127_999n);
  });

  it('rounds a half paisa up', () => {
    expect(divRoundHalfUp(5n, 2n)).toBe(3n);
    expect(divRoundHalfUp(4n, 2n)).toBe(2n);
    expect(divRoundHalfUp(7n, 4n)).toBe(2n); // 1.75
    expect(divRoundHalfUp(5n, 4n)).toBe(1n); // 1.25
  });

  it('takes a percentage of the eligible lines only, allocated in proportion, adding up exactly', () => {
    // 10 % of 333.33 + 166.67 = 50.00; the third line is not eligible.
    const t = computeTotals({
      lines: [line(333.33), line(166.67), line(1000, 1, 1800, false)],
      discount: { kind: 'percentage', valueBp: 1000 },
      shippingPaise: 5000n,
      taxSplit: 'intra',
    });
    expect(t.discountTotal).toBe(5000n);
    expect(t.lines.map((l) => l.discount)).toEqual([3333n, 1667n, 0n]);
    expect(t.total).toBe(150_000n - 5000n + 5000n);
    expect(t.taxBreakdown.cgst + t.taxBreakdown.sgst).toBe(t.taxTotal);
  });

  it('never discounts more than the eligible subtotal', () => {
    const t = computeTotals({
      lines: [line(100), line(50, 1, 1800, false)],
      discount: { kind: 'fixed_amount', paise: 50_000n },
      shippingPaise: 0n,
      taxSplit: 'inter',
    });
    expect(t.discountTotal).toBe(10_000n);
    expect(t.lines[0]!.net).toBe(0n);
    expect(t.lines[0]!.taxAmount).toBe(0n);
    expect(t.total).toBe(5000n);
  });

  it('makes shipping free with a free-shipping promotion, and discounts nothing else', () => {
    const t = computeTotals({ lines: [line(10)], discount: { kind: 'free_shipping' }, shippingPaise: 9900n, taxSplit: 'inter' });
    expect([t.discountTotal, t.shippingTotal, t.total]).toEqual([0n, 0n, 1000n]);
  });

  it('splits an odd tax total into CGST and SGST halves one paisa apart', () => {
    const t = computeTotals({ lines: [line(99.99)], discount: null, shippingPaise: 0n, taxSplit: 'intra' });
    expect(t.taxTotal).toBe(1525n);
    expect(t.taxBreakdown).toEqual({ cgst: 763n, sgst: 762n, igst: 0n });
  });

  it('allocates with the largest remainder, ties to the earlier line', () => {
    expect(allocate(1n, [1n, 1n, 1n])).toEqual([1n, 0n, 0n]);
    expect(allocate(2n, [1n, 1n, 1n])).toEqual([1n, 1n, 0n]);
    expect(allocate(10n, [1n, 2n])).toEqual([3n, 7n]);
    expect(allocate(0n, [5n, 5n])).toEqual([0n, 0n]);
  });
});

// ---- properties ------------------------------------------------------------------------------
const lineArb = fc.record({
  unitPaise: fc.bigInt({ min: 1n, max: 1_000_000_000n }),
  quantity: fc.integer({ min: 1, max: 999 }),
  taxRateBp: fc.constantFrom(0, 500, 1200, 1800, 2800, 1234),
  eligible: fc.boolean(),
});
const discountArb: fc.Arbitrary<DiscountInput | null> = fc.oneof(
  fc.constant(null),
  fc.record({ kind: fc.constant('percentage' as const), valueBp: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ kind: fc.constant('fixed_amount' as const), paise: fc.bigInt({ min: 1n, max: 10_000_000_000n }) }),
  fc.constant({ kind: 'free_shipping' as const }),
);
const inputArb = fc.record({
  lines: fc.array(lineArb, { minLength: 1, maxLength: 12 }),
  discount: discountArb,
  shippingPaise: fc.bigInt({ min: 0n, max: 1_000_000n }),
  taxSplit: fc.constantFrom('intra' as const, 'inter' as const),
});

describe('computeTotals, properties', () => {
  it('the lines’ discounts add up to the discount, each within its line and only on eligible lines', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const t = computeTotals(input);
        expect(t.lines.reduce((a, l) => a + l.discount, 0n)).toBe(t.discountTotal);
        t.lines.forEach((l, i) => {
          expect(l.discount >= 0n && l.discount <= l.subtotal).toBe(true);
          if (!input.lines[i]!.eligible) expect(l.discount).toBe(0n);
          expect(l.net).toBe(l.subtotal - l.discount);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('the total is subtotal − discount + shipping, never negative; tax sums and splits exactly', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const t = computeTotals(input);
        expect(t.total).toBe(t.subtotal - t.discountTotal + t.shippingTotal);
        expect(t.total >= 0n).toBe(true);
        expect(t.lines.reduce((a, l) => a + l.taxAmount, 0n)).toBe(t.taxTotal);
        const { cgst, sgst, igst } = t.taxBreakdown;
        expect(cgst + sgst + igst).toBe(t.taxTotal);
        expect(cgst - sgst === 0n || cgst - sgst === 1n).toBe(true);
        if (input.taxSplit === 'inter') expect(cgst + sgst).toBe(0n);
      }),
      { numRuns: 500 },
    );
  });

  it('each line’s tax is the exact rational tax rounded half up (within half a paisa)', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const t = computeTotals(input);
        t.lines.forEach((l, i) => {
          const rate = BigInt(input.lines[i]!.taxRateBp);
          // |tax − net·r/(10000+r)| ≤ 1/2  ⇔  |2·tax·(10000+r) − 2·net·r| ≤ 10000+r
          const diff = 2n * l.taxAmount * (10_000n + rate) - 2n * l.net * rate;
          expect(diff <= 10_000n + rate && diff > -(10_000n + rate)).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('a percentage discount is the eligible subtotal × value / 100 rounded half up, capped by it', () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 0, max: 10_000 }), (input, valueBp) => {
        const t = computeTotals({ ...input, discount: { kind: 'percentage', valueBp } });
        const eligible = t.lines.reduce((a, l, i) => a + (input.lines[i]!.eligible ? l.subtotal : 0n), 0n);
        const exact2 = 2n * eligible * BigInt(valueBp); // twice the discount × 10000
        const diff = 2n * t.discountTotal * 10_000n - exact2;
        expect(diff <= 10_000n && diff > -10_000n).toBe(true);
        expect(t.discountTotal <= eligible).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
