import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { namedStatement } from '../../db/sql.js';
import { orderCounters, orderItems, orders, productSales, salesBuckets } from '../../db/schema/index.js';
import { fromPaise, toPaise } from '../../lib/money.js';

/**
 * Keeps the analytics totals (order_counters, sales_buckets, product_sales) in step with
 * orders, inside the transaction that changes them. A change is described as deltas (pure
 * functions below) and written once, at the end of the transaction, by `writeCounters()`
 * (called only from orders/effects.ts, which fixes the lock order): product_sales in product
 * id order, then one sales bucket, then the order counters of one shard in key order.
 */
const SHARDS = 16;
const BUCKET_SHARDS = 4;

interface OrderFacts {
  id: number;
  status: string;
  paymentStatus: string;
  totalAmount: string;
  discountTotal: string;
  shippingTotal: string;
  taxTotal: string;
  createdAt: Date;
}

/** The parts of a paid order's total that the totals also keep (paise): its discount, shipping and tax. */
interface Components {
  discount: number;
  shipping: number;
  tax: number;
}

const NO_COMPONENTS: Components = { discount: 0, shipping: 0, tax: 0 };

function addComponents(a: Components, b: Components, sign: 1 | -1 = 1): Components {
  return { discount: a.discount + sign * b.discount, shipping: a.shipping + sign * b.shipping, tax: a.tax + sign * b.tax };
}

/** What one transaction changes in the totals. */
export interface CounterDeltas {
  /** order_counters: key → change in orders, in revenue and in its components (paise). */
  counters: Map<string, { orders: number; revenuePaise: number; components: Components }>;
  /** An order whose paid-ness changed: its lines move product_sales, its total a sales bucket. */
  sales: { orderId: number; createdAt: Date; sign: 1 | -1; totalPaise: number; components: Components }[];
  /** Changes in the refunded money of paid orders (the `refunded` columns), by order time. */
  refunds: { createdAt: Date; paise: number }[];
}

export function noDeltas(): CounterDeltas {
  return { counters: new Map(), sales: [], refunds: [] };
}

/**
 * A refund of `paise` processed for an order (`paymentStatus` is its payment status now,
 * `refundedBeforePaise` what its processed refunds came to before). The `refunded` totals
 * hold the refunds of orders that count in revenue, so that net revenue is revenue −
 * refunded: a partial refund adds its amount; the refund that completes it takes the order
 * out of revenue (`change()`) and its earlier refunds out of `refunded`.
 */
export function refund(
  deltas: CounterDeltas,
  order: OrderFacts,
  paymentStatus: string,
  paise: number,
  refundedBeforePaise: number,
): CounterDeltas {
  change(deltas, order, order.status, paymentStatus);
  const wasPaid = countsAsPaid(order.paymentStatus);
  const isPaid = countsAsPaid(paymentStatus);
  const delta = isPaid ? (wasPaid ? paise : 0) : wasPaid ? -refundedBeforePaise : 0;
  if (delta) deltas.refunds.push({ createdAt: order.createdAt, paise: delta });
  return deltas;
}

function add(deltas: CounterDeltas, key: string, orders: number, revenuePaise = 0, components = NO_COMPONENTS) {
  const current = deltas.counters.get(key) ?? { orders: 0, revenuePaise: 0, components: NO_COMPONENTS };
  deltas.counters.set(key, {
    orders: current.orders + orders,
    revenuePaise: current.revenuePaise + revenuePaise,
    components: addComponents(current.components, components),
  });
}

const PAID_STATUSES = ['success', 'partially_refunded'];
const PAID_SQL = sql.raw(`('success', 'partially_refunded')`);

/**
 * Whether an order counts in revenue: paid, and not refunded in full. A partial refund
 * keeps the order counted (no event may over-state a refund).
 */
function countsAsPaid(paymentStatus: string): boolean {
  return PAID_STATUSES.includes(paymentStatus);
}

/** A new order (pending). */
export function newOrder(deltas: CounterDeltas): CounterDeltas {
  add(deltas, 'status:pending', 1);
  return deltas;
}

/** An order's status and/or payment status change; paid-ness drives revenue and product sales. */
export function change(deltas: CounterDeltas, order: OrderFacts, status: string, paymentStatus: string): CounterDeltas {
  if (status !== order.status) {
    add(deltas, `status:${order.status}`, -1);
    add(deltas, `status:${status}`, 1);
  }
  const wasPaid = countsAsPaid(order.paymentStatus);
  const isPaid = countsAsPaid(paymentStatus);
  if (isPaid === wasPaid) return deltas;
  const sign = isPaid ? 1 : -1;
  const totalPaise = toPaise(order.totalAmount);
  const components = {
    discount: toPaise(order.discountTotal),
    shipping: toPaise(order.shippingTotal),
    tax: toPaise(order.taxTotal),
  };
  add(deltas, 'paid', sign, sign * totalPaise, addComponents(NO_COMPONENTS, components, sign));
  deltas.sales.push({ orderId: order.id, createdAt: order.createdAt, sign, totalPaise, components });
  return deltas;
}

