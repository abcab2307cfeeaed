import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { orderItems, orders, orderStatusHistory, users } from '../../db/schema/index.js';

export type OrderRow = typeof orders.$inferSelect;

export async function insertOrder(ex: Executor, values: typeof orders.$inferInsert): Promise<OrderRow> {
  const [row] = await ex.insert(orders).values(values).returning();
  return row!;
}

export async function insertItems(ex: Executor, items: (typeof orderItems.$inferInsert)[]) {
  await ex.insert(orderItems).values(items);
}

export async function insertHistory(ex: Executor, entry: typeof orderStatusHistory.$inferInsert) {
  await ex.insert(orderStatusHistory).values(entry);
}

/** The order row, locked for this transaction (status changes are serialised per order). */
export async function lockOrder(ex: Executor, id: number): Promise<OrderRow | undefined> {
  const [row] = await ex.select().from(orders).where(eq(orders.id, id)).for('update');
  return row;
}

export async function setStatus(
  ex: Executor,
  id: number,
  status: string,
  paymentStatus: string,
): Promise<void> {
  await ex
    .update(orders)
    .set({ status, paymentStatus, updatedAt: new Date() })
    .where(eq(orders.id, id));
}

export async function findOrderWithEmail(ex: Executor, id: number) {
  const [row] = await ex
    .select({ order: orders, userEmail: users.email })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.userId))
    .where(eq(orders.id, id));
  return row;
}

export function itemsOf(ex: Executor, orderId: number) {
  return ex.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.id));
}

export function historyOf(ex: Executor, orderId: number) {
  return ex
    .select()
    .from(orderStatusHistory)
    .where(eq(orderStatusHistory.orderId, orderId))
    .orderBy(asc(orderStatusHistory.id));
}

/** Quantities per product of an order, by product id (for restoring stock). */
export function quantitiesOf(ex: Executor, orderId: number) {
  return ex
    .select({ productId: orderItems.productId, quantity: sql<number>`sum(${orderItems.quantity})::int` })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .groupBy(orderItems.productId)
    .orderBy(asc(orderItems.productId));
}

export interface OrderListFilter {
  userId?: number;
  status?: string;
}

function listWhere(filter: OrderListFilter) {
  return and(
    filter.userId !== undefined ? eq(orders.userId, filter.userId) : undefined,
    filter.status !== undefined ? eq(orders.status, filter.status) : undefined,
  );
}

/** A page of orders, newest first, each with its number of lines. */
export function listOrders(ex: Executor, filter: OrderListFilter, limit: number, offset: number) {
  return ex
    .select({
      id: orders.id,
      orderNumber: orders.orderNumber,
      totalAmount: orders.totalAmount,
      status: orders.status,
      paymentStatus: orders.paymentStatus,
      createdAt: orders.createdAt,
      // Qualified by hand: in a single-table select Drizzle renders columns unqualified, and
      // an unqualified "id" inside the subquery would bind to order_items.id.
      itemsCount: sql<number>`(select count(*)::int from ${orderItems} where ${orderItems}.order_id = ${orders}.id)`,
    })
    .from(orders)
    .where(listWhere(filter))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(limit)
    .offset(offset);
}
export type OrderListRow = Awaited<ReturnType<typeof listOrders>>[number];

export async function countOrders(ex: Executor, filter: OrderListFilter): Promise<number> {
  const [row] = await ex.select({ count: sql<number>`count(*)::int` }).from(orders).where(listWhere(filter));
  return row!.count;
}

/** Unpaid orders past their payment deadline, oldest first (served by orders_unpaid_deadline_idx). */
export async function overdueOrderIds(ex: Executor, now: Date, limit: number): Promise<number[]> {
  const rows = await ex
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        sql`${orders.status} in ('pending', 'payment_failed')`,
        sql`${orders.paymentDeadline} <= ${now}`,
      ),
    )
    .orderBy(asc(orders.paymentDeadline))
    .limit(limit);
  return rows.map((r) => r.id);
}
