import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { products, productVariants } from './catalog.js';
import { promotions, shippingMethods } from './pricing.js';
import { createdAt, id, money, updatedAt } from './columns.js';

import { ORDER_STATUSES, PAYMENT_STATUSES } from '../../contract/enums.js';

// The lists belong to the API contract; the CHECK constraints below follow them.
export { ORDER_STATUSES, PAYMENT_STATUSES };

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

export const orders = pgTable(
  'orders',
  {
    id: id(),
    orderNumber: varchar('order_number', { length: 16 }).notNull(),
    // Orders are financial records: a user with orders cannot be deleted (deactivate instead).
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    status: varchar('status', { length: 20 }).$type<(typeof ORDER_STATUSES)[number]>().notNull().default('pending'),
    paymentStatus: varchar('payment_status', { length: 20 })
      .$type<(typeof PAYMENT_STATUSES)[number]>()
      .notNull()
      .default('pending'),
    totalAmount: money('total_amount').notNull(),
    // The breakdown (API-v2 §2): total_amount = subtotal − discount_total + shipping_total;
    // tax_total is contained in it (prices include tax) and split into cgst + sgst or igst.
    // Orders placed before migration 0010 have subtotal = total_amount and zeros elsewhere.
    subtotal: money('subtotal').notNull().default('0'),
    discountTotal: money('discount_total').notNull().default('0'),
    shippingTotal: money('shipping_total').notNull().default('0'),
    taxTotal: money('tax_total').notNull().default('0'),
    cgst: money('cgst').notNull().default('0'),
    sgst: money('sgst').notNull().default('0'),
    igst: money('igst').notNull().default('0'),
    // Snapshots of what was applied (the ids are kept while the rows exist).
    promotionId: integer('promotion_id').references(() => promotions.id, { onDelete: 'set null' }),
    promotionCode: varchar('promotion_code', { length: 50 }),
    shippingMethodId: integer('shipping_method_id').references(() => shippingMethods.id, { onDelete: 'set null' }),
    shippingMethodName: varchar('shipping_method_name', { length: 100 }),
    // The shipping address's state (two-letter code) when known: it decides CGST+SGST or IGST.
    shippingState: varchar('shipping_state', { length: 2 }),
    shippingAddress: text('shipping_address').notNull(),
    // When an unpaid order is cancelled by the expiry job.
    paymentDeadline: timestamp('payment_deadline', { withTimezone: true, mode: 'date' }),
    // Fulfilment, given by staff when the order ships (all optional).
    trackingNumber: varchar('tracking_number', { length: 100 }),
    carrier: varchar('carrier', { length: 100 }),
    trackingUrl: varchar('tracking_url', { length: 2048 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('orders_order_number_uq').on(t.orderNumber),
    check('orders_status_chk', sql`${t.status} in (${inList(ORDER_STATUSES)})`),
    check('orders_payment_status_chk', sql`${t.paymentStatus} in (${inList(PAYMENT_STATUSES)})`),
    check('orders_total_nonnegative_chk', sql`${t.totalAmount} >= 0`),
    check(
      'orders_totals_chk',
      sql`${t.totalAmount} = ${t.subtotal} - ${t.discountTotal} + ${t.shippingTotal}
        and ${t.discountTotal} >= 0 and ${t.discountTotal} <= ${t.subtotal} and ${t.shippingTotal} >= 0
        and ${t.taxTotal} = ${t.cgst} + ${t.sgst} + ${t.igst}`,
    ),
    index('orders_promotion_idx')
      .on(t.promotionId)
      .where(sql`${t.promotionId} is not null`),
    check('orders_number_format_chk', sql`${t.orderNumber} ~ '^ORD-[0-9A-F]{12}$'`),
    index('orders_user_created_idx').on(t.userId, t.createdAt, t.id),
    index('orders_created_idx').on(t.createdAt, t.id),
    index('orders_status_created_idx').on(t.status, t.createdAt),
    index('orders_unpaid_deadline_idx')
      .on(t.paymentDeadline)
      .where(sql`${t.status} in ('pending', 'payment_failed')`),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    id: id(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    // A product that was ever ordered cannot be deleted (409; deactivate it instead).
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'restrict' }),
    // Likewise for a variant (deactivate it instead).
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'restrict' }),
    // Snapshots: what was bought at what price, whatever the catalog says later.
    productName: varchar('product_name', { length: 200 }).notNull(),
    sku: varchar('sku', { length: 64 }).notNull(),
    variantTitle: varchar('variant_title', { length: 200 }).notNull(),
    variantOptions: jsonb('variant_options').$type<Record<string, string>>().notNull().default({}),
    quantity: integer('quantity').notNull(),
    priceAtPurchase: money('price_at_purchase').notNull(),
    // The line's share of the order's discount (the lines' add up to discount_total), and the
    // tax contained in what is paid for it (price × quantity − discount) at tax_rate percent.
    discount: money('discount').notNull().default('0'),
    taxRate: numeric('tax_rate', { precision: 5, scale: 2 }).notNull().default('0'),
    taxAmount: money('tax_amount').notNull().default('0'),
  },
  (t) => [
    check('order_items_quantity_chk', sql`${t.quantity} > 0`),
    check('order_items_price_chk', sql`${t.priceAtPurchase} > 0`),
    index('order_items_order_idx').on(t.orderId),
    index('order_items_product_idx').on(t.productId),
    index('order_items_variant_idx').on(t.variantId),
  ],
);

export const orderStatusHistory = pgTable(
  'order_status_history',
  {
    id: id(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    fromStatus: varchar('from_status', { length: 20 }).$type<(typeof ORDER_STATUSES)[number]>(),
    toStatus: varchar('to_status', { length: 20 }).$type<(typeof ORDER_STATUSES)[number]>().notNull(),
    // Who made the change: the user's id when a person did, and a label ("system" for jobs
    // and payment events) kept even if that user is later deleted.
    changedById: integer('changed_by_id').references(() => users.id, { onDelete: 'set null' }),
    changedBy: varchar('changed_by', { length: 150 }).notNull(),
    note: text('note').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [
    check('order_status_history_to_chk', sql`${t.toStatus} in (${inList(ORDER_STATUSES)})`),
    index('order_status_history_order_idx').on(t.orderId, t.id),
  ],
);
