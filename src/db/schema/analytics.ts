import { index, integer, numeric, pgTable, primaryKey, smallint, timestamp, varchar } from 'drizzle-orm/pg-core';
import { products } from './catalog.js';

/**
 * Running totals that the dashboard and the sales report read instead of scanning a
 * million orders. The orders module keeps them in the same transaction as each change;
 * counters are split over shards (a random one per transaction) so that concurrent
 * checkouts do not queue on one hot row.
 */
export const orderCounters = pgTable(
  'order_counters',
  {
    // `status:<status>` counts orders per status; `paid` counts orders whose payment succeeded.
    key: varchar('key', { length: 40 }).notNull(),
    shard: smallint('shard').notNull(),
    orders: integer('orders').notNull().default(0),
    revenue: numeric('revenue', { precision: 16, scale: 2 }).notNull().default('0'),
    // The components of `revenue` (its discount, shipping and tax) and the refunds against it:
    // net revenue is revenue − refunded.
    discount: numeric('discount', { precision: 16, scale: 2 }).notNull().default('0'),
    shipping: numeric('shipping', { precision: 16, scale: 2 }).notNull().default('0'),
    tax: numeric('tax', { precision: 16, scale: 2 }).notNull().default('0'),
    refunded: numeric('refunded', { precision: 16, scale: 2 }).notNull().default('0'),
  },
  (t) => [primaryKey({ columns: [t.key, t.shard] })],
);

/** Paid orders and revenue per 15 minutes of order time (every real time zone's offset is a multiple). */
export const salesBuckets = pgTable(
  'sales_buckets',
  {
    bucket: timestamp('bucket', { withTimezone: true, mode: 'date' }).notNull(),
    shard: smallint('shard').notNull(),
    orders: integer('orders').notNull().default(0),
    revenue: numeric('revenue', { precision: 16, scale: 2 }).notNull().default('0'),
    // The components of `revenue` (its discount, shipping and tax) and the refunds against it:
    // net revenue is revenue − refunded.
    discount: numeric('discount', { precision: 16, scale: 2 }).notNull().default('0'),
    shipping: numeric('shipping', { precision: 16, scale: 2 }).notNull().default('0'),
    tax: numeric('tax', { precision: 16, scale: 2 }).notNull().default('0'),
    refunded: numeric('refunded', { precision: 16, scale: 2 }).notNull().default('0'),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.shard] })],
);

/** Units sold and revenue per product, over paid orders. */
export const productSales = pgTable(
  'product_sales',
  {
    productId: integer('product_id')
      .primaryKey()
      .references(() => products.id, { onDelete: 'cascade' }),
    units: integer('units').notNull().default(0),
    revenue: numeric('revenue', { precision: 16, scale: 2 }).notNull().default('0'),
  },
  // Serves ORDER BY units DESC NULLS LAST, revenue DESC NULLS LAST, product_id (the top sellers).
  (t) => [index('product_sales_top_idx').on(t.units.desc(), t.revenue.desc(), t.productId)],
);
