import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { orders } from './orders.js';
import { createdAt, id, money, updatedAt } from './columns.js';

export const PAYMENT_ROW_STATUSES = ['initiated', 'success', 'failed', 'refunded'] as const;

/** The Razorpay side of an order: one row per order, created by `initiate`. */
export const payments = pgTable(
  'payments',
  {
    id: id(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'restrict' }),
    razorpayOrderId: varchar('razorpay_order_id', { length: 64 }),
    razorpayPaymentId: varchar('razorpay_payment_id', { length: 64 }),
    razorpaySignature: varchar('razorpay_signature', { length: 128 }),
    razorpayRefundId: varchar('razorpay_refund_id', { length: 64 }),
    amount: money('amount').notNull(),
    currency: varchar('currency', { length: 3 }).notNull().default('INR'),
    status: varchar('status', { length: 20 }).notNull().default('initiated'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('payments_order_uq').on(t.orderId),
    uniqueIndex('payments_razorpay_order_uq').on(t.razorpayOrderId),
    index('payments_razorpay_payment_idx').on(t.razorpayPaymentId),
    index('payments_status_created_idx').on(t.status, t.createdAt),
    index('payments_created_idx').on(t.createdAt, t.id),
    check(
      'payments_status_chk',
      sql`${t.status} in (${sql.raw(PAYMENT_ROW_STATUSES.map((s) => `'${s}'`).join(', '))})`,
    ),
    check('payments_amount_positive_chk', sql`${t.amount} > 0`),
  ],
);

/** Every accepted Razorpay webhook delivery, de-duplicated by Razorpay's event id. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: id(),
    eventId: varchar('event_id', { length: 100 }).notNull(),
    event: varchar('event', { length: 100 }).notNull(),
    payload: jsonb('payload').notNull(),
    processed: boolean('processed').notNull().default(false),
    error: text('error'),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('webhook_events_event_id_uq').on(t.eventId),
    index('webhook_events_received_idx').on(t.receivedAt, t.id),
  ],
);