/** Many orders moving to one status with their payment status unchanged (the expiry of unpaid orders). */
export function statusChanges(deltas: CounterDeltas, fromStatuses: string[], to: string): CounterDeltas {
  for (const from of fromStatuses) {
    if (from === to) continue;
    add(deltas, `status:${from}`, -1);
    add(deltas, `status:${to}`, 1);
  }
  return deltas;
}

/**
 * Writes the deltas: product_sales (product id order), the sales buckets (bucket order),
 * then order_counters in one random shard, key order, one statement. Run it once per
 * transaction, last (orders/effects.ts): a second call could pick another shard and lock
 * counter rows crosswise with another transaction.
 */
export async function writeCounters(ex: Executor, deltas: CounterDeltas): Promise<void> {
  if (deltas.sales.length) await writeSales(ex, deltas.sales);
  if (deltas.refunds.length) await writeRefundBuckets(ex, deltas.refunds);
  const rows = [...deltas.counters].filter(
    ([, d]) => d.orders !== 0 || d.revenuePaise !== 0 || d.components.discount !== 0 || d.components.shipping !== 0 || d.components.tax !== 0,
  );
  const refundedPaise = deltas.refunds.reduce((sum, r) => sum + r.paise, 0);
  if (!rows.length && !refundedPaise) return;
  rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const shard = randomInt(SHARDS);
  if (rows.length) {
    await counterBump(ex, [
      rows.map(([key]) => key),
      rows.map(([, d]) => d.orders),
      rows.map(([, d]) => fromPaise(d.revenuePaise)),
      shard,
      rows.map(([, d]) => fromPaise(d.components.discount)),
      rows.map(([, d]) => fromPaise(d.components.shipping)),
      rows.map(([, d]) => fromPaise(d.components.tax)),
    ]);
  }
  // The `paid` row of the same shard (locked already when the bump above wrote it).
  if (refundedPaise) await refundedBump(ex, [fromPaise(refundedPaise), shard]);
}

const refundedBump = namedStatement(
  'order_counters_refunded_bump',
  `insert into order_counters (key, shard, orders, revenue, refunded) values ('paid', $2, 0, 0, $1::numeric)
   on conflict (key, shard) do update set refunded = order_counters.refunded + excluded.refunded`,
);

/** Adds refund deltas to the sales buckets of their orders' times (bucket order, one shard). */
async function writeRefundBuckets(ex: Executor, refunds: CounterDeltas['refunds']) {
  const buckets = new Map<number, number>();
  for (const r of refunds) {
    const at = bucketOf(r.createdAt).getTime();
    buckets.set(at, (buckets.get(at) ?? 0) + r.paise);
  }
  const shard = randomInt(BUCKET_SHARDS);
  for (const [at, paise] of [...buckets].sort(([x], [y]) => x - y)) {
    if (!paise) continue;
    await ex
      .insert(salesBuckets)
      .values({ bucket: new Date(at), shard, orders: 0, revenue: '0', refunded: fromPaise(paise) })
      .onConflictDoUpdate({
        target: [salesBuckets.bucket, salesBuckets.shard],
        set: { refunded: sql`${salesBuckets.refunded} + excluded.refunded` },
      });
  }
}

// The rows are inserted in key order (ORDER BY below INSERT): two transactions writing one
// shard take its rows in the same order.
const counterBump = namedStatement(
  'order_counters_bump',
  `insert into order_counters (key, shard, orders, revenue, discount, shipping, tax)
   select v.key, $4, v.orders, v.revenue, v.discount, v.shipping, v.tax
   from unnest($1::text[], $2::int[], $3::numeric[], $5::numeric[], $6::numeric[], $7::numeric[])
     as v(key, orders, revenue, discount, shipping, tax)
   order by v.key
   on conflict (key, shard) do update
     set orders = order_counters.orders + excluded.orders,
         revenue = order_counters.revenue + excluded.revenue,
         discount = order_counters.discount + excluded.discount,
         shipping = order_counters.shipping + excluded.shipping,
         tax = order_counters.tax + excluded.tax`,
);

