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
import { users } from './accounts.js';
import { orderItems, orders } from './orders.js';
import { createdAt, id, money, updatedAt } from './columns.js';

import {
  MANUAL_PAYMENT_METHODS,
  type ManualPaymentMethod,
  PAYMENT_PROVIDERS,
  PAYMENT_ROW_STATUSES,
  type PaymentProvider,
  type PaymentRowStatus,
  REFUND_STATUSES,
  type RefundStatus,
} from '../../contract/enums.js';

// The lists belong to the API contract; the CHECK constraints and column types follow them.
export { MANUAL_PAYMENT_METHODS, PAYMENT_PROVIDERS, PAYMENT_ROW_STATUSES, REFUND_STATUSES };
export type { ManualPaymentMethod, PaymentProvider, PaymentRowStatus, RefundStatus };

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/**
 * Money received for an order. The checkout payment (provider `razorpay`, not a second
 * capture) is one row per order, created by `initiate`. A second Razorpay capture for an
 * order already paid is a row of its own (`second_capture`), refunded automatically; staff
 * marking an order paid by hand record a `manual` payment.
 */
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
    status: varchar('status', { length: 20 }).$type<PaymentRowStatus>().notNull().default('initiated'),
    error: text('error'),
    provider: varchar('provider', { length: 20 }).$type<PaymentProvider>().notNull().default('razorpay'),
    // A capture for an order that another payment had already paid: refunded in full.
    secondCapture: boolean('second_capture').notNull().default(false),
    // Manual payments: how the money came, the staff's reference, and who recorded it.
    method: varchar('method', { length: 20 }).$type<ManualPaymentMethod>(),
    reference: varchar('reference', { length: 200 }),
    recordedById: integer('recorded_by_id').references(() => users.id, { onDelete: 'set null' }),
    // The sum of this payment's processed refunds.
    refundedAmount: money('refunded_amount').notNull().default('0'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('payments_order_uq')
      .on(t.orderId)
      .where(sql`${t.provider} = 'razorpay' and not ${t.secondCapture}`),
    uniqueIndex('payments_manual_order_uq').on(t.orderId).where(sql`${t.provider} = 'manual'`),
    uniqueIndex('payments_razorpay_order_uq')
      .on(t.razorpayOrderId)
      .where(sql`${t.provider} = 'razorpay' and not ${t.secondCapture}`),
    uniqueIndex('payments_razorpay_payment_uq').on(t.razorpayPaymentId),
    index('payments_order_idx').on(t.orderId, t.id),
    index('payments_status_created_idx').on(t.status, t.createdAt),
    index('payments_created_idx').on(t.createdAt, t.id),
    check('payments_status_chk', sql`${t.status} in (${inList(PAYMENT_ROW_STATUSES)})`),
    check('payments_amount_positive_chk', sql`${t.amount} > 0`),
    check('payments_provider_chk', sql`${t.provider} in (${inList(PAYMENT_PROVIDERS)})`),
    check(
      'payments_manual_method_chk',
      sql`(${t.provider} = 'manual') = (${t.method} is not null) and (${t.method} is null or ${t.method} in (${inList(MANUAL_PAYMENT_METHODS)}))`,
    ),
    check('payments_refunded_amount_chk', sql`${t.refundedAmount} >= 0 and ${t.refundedAmount} <= ${t.amount}`),
  ],
);

/**
 * Refunds of a payment, one row per refund. Razorpay's (the refund job's answer, refund.*
 * webhooks) carry their Razorpay id, unique, so that a refund seen twice counts once. A
 * refund staff ask for (`POST /api/orders/{id}/refunds/`, `requested_by_id` set) is a row
 * first, pending without a Razorpay id until the refund job has asked Razorpay for it (the
 * row id goes in the request's notes, so a lost answer is found again); a manual payment's
 * refund is processed at once and never has one.
 */
export const refunds = pgTable(
  'refunds',
  {
    id: id(),
    paymentId: integer('payment_id')
      .notNull()
      .references(() => payments.id, { onDelete: 'restrict' }),
    razorpayRefundId: varchar('razorpay_refund_id', { length: 64 }),
    amount: money('amount').notNull(),
    status: varchar('status', { length: 20 }).$type<RefundStatus>().notNull(),
    error: text('error'),
    // Staff refunds: why, whether the refunded quantities go back to stock (when processed), who asked.
    reason: varchar('reason', { length: 500 }),
    restock: boolean('restock').notNull().default(false),
    requestedById: integer('requested_by_id').references(() => users.id, { onDelete: 'set null' }),
    requestedBy: varchar('requested_by', { length: 150 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('refunds_razorpay_refund_uq').on(t.razorpayRefundId),
    index('refunds_payment_idx').on(t.paymentId),
    // The refund sweep: staff refunds still pending.
    index('refunds_pending_requested_idx')
      .on(t.createdAt)
      .where(sql`${t.status} = 'pending' and ${t.requestedBy} is not null`),
    check('refunds_status_chk', sql`${t.status} in (${inList(REFUND_STATUSES)})`),
    check('refunds_amount_positive_chk', sql`${t.amount} > 0`),
  ],
);

/** The order lines a staff refund gives money back for, and how many of each unit. */
export const refundItems = pgTable(
  'refund_items',
  {
    id: id(),
    refundId: integer('refund_id')
      .notNull()
      .references(() => refunds.id, { onDelete: 'cascade' }),
    orderItemId: integer('order_item_id')
      .notNull()
      .references(() => orderItems.id, { onDelete: 'restrict' }),
    quantity: integer('quantity').notNull(),
    // The line's paid share for these units (part of the refund's amount).
    amount: money('amount').notNull(),
  },
  (t) => [
    uniqueIndex('refund_items_refund_item_uq').on(t.refundId, t.orderItemId),
    index('refund_items_order_item_idx').on(t.orderItemId),
    check('refund_items_quantity_chk', sql`${t.quantity} > 0`),
    check('refund_items_amount_chk', sql`${t.amount} >= 0`),
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
