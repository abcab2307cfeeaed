/**
 * A cart's or a checkout's money from what was read of it: the promotion's verdict, the
 * shipping method and its price, and the totals (pure; totals.ts does the arithmetic).
 */
import { toPaiseBig } from '../../lib/money.js';
import {
  cheapestMethod,
  discountInput,
  eligibility,
  type PromotionFacts,
  type PromotionRejection,
  promotionRejection,
  shippingPrice,
  type ShippingMethodFacts,
} from './rules.js';
import { computeTotals, type Totals } from './totals.js';

interface QuoteLine {
  productId: number;
  categoryId: number;
  unitPrice: string;
  quantity: number;
  /** The line's GST rate, a percentage with two decimals ("18.00"). */
  taxRate: string;
  weightGrams: number | null;
}

export interface QuoteInput {
  lines: readonly QuoteLine[];
  promotion: {
    facts: PromotionFacts;
    /** The promotion's categories with their descendants. */
    eligibleCategoryIds: ReadonlySet<number>;
    /** The customer's uses so far; null when unknown (a guest) or already taken (checkout). */
    customerUses: number | null;
  } | null;
  methods: readonly ShippingMethodFacts[];
  country: string;
  /** The method chosen; undefined: the cheapest that can ship the cart. */
  methodId?: number;
  /** Within SHOP_STATE (CGST + SGST) or not (IGST). */
  taxSplit: 'intra' | 'inter';
  now: Date;
}

export interface Quote {
  totals: Totals;
  /** The promotion's verdict: null when it applies (or there is none). */
  rejection: PromotionRejection | null;
  /** The method that ships the cart and its price; null with no active method (shipping is free). */
  shipping: { method: ShippingMethodFacts; price: bigint } | null;
  /** True when methods exist but none (or not the one chosen) can ship the cart. */
  noShippingMethod: boolean;
  weightGrams: number;
}

export function quote(input: QuoteInput): Quote {
  const { lines, promotion } = input;
  const subtotalPaise = lines.reduce(
    (a, l) => a + toPaiseBig(l.unitPrice) * BigInt(l.quantity),
    0n,
  );
  const eligible = promotion
    ? eligibility(promotion.facts, promotion.eligibleCategoryIds, lines)
    : lines.map(() => false);
  const rejection = promotion
    ? promotionRejection(promotion.facts, {
        now: input.now,
        subtotalPaise,
        eligible,
        customerUses: promotion.customerUses,
      })
    : null;
  const discount = promotion && !rejection ? discountInput(promotion.facts) : null;
  const lineInputs = lines.map((l, i) => ({
    unitPaise: toPaiseBig(l.unitPrice),
    quantity: l.quantity,
    taxRateBp: Number(toPaiseBig(l.taxRate)),
    eligible: eligible[i]!,
  }));
  // The discount does not depend on shipping: the totals without it give the net that
  // free_over and the bands are judged on.
  const before = computeTotals({
    lines: lineInputs,
    discount,
    shippingPaise: 0n,
    taxSplit: input.taxSplit,
  });
  const weightGrams = lines.reduce((a, l) => a + (l.weightGrams ?? 0) * l.quantity, 0);
  const cart = {
    country: input.country,
    weightGrams,
    netPaise: before.subtotal - before.discountTotal,
  };
  let shipping: Quote['shipping'] = null;
  let noShippingMethod = false;
  if (input.methodId !== undefined) {
    const method = input.methods.find((m) => m.id === input.methodId);
    const price = method ? shippingPrice(method, cart) : null;
    if (method && price !== null) shipping = { method, price };
    else noShippingMethod = true;
  } else if (input.methods.length) {
    shipping = cheapestMethod(input.methods, cart);
    noShippingMethod = shipping === null;
  }
  const totals = computeTotals({
    lines: lineInputs,
    discount,
    shippingPaise: shipping?.price ?? 0n,
    taxSplit: input.taxSplit,
  });
  return { totals, rejection, shipping, noShippingMethod, weightGrams };
}
