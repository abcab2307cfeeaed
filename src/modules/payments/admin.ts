import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orders, payments, webhookEvents } from '../../db/schema/index.js';

/** Staff views of payments and stored webhook deliveries, newest first. */
export async function listPayments(database: Database, status: string | undefined, limit: number, offset: number) {
  const { db } = database;
  const filter = status ? eq(payments.status, status) : undefined;
  const [rows, [counted]] = await Promise.all([
    db
      .select({ payment: payments, orderNumber: orders.orderNumber })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .where(filter)
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(limit)
      .offset(offset),
    db.select({ count: sql<number>`count(*)::int` }).from(payments).where(filter),
  ]);
  return { rows, count: counted!.count };
}

export async function listWebhookEvents(database: Database, limit: number, offset: number) {
  const { db } = database;
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
      .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.id))
      .limit(limit)
      .offset(offset),
    db.select({ count: sql<number>`count(*)::int` }).from(webhookEvents),
  ]);
  return { rows, count: counted!.count };
}
