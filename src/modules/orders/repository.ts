import { and, asc, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { namedStatement } from '../../db/sql.js';
import { orderItems, orders, orderStatusHistory, payments, refundItems, refunds, users } from '../../db/schema/index.js';
import type { OrderStatus, PaymentStatus } from './order-state.js';

export type OrderRow = typeof orders.$inferSelect;

export async function insertHistory(ex: Executor, entry: typeof orderStatusHistory.$inferInsert) {
  await ex.insert(orderStatusHistory).values(entry);
}

/**
 * The order row, locked for this transaction (status changes are serialised per order).
 * Order locks are FOR NO KEY UPDATE: rows that reference the order (a payment intent, a
 * history row) are inserted without waiting for it.
 */
export async function lockOrder(ex: Executor, id: number): Promise<OrderRow | undefined> {
  const [row] = await ex.select().from(orders).where(eq(orders.id, id)).for('no key update');
  return row;
}

export async function setStatus(
  ex: Executor,
  id: number,
  status: OrderStatus,
  paymentStatus: PaymentStatus,
): Promise<void> {
  await ex
    .update(orders)
    .set({ status, paymentStatus, updatedAt: new Date() })
    .where(eq(orders.id, id));
}

/** Stores a shipped order's tracking (trimmed; what is not given is null) and answers the row. */
export async function setFulfilment(
  ex: Executor,
  id: number,
  f: { tracking_number?: string; carrier?: string; tracking_url?: string },
): Promise<OrderRow> {
  const [row] = await ex
    .update(orders)
    .set({
      trackingNumber: f.tracking_number?.trim() ?? null,
      carrier: f.carrier?.trim() ?? null,
      trackingUrl: f.tracking_url ?? null,
    })
    .where(eq(orders.id, id))
    .returning();
  return row!;
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

/**
 * Quantities per variant of an order, by product and variant id (for restoring stock on
 * cancellation): less the units processed refunds with `restock` put back already.
 */
export async function quantitiesOf(ex: Executor, orderId: number) {
  const restocked = sql`coalesce((select sum(ri.quantity) from ${refundItems} ri join ${refunds} r on r.id = ri.refund_id
    where ri.order_item_id = ${orderItems.id} and r.restock and r.status = 'processed'), 0)`;
  const rows = await ex
    .select({
      productId: orderItems.productId,
      variantId: orderItems.variantId,
      quantity: sql<number>`sum(${orderItems.quantity} - ${restocked})::int`,
    })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .groupBy(orderItems.productId, orderItems.variantId)
    .orderBy(asc(orderItems.productId), asc(orderItems.variantId));
  return rows.filter((r) => r.quantity > 0);
}

/** The refunds of an order's payments (not a second capture's), oldest first, with their lines. */
export async function refundsOf(ex: Executor, orderId: number) {
  const rows = await ex
    .select({
      id: refunds.id,
      amount: refunds.amount,
      status: refunds.status,
      razorpayRefundId: refunds.razorpayRefundId,
      reason: refunds.reason,
      restock: refunds.restock,
      error: refunds.error,
      createdAt: refunds.createdAt,
    })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .where(and(eq(payments.orderId, orderId), eq(payments.secondCapture, false)))
    .orderBy(asc(refunds.id));
  if (!rows.length) return [];
  const lines = await ex
    .select({ refundId: refundItems.refundId, itemId: refundItems.orderItemId, quantity: refundItems.quantity, amount: refundItems.amount })
    .from(refundItems)
    .where(inArray(refundItems.refundId, rows.map((r) => r.id)))
    .orderBy(asc(refundItems.orderItemId));
  return rows.map((r) => ({ ...r, items: lines.filter((l) => l.refundId === r.id) }));
}

export interface OrderListFilter {
  userId?: number;
  status?: OrderStatus;
  /** An order number, whole (an index lookup) or its beginning. */
  orderNumber?: string;
  /** A part of the customer's e-mail or username (3 characters or more: the trigram indexes serve it). */
  customer?: string;
}

const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function listWhere(filter: OrderListFilter) {
  const number = filter.orderNumber?.trim().toUpperCase();
  const customer = filter.customer ? `%${likeEscaped(filter.customer)}%` : null;
  return and(
    customer
      ? sql`${orders.userId} in (select u.id from ${users} u where u.email ilike ${customer} or u.username ilike ${customer})`
      : undefined,
    filter.userId !== undefined ? eq(orders.userId, filter.userId) : undefined,
    filter.status !== undefined ? eq(orders.status, filter.status) : undefined,
    number
      ? /^ORD-[0-9A-F]{12}$/.test(number)
        ? eq(orders.orderNumber, number)
        : sql`${orders.orderNumber} like ${likeEscaped(number) + '%'}`
      : undefined,
  );
}

/** A page of orders, newest first, each with its number of lines and its customer (one query). */
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
      customerId: users.id,
      customerUsername: users.username,
      customerEmail: users.email,
    })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.userId))
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

