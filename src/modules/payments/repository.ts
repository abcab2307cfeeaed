import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { payments, webhookEvents } from '../../db/schema/index.js';

export type PaymentRow = typeof payments.$inferSelect;

export async function findByOrder(ex: Executor, orderId: number): Promise<PaymentRow | undefined> {
  const [row] = await ex.select().from(payments).where(eq(payments.orderId, orderId));
  return row;
}

/** Records the intent to create a Razorpay order; undefined when the order has a payment row already. */
export async function insertIntent(ex: Executor, orderId: number, amount: string) {
  const [row] = await ex
    .insert(payments)
    .values({ orderId, amount, currency: 'INR', status: 'initiated' })
    .onConflictDoNothing({ target: payments.orderId })
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
  const [row] = await ex.select().from(payments).where(eq(payments.orderId, orderId)).for('update');
  return row;
}

export async function lockByRazorpayOrder(ex: Executor, razorpayOrderId: string) {
  const [row] = await ex
    .select()
    .from(payments)
    .where(eq(payments.razorpayOrderId, razorpayOrderId))
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