async function writeSales(ex: Executor, sales: CounterDeltas['sales']) {
  const orderIds = sales.map((s) => s.orderId);
  const signs = sales.map((s) => s.sign);
  await ex.execute(sql`
    insert into ${productSales} (product_id, units, revenue)
    select i.product_id, sum(s.sign * i.quantity), sum(s.sign * i.quantity * i.price_at_purchase)
    from ${orderItems} i
    join unnest(${`{${orderIds.join(',')}}`}::int[], ${`{${signs.join(',')}}`}::int[]) as s(order_id, sign)
      on s.order_id = i.order_id
    group by i.product_id order by i.product_id
    on conflict (product_id) do update
      set units = ${productSales.units} + excluded.units,
          revenue = ${productSales.revenue} + excluded.revenue`);
  const buckets = new Map<number, { orders: number; revenuePaise: number; components: Components }>();
  for (const s of sales) {
    const at = bucketOf(s.createdAt).getTime();
    const b = buckets.get(at) ?? { orders: 0, revenuePaise: 0, components: NO_COMPONENTS };
    buckets.set(at, {
      orders: b.orders + s.sign,
      revenuePaise: b.revenuePaise + s.sign * s.totalPaise,
      components: addComponents(b.components, s.components, s.sign),
    });
  }
  const shard = randomInt(BUCKET_SHARDS);
  for (const [at, b] of [...buckets].sort(([x], [y]) => x - y)) {
    await ex
      .insert(salesBuckets)
      .values({
        bucket: new Date(at),
        shard,
        orders: b.orders,
        revenue: fromPaise(b.revenuePaise),
        discount: fromPaise(b.components.discount),
        shipping: fromPaise(b.components.shipping),
        tax: fromPaise(b.components.tax),
      })
      .onConflictDoUpdate({
        target: [salesBuckets.bucket, salesBuckets.shard],
        set: {
          orders: sql`${salesBuckets.orders} + excluded.orders`,
          revenue: sql`${salesBuckets.revenue} + excluded.revenue`,
          discount: sql`${salesBuckets.discount} + excluded.discount`,
          shipping: sql`${salesBuckets.shipping} + excluded.shipping`,
          tax: sql`${salesBuckets.tax} + excluded.tax`,
        },
      });
  }
}

/** The start of the 15-minute bucket holding `at`. */
function bucketOf(at: Date): Date {
  const quarter = 15 * 60 * 1000;
  return new Date(Math.floor(at.getTime() / quarter) * quarter);
}

/**
 * Recomputes every total from the orders (after a bulk load, or to repair drift), in one
 * transaction (a savepoint inside the caller's) that first locks the three tables against
 * writers, in the order writers take them (`writeCounters()`), so that it never deadlocks
 * with one. EXCLUSIVE mode lets readers through and holds every counter writer back, so no
 * order change can commit between the DELETEs and the INSERT … SELECTs, which each read their
 * own snapshot: a change committed before the lock is counted once, by the recomputation; a
 * change still open when the lock is granted has not written its deltas yet, is not seen by
 * the recomputation, and adds its deltas once the rebuild commits.
 */
export async function rebuildStats(ex: Executor): Promise<void> {
  await ex.transaction(async (tx) => {
    await tx.execute(sql`lock table ${productSales}, ${salesBuckets}, ${orderCounters} in exclusive mode`);
    await tx.execute(sql`delete from ${orderCounters}`);
    await tx.execute(sql`delete from ${salesBuckets}`);
    await tx.execute(sql`delete from ${productSales}`);
    await tx.execute(sql`
      insert into ${orderCounters} (key, shard, orders, revenue)
      select 'status:' || status, 0, count(*), 0 from ${orders} group by status`);
    // `refunded`: the processed refunds of the payment that paid each order still counted.
    const refunded = sql`coalesce((select sum(r.amount) from refunds r join payments p on p.id = r.payment_id
      where p.order_id = o.id and not p.second_capture and r.status = 'processed'), 0)`;
    await tx.execute(sql`
      insert into ${orderCounters} (key, shard, orders, revenue, refunded, discount, shipping, tax)
      select 'paid', 0, count(*), coalesce(sum(total_amount), 0), coalesce(sum(${refunded}), 0),
        coalesce(sum(discount_total), 0), coalesce(sum(shipping_total), 0), coalesce(sum(tax_total), 0)
      from ${orders} o where payment_status in ${PAID_SQL}`);
    await tx.execute(sql`
      insert into ${salesBuckets} (bucket, shard, orders, revenue, refunded, discount, shipping, tax)
      select to_timestamp(floor(extract(epoch from created_at) / 900) * 900), 0, count(*), sum(total_amount), sum(${refunded}),
        sum(discount_total), sum(shipping_total), sum(tax_total)
      from ${orders} o where payment_status in ${PAID_SQL} group by 1`);
    await tx.execute(sql`
      insert into ${productSales} (product_id, units, revenue)
      select i.product_id, sum(i.quantity), sum(i.quantity * i.price_at_purchase)
      from ${orderItems} i join ${orders} o on o.id = i.order_id
      where o.payment_status in ${PAID_SQL} group by i.product_id`);
  });
}
