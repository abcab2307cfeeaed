import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { preparedInTx } from '../../db/prepared.js';
import { orderCounters, orderItems, orders, productSales, salesBuckets } from '../../db/schema/index.js';
import { fromPaise, toPaise } from '../../lib/money.js';

/**
 * Keeps the analytics totals (order_counters, sales_buckets, product_sales) in step with
 * orders, inside the transaction that changes them. A transaction writes all its counter
 * rows in one shard and in key order, so two transactions never lock them crosswise.
 */
const SHARDS = 16;
const BUCKET_SHARDS = 4;

interface OrderFacts {
  id: number;
  status: string;
  paymentStatus: string;
  totalAmount: string;
  createdAt: Date;
}

const counterBump = preparedInTx((ex) => ({
  bump: ex
    .insert(orderCounters)
    .values({
      key: sql.placeholder('key'),
      shard: sql.placeholder('shard'),
      orders: sql.placeholder('orders'),
      revenue: sql.placeholder('revenue'),
    })
    .onConflictDoUpdate({
      target: [orderCounters.key, orderCounters.shard],
      set: {
        orders: sql`${orderCounters.orders} + excluded.orders`,
        revenue: sql`${orderCounters.revenue} + excluded.revenue`,
      },
    })
    .prepare('order_counters_bump'),
}));

async function bump(ex: Executor, deltas: [key: string, orders: number, revenuePaise: number][], shard: number) {
  for (const [key, count, revenue] of [...deltas].sort(([a], [b]) => a.localeCompare(b))) {
    await counterBump(ex).bump.execute({ key, shard, orders: count, revenue: fromPaise(revenue) });
  }
}

const PAID_STATUSES = ['success', 'partially_refunded'];
const PAID_SQL = sql.raw(`('success', 'partially_refunded')`);

/**
 * Whether an order counts in revenue: paid, and not refunded in full. A partial refund
 * keeps the order counted (no event may over-state a refund).
 */
export function countsAsPaid(paymentStatus: string): boolean {
  return PAID_STATUSES.includes(paymentStatus);
}

/** A new order (pending). */
export function recordNewOrder(ex: Executor): Promise<void> {
  return bump(ex, [['status:pending', 1, 0]], randomInt(SHARDS));
}

/** An order's status and/or payment status change; paid-ness drives revenue and product sales. */
export async function recordChange(ex: Executor, order: OrderFacts, status: string, paymentStatus: string) {
  const deltas: [string, number, number][] = [];
  if (status !== order.status) deltas.push([`status:${order.status}`, -1, 0], [`status:${status}`, 1, 0]);
  const wasPaid = countsAsPaid(order.paymentStatus);
  const isPaid = countsAsPaid(paymentStatus);
  const sign = isPaid === wasPaid ? 0 : isPaid ? 1 : -1;
  const total = toPaise(order.totalAmount);
  if (sign) deltas.push(['paid', sign, sign * total]);
  if (deltas.length) await bump(ex, deltas, randomInt(SHARDS));
  if (!sign) return;
  await ex
    .insert(salesBuckets)
    .values({
      bucket: bucketOf(order.createdAt),
      shard: randomInt(BUCKET_SHARDS),
      orders: sign,
      revenue: fromPaise(sign * total),
    })
    .onConflictDoUpdate({
      target: [salesBuckets.bucket, salesBuckets.shard],
      set: {
        orders: sql`${salesBuckets.orders} + excluded.orders`,
        revenue: sql`${salesBuckets.revenue} + excluded.revenue`,
      },
    });
  await ex.execute(sql`
    insert into ${productSales} (product_id, units, revenue)
    select product_id, ${sign} * sum(quantity), ${sign} * sum(quantity * price_at_purchase)
    from ${orderItems} where order_id = ${order.id}
    group by product_id order by product_id
    on conflict (product_id) do update
      set units = ${productSales.units} + excluded.units,
          revenue = ${productSales.revenue} + excluded.revenue`);
}

/**
 * Many orders moving to one status with their payment status unchanged (the expiry of
 * unpaid orders): the per-status counts move by the totals, in one shard, in key order.
 */
export async function recordStatusChanges(ex: Executor, fromStatuses: string[], to: string): Promise<void> {
  const counts = new Map<string, number>();
  for (const from of fromStatuses) {
    if (from === to) continue;
    counts.set(`status:${from}`, (counts.get(`status:${from}`) ?? 0) - 1);
    counts.set(`status:${to}`, (counts.get(`status:${to}`) ?? 0) + 1);
  }
  const deltas = [...counts].filter(([, n]) => n !== 0).map(([key, n]): [string, number, number] => [key, n, 0]);
  if (deltas.length) await bump(ex, deltas, randomInt(SHARDS));
}

/** The start of the 15-minute bucket holding `at`. */
export function bucketOf(at: Date): Date {
  const quarter = 15 * 60 * 1000;
  return new Date(Math.floor(at.getTime() / quarter) * quarter);
}

/** Recomputes every total from the orders (after a bulk load, or to repair drift). */
export async function rebuildStats(ex: Executor): Promise<void> {
  await ex.execute(sql`delete from ${orderCounters}`);
  await ex.execute(sql`delete from ${salesBuckets}`);
  await ex.execute(sql`delete from ${productSales}`);
  await ex.execute(sql`
    insert into ${orderCounters} (key, shard, orders, revenue)
    select 'status:' || status, 0, count(*), 0 from ${orders} group by status`);
  await ex.execute(sql`
    insert into ${orderCounters} (key, shard, orders, revenue)
    select 'paid', 0, count(*), coalesce(sum(total_amount), 0) from ${orders} where payment_status in ${PAID_SQL}`);
  await ex.execute(sql`
    insert into ${salesBuckets} (bucket, shard, orders, revenue)
    select to_timestamp(floor(extract(epoch from created_at) / 900) * 900), 0, count(*), sum(total_amount)
    from ${orders} where payment_status in ${PAID_SQL} group by 1`);
  await ex.execute(sql`
    insert into ${productSales} (product_id, units, revenue)
    select i.product_id, sum(i.quantity), sum(i.quantity * i.price_at_purchase)
    from ${orderItems} i join ${orders} o on o.id = i.order_id
    where o.payment_status in ${PAID_SQL} group by i.product_id`);
}
