import { and, eq, inArray, isNotNull, isNull, lt, not, notInArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import {
  type ManualPaymentMethod,
  orderItems,
  orders,
  payments,
  refundItems,
  type RefundStatus,
  refunds,
  webhookEvents,
} from '../../db/schema/index.js';

export type PaymentRow = typeof payments.$inferSelect;

/** The checkout payment: the one Razorpay row per order that initiate creates. */
const isCheckout = and(eq(payments.provider, 'razorpay'), not(payments.secondCapture));

/** The order's checkout payment (not a second capture, not a manual payment). */
export async function findByOrder(ex: Executor, orderId: number): Promise<PaymentRow | undefined> {
  const [row] = await ex
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, orderId), isCheckout));
  return row;
}

export async function findById(ex: Executor, id: number): Promise<PaymentRow | undefined> {
  const [row] = await ex.select().from(payments).where(eq(payments.id, id));
  return row;
}

export async function lockById(ex: Executor, id: number): Promise<PaymentRow | undefined> {
  const [row] = await ex.select().from(payments).where(eq(payments.id, id)).for('update');
  return row;
}

/** Records the intent to create a Razorpay order; undefined when the order has a payment row already. */
export async function insertIntent(ex: Executor, orderId: number, amount: string) {
  const [row] = await ex
    .insert(payments)
    .values({ orderId, amount, currency: 'INR', status: 'initiated' })
    .onConflictDoNothing({ target: payments.orderId, where: isCheckout })
    .returning();
  return row;
}

/** Records the Razorpay order on the intent; false when the intent is gone (dropped as abandoned). */
export async function attachRazorpayOrder(ex: Executor, id: number, razorpayOrderId: string): Promise<boolean> {
  const rows = await ex
    .update(payments)
    .set({ razorpayOrderId, updatedAt: new Date() })
    .where(and(eq(payments.id, id), isNull(payments.razorpayOrderId)))
    .returning({ id: payments.id });
  return rows.length > 0;
}

/** Removes an intent whose Razorpay order could not be created, so nothing is half-written. */
export async function dropIntent(ex: Executor, id: number) {
  await ex.delete(payments).where(and(eq(payments.id, id), isNull(payments.razorpayOrderId)));
}

export async function lockByOrder(ex: Executor, orderId: number) {
  const [row] = await ex
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, orderId), isCheckout))
    .for('update');
  return row;
}

/** The checkout payment of a Razorpay order, locked. */
export async function lockByRazorpayOrder(ex: Executor, razorpayOrderId: string) {
  const [row] = await ex
    .select()
    .from(payments)
    .where(and(eq(payments.razorpayOrderId, razorpayOrderId), isCheckout))
    .for('update');
  return row;
}

export async function lockByRazorpayPayment(ex: Executor, razorpayPaymentId: string) {
  const [row] = await ex
    .select()
    .from(payments)
    .where(eq(payments.razorpayPaymentId, razorpayPaymentId))
    .for('update');
  return row;
}

export async function updatePayment(ex: Executor, id: number, patch: Partial<typeof payments.$inferInsert>) {
  await ex
    .update(payments)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(payments.id, id));
}

/** Records a capture for an order another payment had already paid (refunded by a job). */
export async function insertSecondCapture(
  ex: Executor,
  checkout: PaymentRow,
  razorpayPaymentId: string,
  signature: string | null,
) {
  const [row] = await ex
    .insert(payments)
    .values({
      orderId: checkout.orderId,
      provider: 'razorpay',
      secondCapture: true,
      razorpayOrderId: checkout.razorpayOrderId,
      razorpayPaymentId,
      razorpaySignature: signature,
      amount: checkout.amount,
      currency: checkout.currency,
      status: 'success',
      error: 'A second capture for an order already paid: refunded in full automatically.',
    })
    .returning();
  return row!;
}

export interface ManualPaymentInput {
  orderId: number;
  amount: string;
  method: ManualPaymentMethod;
  reference: string;
  recordedById: number;
}

/** Records money staff received outside Razorpay. */
export async function insertManualPayment(ex: Executor, input: ManualPaymentInput) {
  const [row] = await ex
    .insert(payments)
    .values({ ...input, provider: 'manual', currency: 'INR', status: 'success' })
    .returning();
  return row!;
}

export type RefundRow = typeof refunds.$inferSelect;

/**
 * Records what Razorpay says of a refund, once per refund id: a pending refund may become
 * processed or failed, a settled one stays as it is. Returns the row as it now stands.
 */
