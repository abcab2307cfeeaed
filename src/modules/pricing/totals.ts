/**
 * The money of a cart or an order (API-v2 §2), as one pure function of integer paise:
 * subtotal, the promotion's discount allocated to lines so that the lines' discounts add up
 * exactly, shipping, the tax contained in each line's price after its discount, and the
 * total that the payment gateway is asked to charge. No floats anywhere: BigInt paise, rates
 * in basis points (18.00 % = 1800).
 */

export interface LineInput {
  /** Unit price in paise, tax included. */
  unitPaise: bigint;
  quantity: number;
  /** The line's tax rate in basis points (hundredths of a percent): 18.00 % is 1800. */
  taxRateBp: number;
  /** Whether the promotion applies to this line (its product or category is eligible). */
  eligible: boolean;
}

export type DiscountInput =
  | { kind: 'percentage'; /** 0..10000 basis points (0–100 %) */ valueBp: number }
  | { kind: 'fixed_amount'; paise: bigint }
  | { kind: 'free_shipping' };

export interface TotalsInput {
  lines: readonly LineInput[];
  discount: DiscountInput | null;
  /** The shipping method's price for this cart, before a free-shipping promotion. */
  shippingPaise: bigint;
  /** `intra`: shipped within SHOP_STATE (CGST + SGST); `inter`: IGST. */
  taxSplit: 'intra' | 'inter';
}

interface LineTotals {
  subtotal: bigint;
  discount: bigint;
  /** subtotal − discount: what the customer pays for the line, tax included. */
  net: bigint;
  taxAmount: bigint;
}

export interface Totals {
  subtotal: bigint;
  discountTotal: bigint;
  shippingTotal: bigint;
  taxTotal: bigint;
  /** subtotal − discountTotal + shippingTotal: exactly what is charged. */
  total: bigint;
  lines: LineTotals[];
  taxBreakdown: { cgst: bigint; sgst: bigint; igst: bigint };
}

/** a / b rounded half up, for a ≥ 0 and b > 0. */
export function divRoundHalfUp(a: bigint, b: bigint): bigint {
  return (2n * a + b) / (2n * b);
}

/**
 * Splits `amount` over `weights` in proportion, in whole paise, so that the parts add up to
 * `amount` exactly (largest remainder; ties go to the earlier line). Requires
 * 0 ≤ amount ≤ Σ weights; then no part exceeds its weight.
 */
export function allocate(amount: bigint, weights: readonly bigint[]): bigint[] {
  const total = weights.reduce((a, w) => a + w, 0n);
  if (amount === 0n || total === 0n) return weights.map(() => 0n);
  const parts = weights.map((w) => (amount * w) / total);
  let left = amount - parts.reduce((a, p) => a + p, 0n);
  const byRemainder = weights
    .map((w, i) => ({ i, remainder: (amount * w) % total }))
    .filter((r) => r.remainder > 0n)
    .sort((x, y) => (x.remainder === y.remainder ? x.i - y.i : x.remainder > y.remainder ? -1 : 1));
  for (const { i } of byRemainder) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts;
}

/** The promotion's discount on lines whose eligible subtotal is `eligible`, never more than it. */
function discountOf(discount: DiscountInput | null, eligible: bigint): bigint {
  if (!discount || discount.kind === 'free_shipping') return 0n;
  const raw =
    discount.kind === 'percentage'
      ? divRoundHalfUp(eligible * BigInt(discount.valueBp), 10_000n)
      : discount.paise;
  return raw < eligible ? raw : eligible;
}

export function computeTotals(input: TotalsInput): Totals {
  const subtotals = input.lines.map((l) => l.unitPaise * BigInt(l.quantity));
  const subtotal = subtotals.reduce((a, s) => a + s, 0n);
  const eligibleWeights = subtotals.map((s, i) => (input.lines[i]!.eligible ? s : 0n));
  const eligible = eligibleWeights.reduce((a, s) => a + s, 0n);
  const discountTotal = discountOf(input.discount, eligible);
  const discounts = allocate(discountTotal, eligibleWeights);
  const lines = input.lines.map((line, i) => {
    const net = subtotals[i]! - discounts[i]!;
    const rate = BigInt(line.taxRateBp);
    // Prices include tax: the tax in `net` at rate r is net × r / (100 + r).
    const taxAmount = rate === 0n ? 0n : divRoundHalfUp(net * rate, 10_000n + rate);
    return { subtotal: subtotals[i]!, discount: discounts[i]!, net, taxAmount };
  });
  const taxTotal = lines.reduce((a, l) => a + l.taxAmount, 0n);
  const shippingTotal = input.discount?.kind === 'free_shipping' ? 0n : input.shippingPaise;
  const half = taxTotal / 2n;
  const taxBreakdown =
    input.taxSplit === 'intra'
      ? { cgst: taxTotal - half, sgst: half, igst: 0n }
      : { cgst: 0n, sgst: 0n, igst: taxTotal };
  return {
    subtotal,
    discountTotal,
    shippingTotal,
    taxTotal,
    total: subtotal - discountTotal + shippingTotal,
    lines,
    taxBreakdown,
  };
}
