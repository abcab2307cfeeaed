import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { createdAt, id, money, updatedAt } from './columns.js';

/**
 * Checkout money (API-v2 §2): tax classes, promotions and shipping methods. The pricing
 * module owns these tables; carts and orders keep their ids (and orders snapshots of what
 * they applied, so that later edits never change an order).
 */

/** A GST rate products are sold under. Exactly one class is the default (migration 0010 makes "GST 18%"). */
export const taxClasses = pgTable(
  'tax_classes',
  {
    id: id(),
    name: varchar('name', { length: 100 }).notNull(),
    // A percentage with up to 2 decimals: 18.00.
    rate: numeric('rate', { precision: 5, scale: 2 }).notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('tax_classes_rate_chk', sql`${t.rate} >= 0 and ${t.rate} <= 100`),
    uniqueIndex('tax_classes_name_lower_uq').on(sql`lower(${t.name})`),
    uniqueIndex('tax_classes_one_default_uq')
      .on(t.isDefault)
      .where(sql`${t.isDefault}`),
  ],
);

export const PROMOTION_KINDS = ['percentage', 'fixed_amount', 'free_shipping'] as const;
export type PromotionKind = (typeof PROMOTION_KINDS)[number];

/**
 * A discount code. `times_used` counts the orders that hold a use (placed and neither
 * cancelled nor expired): a checkout takes a use with a conditional UPDATE under the row's
 * lock, so the limit holds under any concurrency; a cancellation or expiry gives it back.
 */
export const promotions = pgTable(
  'promotions',
  {
    id: id(),
    code: varchar('code', { length: 50 }).notNull(),
    description: text('description').notNull().default(''),
    kind: varchar('kind', { length: 20 }).$type<PromotionKind>().notNull(),
    // percentage: 0–100 (2 decimals); fixed_amount: money; free_shipping: null.
    value: numeric('value', { precision: 12, scale: 2 }),
    minSubtotal: money('min_subtotal'),
    startsAt: timestamp('starts_at', { withTimezone: true, mode: 'date' }),
    endsAt: timestamp('ends_at', { withTimezone: true, mode: 'date' }),
    usageLimit: integer('usage_limit'),
    perCustomerLimit: integer('per_customer_limit'),
    // Eligibility: null for both means every line; otherwise lines whose product is listed or
    // whose category is one of these or below one of them.
    appliesCategoryIds: integer('applies_category_ids').array(),
    appliesProductIds: integer('applies_product_ids').array(),
    isActive: boolean('is_active').notNull().default(true),
    timesUsed: integer('times_used').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('promotions_code_lower_uq').on(sql`lower(${t.code})`),
    check('promotions_kind_chk', sql`${t.kind} in ('percentage', 'fixed_amount', 'free_shipping')`),
    check(
      'promotions_value_chk',
      sql`(${t.kind} = 'free_shipping' and ${t.value} is null)
        or (${t.kind} = 'percentage' and ${t.value} >= 0 and ${t.value} <= 100)
        or (${t.kind} = 'fixed_amount' and ${t.value} > 0)`,
    ),
    check('promotions_min_subtotal_chk', sql`${t.minSubtotal} is null or ${t.minSubtotal} >= 0`),
    check(
      'promotions_window_chk',
      sql`${t.startsAt} is null or ${t.endsAt} is null or ${t.startsAt} < ${t.endsAt}`,
    ),
    check('promotions_usage_limit_chk', sql`${t.usageLimit} is null or ${t.usageLimit} >= 1`),
    check(
      'promotions_per_customer_chk',
      sql`${t.perCustomerLimit} is null or ${t.perCustomerLimit} >= 1`,
    ),
    // No CHECK ties times_used to usage_limit: staff may lower a limit below the uses it has.
    check('promotions_times_used_chk', sql`${t.timesUsed} >= 0`),
  ],
);

/** Uses of a promotion per customer (the per-customer limit), taken and given back with the total's. */
export const promotionCustomerUses = pgTable(
  'promotion_customer_uses',
  {
    promotionId: integer('promotion_id')
      .notNull()
      .references(() => promotions.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    uses: integer('uses').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.promotionId, t.userId] }),
    check('promotion_customer_uses_chk', sql`${t.uses} >= 0`),
  ],
);

export const SHIPPING_KINDS = ['flat', 'weight'] as const;
export type ShippingKind = (typeof SHIPPING_KINDS)[number];

/** A weight band: the price for a cart weighing at most `up_to_grams`. */
export interface ShippingRate {
  up_to_grams: number;
  price: string;
}

/** A way to ship: one price (flat) or weight bands, free over an amount, to some countries. */
export const shippingMethods = pgTable(
  'shipping_methods',
  {
    id: id(),
    name: varchar('name', { length: 100 }).notNull(),
    kind: varchar('kind', { length: 10 }).$type<ShippingKind>().notNull(),
    // flat: the price; weight: null (the bands price it).
    price: money('price'),
    // weight: bands in ascending up_to_grams; a cart heavier than the last band cannot ship.
    rates: jsonb('rates').$type<ShippingRate[]>().notNull().default([]),
    freeOver: money('free_over'),
    // ISO 3166-1 alpha-2 codes.
    countries: varchar('countries', { length: 2 })
      .array()
      .notNull()
      .default(sql`'{IN}'`),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('shipping_methods_kind_chk', sql`${t.kind} in ('flat', 'weight')`),
    check(
      'shipping_methods_price_chk',
      sql`(${t.kind} = 'flat' and ${t.price} >= 0) or (${t.kind} = 'weight' and ${t.price} is null)`,
    ),
    check('shipping_methods_free_over_chk', sql`${t.freeOver} is null or ${t.freeOver} >= 0`),
  ],
);
