import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { type Database, queryRows } from '../../src/db/client.js';

type Row = Record<string, unknown>;
const rows = (database: Database, query: ReturnType<typeof sql>) => queryRows<Row>(database.db, query);

/**
 * Every running total (order_counters summed over shards, product_sales, sales_buckets)
 * equals a recomputation from the orders. For a database whose orders are all the test's.
 */
export async function expectCountersMatchOrders(database: Database): Promise<void> {
  const counters = await rows(
    database,
    sql`select key, sum(orders)::int as orders, sum(revenue)::text as revenue from order_counters
        group by key having sum(orders) <> 0 or sum(revenue) <> 0 order by key`,
  );
  const counted = await rows(
    database,
    sql`select * from (
          select 'status:' || status as key, count(*)::int as orders, '0.00' as revenue from orders group by status
          union all
          select 'paid', count(*)::int, sum(total_amount)::text from orders
          where payment_status in ('success', 'partially_refunded') having count(*) > 0
        ) t order by key`,
  );
  expect(counters, 'order_counters').toEqual(counted);
  const sales = await rows(
    database,
    sql`select product_id, units::int as units, revenue::text as revenue from product_sales
        where units <> 0 or revenue <> 0 order by product_id`,
  );
  const sold = await rows(
    database,
    sql`select i.product_id, sum(i.quantity)::int as units, sum(i.quantity * i.price_at_purchase)::text as revenue
        from order_items i join orders o on o.id = i.order_id
        where o.payment_status in ('success', 'partially_refunded') group by i.product_id order by i.product_id`,
  );
  expect(sales, 'product_sales').toEqual(sold);
  const buckets = await rows(
    database,
    sql`select coalesce(sum(orders), 0)::int as orders, coalesce(sum(revenue), 0)::numeric(16, 2)::text as revenue
        from sales_buckets`,
  );
  const paid = await rows(
    database,
    sql`select count(*)::int as orders, coalesce(sum(total_amount), 0)::numeric(16, 2)::text as revenue from orders
        where payment_status in ('success', 'partially_refunded')`,
  );
  expect(buckets, 'sales_buckets').toEqual(paid);
  // `refunded`: the processed refunds of the paying payment of orders still counted as paid.
  const refunded = await rows(
    database,
    sql`select (select coalesce(sum(refunded), 0) from order_counters where key = 'paid')::numeric(16, 2)::text as counters,
               (select coalesce(sum(refunded), 0) from sales_buckets)::numeric(16, 2)::text as buckets`,
  );
  const refundedFromOrders = await rows(
    database,
    sql`select coalesce(sum(r.amount), 0)::numeric(16, 2)::text as total from refunds r
        join payments p on p.id = r.payment_id join orders o on o.id = p.order_id
        where r.status = 'processed' and not p.second_capture and o.payment_status in ('success', 'partially_refunded')`,
  );
  const total = refundedFromOrders[0]!.total;
  expect(refunded[0], 'refunded').toEqual({ counters: total, buckets: total });
  await expectComponentsMatchOrders(database);
}

/** The discount, shipping and tax kept beside the revenue (counters and buckets) equal the paid orders' sums. */
async function expectComponentsMatchOrders(database: Database): Promise<void> {
  const sums = (table: 'order_counters' | 'sales_buckets') =>
    rows(
      database,
      sql`select coalesce(sum(discount), 0)::numeric(16, 2)::text as discount,
            coalesce(sum(shipping), 0)::numeric(16, 2)::text as shipping,
            coalesce(sum(tax), 0)::numeric(16, 2)::text as tax
          from ${sql.raw(table)} ${sql.raw(table === 'order_counters' ? "where key = 'paid'" : '')}`,
    );
  const paid = await rows(
    database,
    sql`select coalesce(sum(discount_total), 0)::numeric(16, 2)::text as discount,
          coalesce(sum(shipping_total), 0)::numeric(16, 2)::text as shipping,
          coalesce(sum(tax_total), 0)::numeric(16, 2)::text as tax
        from orders where payment_status in ('success', 'partially_refunded')`,
  );
  expect(await sums('order_counters'), 'order_counters components').toEqual(paid);
  expect(await sums('sales_buckets'), 'sales_buckets components').toEqual(paid);
  const elsewhere = await rows(
    database,
    sql`select key from order_counters where key <> 'paid' and (discount <> 0 or shipping <> 0 or tax <> 0)`,
  );
  expect(elsewhere, 'components only on the paid counter').toEqual([]);
}