export async function upsertRefund(
  ex: Executor,
  input: { paymentId: number; razorpayRefundId: string; amount: string; status: 'pending' | 'processed' | 'failed'; error?: string | null },
): Promise<RefundRow> {
  await ex
    .insert(refunds)
    .values({ ...input, error: input.error ?? null })
    .onConflictDoUpdate({
      target: refunds.razorpayRefundId,
      set: { status: input.status, error: input.error ?? null, updatedAt: new Date() },
      setWhere: sql`${refunds.status} = 'pending' and ${refunds.paymentId} = ${input.paymentId}`,
    });
  const [row] = await ex.select().from(refunds).where(eq(refunds.razorpayRefundId, input.razorpayRefundId));
  return row!;
}

export async function findRefund(ex: Executor, razorpayRefundId: string): Promise<RefundRow | undefined> {
  const [row] = await ex.select().from(refunds).where(eq(refunds.razorpayRefundId, razorpayRefundId));
  return row;
}

/** The refund ids recorded for a payment (the refund job skips them when looking for its own). */
export async function refundIdsOf(ex: Executor, paymentId: number): Promise<Set<string>> {
  const rows = await ex
    .select({ id: refunds.razorpayRefundId })
    .from(refunds)
    .where(and(eq(refunds.paymentId, paymentId), isNotNull(refunds.razorpayRefundId)));
  return new Set(rows.map((r) => r.id!));
}

/** The sum of a payment's processed refunds, in paise. */
export function processedRefundPaise(ex: Executor, paymentId: number): Promise<number> {
  return refundPaise(ex, paymentId, ['processed']);
}

/** The sum of a payment's refunds in these states, in paise. */
export async function refundPaise(ex: Executor, paymentId: number, statuses: RefundStatus[]): Promise<number> {
  const [row] = await ex
    .select({ paise: sql<string>`(coalesce(sum(${refunds.amount}), 0) * 100)::bigint::text` })
    .from(refunds)
    .where(and(eq(refunds.paymentId, paymentId), inArray(refunds.status, statuses)));
  return Number(row!.paise);
}

/**
 * Captured Razorpay payments that should be refunded (a cancelled order's checkout payment,
 * a second capture) and are not fully, untouched for `graceMinutes`, except those whose
 * current refund failed (those wait for staff) and those a refund job is busy with (`busy`:
 * the payments and orders of unfinished jobs): the refund sweep's work, oldest first.
 */
export async function unsettledRefundPayments(
  ex: Executor,
  options: { graceMinutes: number; limit: number; busy: { paymentIds: number[]; orderIds: number[] } },
): Promise<number[]> {
  const { graceMinutes, limit, busy } = options;
  const grace = sql`now() - make_interval(mins => ${graceMinutes})`;
  const rows = await ex
    .select({ id: payments.id })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .where(
      and(
        eq(payments.provider, 'razorpay'),
        isNotNull(payments.razorpayPaymentId),
        inArray(payments.status, ['success', 'partially_refunded']),
        or(
          and(eq(payments.secondCapture, true), lt(payments.updatedAt, grace)),
          and(eq(payments.secondCapture, false), eq(orders.status, 'cancelled'), lt(orders.updatedAt, grace)),
        ),
        sql`not exists (select 1 from ${refunds} where ${refunds.razorpayRefundId} = ${payments.razorpayRefundId} and ${refunds.status} = 'failed')`,
        busy.paymentIds.length ? notInArray(payments.id, busy.paymentIds) : undefined,
        busy.orderIds.length ? or(eq(payments.secondCapture, true), notInArray(payments.orderId, busy.orderIds)) : undefined,
      ),
    )
    .orderBy(payments.id)
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * The payment that paid the order (its Razorpay checkout payment or its manual payment, not a
 * second capture), locked: a staff refund takes money back from it.
 */
export async function lockPayingPayment(ex: Executor, orderId: number): Promise<PaymentRow | undefined> {
  const [row] = await ex
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.orderId, orderId),
        not(payments.secondCapture),
        inArray(payments.status, ['success', 'partially_refunded', 'refunded']),
      ),
    )
    .orderBy(payments.id)
    .limit(1)
    .for('update');
  return row;
}

export async function findRefundById(ex: Executor, id: number): Promise<RefundRow | undefined> {
  const [row] = await ex.select().from(refunds).where(eq(refunds.id, id));
  return row;
}

/** A staff refund row (pending, no Razorpay id yet), with its lines. */
export async function insertRequestedRefund(
  ex: Executor,
  input: {
    paymentId: number;
    amount: string;
    status: 'pending' | 'processed';
    reason: string;
    restock: boolean;
    requestedById: number;
    requestedBy: string;
    items: { orderItemId: number; quantity: number; amount: string }[];
  },
): Promise<RefundRow> {
  const { items, ...row } = input;
  const [inserted] = await ex.insert(refunds).values(row).returning();
  if (items.length) await ex.insert(refundItems).values(items.map((i) => ({ ...i, refundId: inserted!.id })));
  return inserted!;
}