/** The number of orders of each given user; users without orders are left out. */
export async function countOrdersByUser(ex: Executor, userIds: number[]): Promise<Map<number, number>> {
  if (!userIds.length) return new Map();
  const rows = await ex
    .select({ userId: orders.userId, count: sql<number>`count(*)::int` })
    .from(orders)
    .where(inArray(orders.userId, userIds))
    .groupBy(orders.userId);
  return new Map(rows.map((r) => [r.userId, r.count]));
}

/** Unpaid (pending or payment-failed) and past its payment deadline at `now`. */
function overdueAt(now: Date) {
  return and(
    sql`${orders.status} in ('pending', 'payment_failed')`,
    sql`${orders.paymentStatus} <> 'success'`,
    sql`${orders.paymentDeadline} <= ${now}`,
  );
}

/**
 * Locks up to `limit` overdue unpaid orders, oldest deadline first, skipping rows another
 * transaction holds (another sweep, a payment in progress): concurrent sweeps share the
 * work instead of queueing on each other. Served by orders_unpaid_deadline_idx.
 */
export function lockOverdueOrders(
  ex: Executor,
  now: Date,
  limit: number,
  exceptIds: number[] = [],
): Promise<OrderRow[]> {
  return ex
    .select()
    .from(orders)
    .where(and(overdueAt(now), exceptIds.length ? notInArray(orders.id, exceptIds) : undefined))
    .orderBy(asc(orders.paymentDeadline))
    .limit(limit)
    .for('no key update', { skipLocked: true });
}

/**
 * Locks those of `ids` that are overdue and unpaid, in id order (waiting for rows held
 * elsewhere; PostgreSQL re-checks the condition on the row it gets, so an order paid
 * meanwhile drops out).
 */
export function lockOverdueAmong(ex: Executor, ids: number[], now: Date): Promise<OrderRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return ex
    .select()
    .from(orders)
    .where(and(inArray(orders.id, ids), overdueAt(now)))
    .orderBy(asc(orders.id))
    .for('no key update');
}

/** Sets one status on many orders (their payment status unchanged). */
export async function setStatusOfMany(ex: Executor, ids: number[], status: OrderStatus): Promise<void> {
  await ex.update(orders).set({ status, updatedAt: new Date() }).where(inArray(orders.id, ids));
}

/** Quantities per variant over several orders, by product and variant id (restoring their stock at once). */
export function quantitiesOfMany(ex: Executor, orderIds: number[]) {
  return ex
    .select({
      productId: orderItems.productId,
      variantId: orderItems.variantId,
      quantity: sql<number>`sum(${orderItems.quantity})::int`,
    })
    .from(orderItems)
    .where(inArray(orderItems.orderId, orderIds))
    .groupBy(orderItems.productId, orderItems.variantId)
    .orderBy(asc(orderItems.productId), asc(orderItems.variantId));
}

export async function insertHistoryMany(ex: Executor, entries: (typeof orderStatusHistory.$inferInsert)[]) {
  if (entries.length) await ex.insert(orderStatusHistory).values(entries);
}

export interface NewOrderLine {
  productId: number;
  variantId: number;
  productName: string;
  sku: string;
  variantTitle: string;
  variantOptions: Record<string, string>;
  quantity: number;
  priceAtPurchase: string;
  discount: string;
  taxRate: string;
  taxAmount: string;
}

/** The order's money and what it applied (API-v2 §2), as money strings. */
export interface NewOrderMoney {
  subtotal: string;
  discountTotal: string;
  shippingTotal: string;
  taxTotal: string;
  cgst: string;
  sgst: string;
  igst: string;
  totalAmount: string;
  promotion: { id: number; code: string } | null;
  shippingMethod: { id: number; name: string } | null;
  shippingState: string | null;
}

interface PlacedRow {
  id: number;
  order_number: string;
  user_id: number;
  status: OrderStatus;
  payment_status: PaymentStatus;
  created_at: Date | string;
  updated_at: Date | string;
  payment_deadline: Date | string | null;
  items: {
    id: number;
    product_id: number;
    variant_id: number;
    product_name: string;
    sku: string;
    variant_title: string;
    variant_options: Record<string, string>;
    quantity: number;
    price: string;
    discount: string;
    tax_rate: string;
    tax_amount: string;
  }[];
  history_at: Date | string;
  email: string;
}

/**
 * Writes a placed order in one statement of constant text: the order with its money, its
 * items (price, variant, discount and tax snapshots), its first history row and its
 * order.placed event, returning what the response needs (and the buyer's email).
 */
