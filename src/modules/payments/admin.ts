import { and, desc, eq, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import {
  orders,
  type PaymentRowStatus,
  payments,
  type RefundStatus,
  refunds,
  webhookEvents,
} from '../../db/schema/index.js';

/** Staff views of payments and stored webhook deliveries, newest first. */
export interface PaymentFilter {
  paymentId?: number;
  status?: PaymentRowStatus;
  orderId?: number;
  /** An order number, or a Razorpay order or payment id. */
  search?: string;
  /** The state of the payment's current refund (the one `razorpay_refund_id` names). */
  refundStatus?: RefundStatus;
}

/** A payment's row with its order number and its current refund's state, for staff. */
export type AdminPaymentRow = Awaited<ReturnType<typeof listPayments>>['rows'][number];

export async function listPayments(database: Database, query: PaymentFilter, limit: number, offset: number) {
  const { db } = database;
  const term = query.search?.trim();
  const filter = and(
    query.paymentId !== undefined ? eq(payments.id, query.paymentId) : undefined,
    query.status ? eq(payments.status, query.status) : undefined,
    query.orderId !== undefined ? eq(payments.orderId, query.orderId) : undefined,
    query.refundStatus ? eq(refunds.status, query.refundStatus) : undefined,
    term
      ? or(
          eq(orders.orderNumber, term.toUpperCase()),
          eq(payments.razorpayOrderId, term),
          eq(payments.razorpayPaymentId, term),
        )
      : undefined,
  );
  const [rows, [counted]] = await Promise.all([
    db
      .select({
        payment: payments,
        orderNumber: orders.orderNumber,
        refundStatus: refunds.status,
        refundError: refunds.error,
      })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .leftJoin(refunds, eq(refunds.razorpayRefundId, payments.razorpayRefundId))
      .where(filter)
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(limit)
      .offset(offset),
    db
      .select({ count: sql<number>`count(*)::int` })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .leftJoin(refunds, eq(refunds.razorpayRefundId, payments.razorpayRefundId))
      .where(filter),
  ]);
  return { rows, count: counted!.count };
}

/** `search`: an event id, or an event name or its beginning (`payment.`). */
export async function listWebhookEvents(database: Database, search: string | undefined, limit: number, offset: number) {
  const { db } = database;
  const term = search?.trim();
  const filter = term
    ? or(eq(webhookEvents.eventId, term), sql`${webhookEvents.event} like ${term.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'}`)
    : undefined;
  const [rows, [counted]] = await Promise.all([
    db
      .select({
        id: webhookEvents.id,
        eventId: webhookEvents.eventId,
        event: webhookEvents.event,
        processed: webhookEvents.processed,
        error: webhookEvents.error,
        receivedAt: webhookEvents.receivedAt,
      })
      .from(webhookEvents)
      .where(filter)
      .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.id))
      .limit(limit)
      .offset(offset),
    db.select({ count: sql<number>`count(*)::int` }).from(webhookEvents).where(filter),
  ]);
  return { rows, count: counted!.count };
}