/**
 * Gives a staff refund that has no Razorpay id yet the one Razorpay answered (found by the
 * refund's row id in the request's notes); false when it has one already or is not this payment's.
 */
export async function attachRazorpayRefund(ex: Executor, id: number, paymentId: number, razorpayRefundId: string) {
  const rows = await ex
    .update(refunds)
    .set({ razorpayRefundId, updatedAt: new Date() })
    .where(and(eq(refunds.id, id), eq(refunds.paymentId, paymentId), isNull(refunds.razorpayRefundId)))
    .returning({ id: refunds.id });
  return rows.length > 0;
}

/** Marks a pending refund failed (Razorpay refused it): its amount and quantities are free again. */
export async function failRefund(ex: Executor, id: number, error: string) {
  await ex
    .update(refunds)
    .set({ status: 'failed', error: error.slice(0, 1000), updatedAt: new Date() })
    .where(and(eq(refunds.id, id), eq(refunds.status, 'pending')));
}

/** Per order item: the units and paid share already refunded or being refunded (pending or processed). */
export async function refundedPerItem(ex: Executor, orderId: number): Promise<Map<number, { quantity: number; paise: number }>> {
  const rows = await ex
    .select({
      itemId: refundItems.orderItemId,
      quantity: sql<number>`sum(${refundItems.quantity})::int`,
      paise: sql<string>`(sum(${refundItems.amount}) * 100)::bigint::text`,
    })
    .from(refundItems)
    .innerJoin(refunds, eq(refunds.id, refundItems.refundId))
    .innerJoin(orderItems, eq(orderItems.id, refundItems.orderItemId))
    .where(and(eq(orderItems.orderId, orderId), inArray(refunds.status, ['pending', 'processed'])))
    .groupBy(refundItems.orderItemId);
  return new Map(rows.map((r) => [r.itemId, { quantity: r.quantity, paise: Number(r.paise) }]));
}

/** A refund's lines as stock lines (product, variant, quantity), in the restore's order. */
export function refundStockLines(ex: Executor, refundId: number) {
  return ex
    .select({
      productId: orderItems.productId,
      variantId: orderItems.variantId,
      quantity: sql<number>`sum(${refundItems.quantity})::int`,
    })
    .from(refundItems)
    .innerJoin(orderItems, eq(orderItems.id, refundItems.orderItemId))
    .where(eq(refundItems.refundId, refundId))
    .groupBy(orderItems.productId, orderItems.variantId)
    .orderBy(orderItems.productId, orderItems.variantId);
}

/**
 * Staff refunds of Razorpay payments still pending after `graceMinutes` (never asked for, or
 * never settled), except those a refund job is busy with: the sweep's work, oldest first.
 */
export async function unsettledRequestedRefunds(
  ex: Executor,
  options: { graceMinutes: number; limit: number; busy: number[] },
): Promise<number[]> {
  const rows = await ex
    .select({ id: refunds.id })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .where(
      and(
        eq(refunds.status, 'pending'),
        isNotNull(refunds.requestedBy),
        eq(payments.provider, 'razorpay'),
        lt(refunds.updatedAt, sql`now() - make_interval(mins => ${options.graceMinutes})`),
        options.busy.length ? notInArray(refunds.id, options.busy) : undefined,
      ),
    )
    .orderBy(refunds.createdAt)
    .limit(options.limit);
  return rows.map((r) => r.id);
}

/** Stores a webhook delivery; undefined when this event id was stored before (a replay). */
export async function insertEvent(ex: Executor, eventId: string, event: string, payload: unknown) {
  const [row] = await ex
    .insert(webhookEvents)
    .values({ eventId, event, payload })
    .onConflictDoNothing({ target: webhookEvents.eventId })
    .returning({ id: webhookEvents.id });
  return row;
}

export async function markEvent(ex: Executor, id: number, processed: boolean, error: string | null) {
  await ex
    .update(webhookEvents)
    .set({ processed, error, processedAt: sql`now()` })
    .where(eq(webhookEvents.id, id));
}

/**
 * Deletes webhook events received more than `days` ago (housekeeping). Razorpay retries a
 * delivery for 24 hours, so de-duplication needs far less than the retention kept here for
 * staff to look at.
 */
export async function deleteOldWebhookEvents(ex: Executor, days: number): Promise<number> {
  const rows = await ex
    .delete(webhookEvents)
    .where(sql`${webhookEvents.receivedAt} < now() - make_interval(days => ${days})`)
    .returning({ id: webhookEvents.id });
  return rows.length;
}
