/**
 * The pure rules of checkout money (API-v2 §2) besides the totals: whether a promotion
 * applies to a cart, and what a shipping method charges for one. Integer paise throughout.
 */
import { toPaiseBig } from '../../lib/money.js';
import type { PromotionKind, ShippingKind, ShippingRate } from '../../db/schema/index.js';
import type { DiscountInput } from './totals.js';

/** The promotion's facts the rules read (a row of `promotions`). */
export interface PromotionFacts {
  id: number;
  code: string;
  description: string;
  kind: PromotionKind;
  value: string | null;
  minSubtotal: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  usageLimit: number | null;
  perCustomerLimit: number | null;
  appliesCategoryIds: number[] | null;
  appliesProductIds: number[] | null;
  isActive: boolean;
  timesUsed: number;
}

/** Why a promotion does not apply: the contract's 400 codes. */
export type PromotionRejection =
  | 'promotion_not_found'
  | 'promotion_not_started'
  | 'promotion_expired'
  | 'promotion_min_subtotal'
  | 'promotion_exhausted'
  | 'promotion_not_applicable';

export const PROMOTION_MESSAGES: Record<PromotionRejection, string> = {
  promotion_not_found: 'No promotion has this code.',
  promotion_not_started: 'This code is not valid yet.',
  promotion_expired: 'This code has expired.',
  promotion_min_subtotal: 'Your cart’s subtotal is below this code’s minimum.',
  promotion_exhausted: 'This code has been used up.',
  promotion_not_applicable: 'Nothing in your cart is eligible for this code.',
};

/** A line as eligibility sees it: its product and category. */
export interface EligibilityLine {
  productId: number;
  categoryId: number;
}

/**
 * Whether each line is eligible: every line when the promotion names no products or
 * categories; otherwise a line whose product is named or whose category is one of
 * `eligibleCategoryIds` (the named categories with their descendants, resolved by the caller).
 */
export function eligibility(
  p: Pick<PromotionFacts, 'appliesCategoryIds' | 'appliesProductIds'>,
  eligibleCategoryIds: ReadonlySet<number>,
  lines: readonly EligibilityLine[],
): boolean[] {
  const products = p.appliesProductIds;
  const categories = p.appliesCategoryIds;
  if (!products?.length && !categories?.length) return lines.map(() => true);
  return lines.map(
    (l) => (products?.includes(l.productId) ?? false) || eligibleCategoryIds.has(l.categoryId),
  );
}

/**
 * Why `p` does not apply now to a cart of `subtotalPaise` with `eligible` lines, or null.
 * `customerUses` is the customer's uses so far (null for a guest: checked at checkout).
 * Checked in this order: active, window, uses, eligibility, minimum.
 */
export function promotionRejection(
  p: PromotionFacts,
  cart: {
    now: Date;
    subtotalPaise: bigint;
    eligible: readonly boolean[];
    customerUses: number | null;
  },
): PromotionRejection | null {
  if (!p.isActive) return 'promotion_not_found';
  if (p.startsAt && cart.now < p.startsAt) return 'promotion_not_started';
  if (p.endsAt && cart.now >= p.endsAt) return 'promotion_expired';
  if (p.usageLimit !== null && p.timesUsed >= p.usageLimit) return 'promotion_exhausted';
  if (
    p.perCustomerLimit !== null &&
    cart.customerUses !== null &&
    cart.customerUses >= p.perCustomerLimit
  ) {
    return 'promotion_exhausted';
  }
  if (cart.eligible.length && !cart.eligible.some(Boolean)) return 'promotion_not_applicable';
  if (p.minSubtotal !== null && cart.subtotalPaise < toPaiseBig(p.minSubtotal))
    return 'promotion_min_subtotal';
  return null;
}

/** The promotion as the totals take it: a percentage in basis points, an amount in paise. */
export function discountInput(p: Pick<PromotionFacts, 'kind' | 'value'>): DiscountInput {
  if (p.kind === 'free_shipping') return { kind: 'free_shipping' };
  if (p.kind === 'percentage')
    return { kind: 'percentage', valueBp: Number(toPaiseBig(p.value ?? '0')) };
  return { kind: 'fixed_amount', paise: toPaiseBig(p.value ?? '0') };
}

/** A shipping method's facts (a row of `shipping_methods`). */
export interface ShippingMethodFacts {
  id: number;
  name: string;
  kind: ShippingKind;
  price: string | null;
  rates: ShippingRate[];
  freeOver: string | null;
  countries: string[];
  isActive: boolean;
}

/**
 * What `m` charges to ship a cart weighing `weightGrams` whose subtotal after discount is
 * `netPaise` to `country`; null when it cannot (inactive, another country, heavier than
 * its last band). A weight band applies when the weight is ≤ its `up_to_grams`.
 */
export function shippingPrice(
  m: ShippingMethodFacts,
  cart: { country: string; weightGrams: number; netPaise: bigint },
): bigint | null {
  if (!m.isActive || !m.countries.includes(cart.country)) return null;
  let price: bigint;
  if (m.kind === 'flat') price = toPaiseBig(m.price ?? '0');
  else {
    const band = [...m.rates]
      .sort((a, b) => a.up_to_grams - b.up_to_grams)
      .find((r) => cart.weightGrams <= r.up_to_grams);
    if (!band) return null;
    price = toPaiseBig(band.price);
  }
  if (m.freeOver !== null && cart.netPaise >= toPaiseBig(m.freeOver)) return 0n;
  return price;
}

/** The cheapest of the methods that can ship the cart (ties: the lowest id), or null. */
export function cheapestMethod<M extends ShippingMethodFacts>(
  methods: readonly M[],
  cart: { country: string; weightGrams: number; netPaise: bigint },
): { method: M; price: bigint } | null {
  let best: { method: M; price: bigint } | null = null;
  for (const method of methods) {
    const price = shippingPrice(method, cart);
    if (price === null) continue;
    if (!best || price < best.price || (price === best.price && method.id < best.method.id))
      best = { method, price };
  }
  return best;
}