const insertOrderStatement = namedStatement<PlacedRow>(
  'order_insert_placed',
  `with o as (
     insert into orders (order_number, user_id, total_amount, shipping_address, payment_deadline,
                         subtotal, discount_total, shipping_total, tax_total, cgst, sgst, igst,
                         promotion_id, promotion_code, shipping_method_id, shipping_method_name, shipping_state)
     values ($1, $2, $3, $4, $5, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)
     returning id, order_number, user_id, status, payment_status, payment_deadline, created_at, updated_at
   ), i as (
     insert into order_items (order_id, product_id, product_name, quantity, price_at_purchase,
                              variant_id, sku, variant_title, variant_options, discount, tax_rate, tax_amount)
     select o.id, v.product_id, v.product_name, v.quantity, v.price, v.variant_id, v.sku, v.title, v.options::jsonb,
            v.discount, v.tax_rate, v.tax_amount
     from o, unnest($6::int[], $7::text[], $8::int[], $9::numeric[], $12::int[], $13::text[], $14::text[], $15::text[],
                    $29::numeric[], $30::numeric[], $31::numeric[])
            as v(product_id, product_name, quantity, price, variant_id, sku, title, options, discount, tax_rate, tax_amount)
     returning id, product_id, product_name, quantity, price_at_purchase, variant_id, sku, variant_title, variant_options,
               discount, tax_rate, tax_amount
   ), h as (
     insert into order_status_history (order_id, from_status, to_status, changed_by_id, changed_by, note)
     select o.id, null, 'pending', $10, $11, 'Order placed' from o
     returning created_at
   ), e as (
     -- The order.placed event (events module), in the same statement: no extra round trip.
     insert into events (id, type, data)
     select $16::uuid, 'order.placed', jsonb_build_object('order_id', o.id) from o
   )
   select o.id, o.order_number, o.user_id, o.status, o.payment_status, o.payment_deadline, o.created_at, o.updated_at,
          (select json_agg(json_build_object('id', i.id, 'product_id', i.product_id, 'variant_id', i.variant_id,
                                             'product_name', i.product_name, 'sku', i.sku,
                                             'variant_title', i.variant_title, 'variant_options', i.variant_options,
                                             'quantity', i.quantity, 'price', i.price_at_purchase::text,
                                             'discount', i.discount::text, 'tax_rate', i.tax_rate::text,
                                             'tax_amount', i.tax_amount::text) order by i.id)
           from i) as items,
          (select created_at from h) as history_at,
          (select email from users where id = $2) as email
   from o`,
);

/**
 * Inserts the order, its items, its first history row and its `order.placed` event (with the
 * id given; the caller enqueues the event's dispatch) in one statement.
 */
export async function insertPlacedOrder(
  ex: Executor,
  values: { orderNumber: string; userId: number; shippingAddress: string; paymentDeadline: Date },
  money: NewOrderMoney,
  lines: NewOrderLine[],
  by: { id: number; label: string },
  eventId: string,
) {
  const [row] = await insertOrderStatement(ex, [
    values.orderNumber,
    values.userId,
    money.totalAmount,
    values.shippingAddress,
    values.paymentDeadline,
    lines.map((l) => l.productId),
    lines.map((l) => l.productName),
    lines.map((l) => l.quantity),
    lines.map((l) => l.priceAtPurchase),
    by.id,
    by.label,
    lines.map((l) => l.variantId),
    lines.map((l) => l.sku),
    lines.map((l) => l.variantTitle),
    lines.map((l) => JSON.stringify(l.variantOptions)),
    eventId,
    money.subtotal,
    money.discountTotal,
    money.shippingTotal,
    money.taxTotal,
    money.cgst,
    money.sgst,
    money.igst,
    money.promotion?.id ?? null,
    money.promotion?.code ?? null,
    money.shippingMethod?.id ?? null,
    money.shippingMethod?.name ?? null,
    money.shippingState,
    lines.map((l) => l.discount),
    lines.map((l) => l.taxRate),
    lines.map((l) => l.taxAmount),
  ]);
  const r = row!;
  const order: OrderRow = {
    id: r.id,
    orderNumber: r.order_number,
    userId: r.user_id,
    status: r.status,
    paymentStatus: r.payment_status,
    totalAmount: money.totalAmount,
    subtotal: money.subtotal,
    discountTotal: money.discountTotal,
    shippingTotal: money.shippingTotal,
    taxTotal: money.taxTotal,
    cgst: money.cgst,
    sgst: money.sgst,
    igst: money.igst,
    promotionId: money.promotion?.id ?? null,
    promotionCode: money.promotion?.code ?? null,
    shippingMethodId: money.shippingMethod?.id ?? null,
    shippingMethodName: money.shippingMethod?.name ?? null,
    shippingState: money.shippingState,
    shippingAddress: values.shippingAddress,
    paymentDeadline: r.payment_deadline === null ? null : new Date(r.payment_deadline),
    trackingNumber: null,
    carrier: null,
    trackingUrl: null,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
  const items = r.items.map((i) => ({
    id: i.id,
    productId: i.product_id,
    variantId: i.variant_id,
    productName: i.product_name,
    sku: i.sku,
    variantTitle: i.variant_title,
    variantOptions: i.variant_options,
    quantity: i.quantity,
    priceAtPurchase: i.price,
    discount: i.discount,
    taxRate: i.tax_rate,
    taxAmount: i.tax_amount,
  }));
  return { order, items, historyAt: new Date(r.history_at), email: r.email };
}
