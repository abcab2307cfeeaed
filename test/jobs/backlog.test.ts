/**
 * Background work keeps up with checkout: behind a backlog of thousands of due expiry jobs
 * (a busy spell of unpaid orders), a new unpaid order still expires within its payment
 * timeout plus a few seconds, and every order of the backlog expires exactly once with its
 * stock restored exactly once. PostgreSQL: the drain rate of a real pool is what counts.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { onPostgres, type TestContext } from '../helpers/app.js';
import { makeAdmin, makeProduct, type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  closePaymentsShop,
  getOrder,
  openPaymentsShop,
  orderOf,
  payOrder,
  productStock,
  waitFor,
  waitForOrder,
} from '../helpers/payments.js';

const TIMEOUT_SECONDS = 4;
const BACKLOG = 5_000;
/** Polling (0.5 s) and a loaded two-core machine shared with other test files. */
const SLACK_MS = 5_000;
const BACKLOG_ADDRESS = 'Backlog Road';

let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;

beforeAll(async () => {
  if (!onPostgres()) return;
  ({ fake, ctx, shop, user } = await openPaymentsShop(
    { ORDER_PAYMENT_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) },
    { jobs: true },
  ));
});
afterAll(() => closePaymentsShop({ ctx, fake }));

/**
 * `count` unpaid orders of one unit of `productId`, a minute past their deadline, their
 * stock taken, each with its due expiry job: what a busy spell of checkouts leaves behind
 * when its jobs were not drained. One transaction, set-based.
 */
async function overdueBacklog(productId: number, count: number): Promise<number[]> {
  return ctx.database.db.transaction(async (tx) => {
    const rows = await queryRows<{ id: number }>(
      tx,
      sql`with o as (
            insert into orders (order_number, user_id, total_amount, subtotal, shipping_address, payment_deadline, created_at)
            select 'ORD-' || upper(substr(md5(random()::text || g::text), 1, 12)), ${user.id}, '10.00', '10.00',
                   ${BACKLOG_ADDRESS}, now() - interval '1 minute', now() - interval '5 minutes'
            from generate_series(1, ${count}) g
            returning id
          ), i as (
            insert into order_items (order_id, product_id, variant_id, product_name, sku, variant_title, quantity, price_at_purchase)
            select o.id, ${productId}, v.id, 'Backlog item', v.sku, v.title, 1, '10.00'
            from o, (select id, sku, title from product_variants where product_id = ${productId} order by id limit 1) v
          )
          select id from o order by id`,
    );
    const ids = rows.map((r) => r.id);
    // Stock lives on the variant; the trigger keeps the product's.
    await tx.execute(sql`update product_variants set stock = stock - ${count} where product_id = ${productId}`);
    await tx.execute(sql`
      insert into order_counters (key, shard, orders, revenue) values ('status:pending', 0, ${count}, 0)
      on conflict (key, shard) do update set orders = order_counters.orders + excluded.orders`);
    // Each with its job, enqueued in the same transaction as checkout does.
    for (const orderId of ids) await ctx.services.jobs.enqueue(tx, 'order-expire', { orderId });
    return ids;
  });
}

describe.skipIf(!onPostgres())('expiry behind a backlog of thousands of due jobs', () => {
  it(
    'a new unpaid order expires within its timeout plus a few seconds; the backlog expires once each',
    { timeout: 90_000 },
    async () => {
      const backlogProduct = (await makeProduct(shop, { price: '10.00', stock: 20_000 })).id;
      expect(await overdueBacklog(backlogProduct, BACKLOG)).toHaveLength(BACKLOG);
      expect(await productStock(ctx, backlogProduct)).toBe(20_000 - BACKLOG);

      const placedAt = Date.now();
      const order = await orderOf(shop, user, '75.00', 3);
      await waitForOrder(
        ctx,
        user,
        order.id,
        (o) => o.status === 'cancelled',
        'expired behind the backlog',
        TIMEOUT_SECONDS * 1000 + SLACK_MS + 10_000,
      );
      const took = Date.now() - placedAt;
      expect(took).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000 - 1_000);
      expect(took).toBeLessThan(TIMEOUT_SECONDS * 1000 + SLACK_MS);
      expect(await productStock(ctx, order.productId)).toBe(100);

      // The whole backlog: cancelled once each, by the system, its stock back exactly once.
      const cancelledOf = async () =>
        (
          await queryRows<{ n: number }>(
            ctx.database.db,
            sql`select count(*)::int as n from orders
                where user_id = ${user.id} and shipping_address = ${BACKLOG_ADDRESS} and status = 'cancelled'`,
          )
        )[0]!.n;
      await waitFor(async () => (await cancelledOf()) === BACKLOG, 'the backlog expired', 30_000, 250);
      const [history] = await queryRows<{ rows: number; orders: number; by_system: number }>(
        ctx.database.db,
        sql`select count(*)::int as rows, count(distinct h.order_id)::int as orders,
                   count(*) filter (where changed_by = 'system' and from_status = 'pending')::int as by_system
            from order_status_history h join orders o on o.id = h.order_id
            where o.user_id = ${user.id} and o.shipping_address = ${BACKLOG_ADDRESS} and h.to_status = 'cancelled'`,
      );
      expect(history).toEqual({ rows: BACKLOG, orders: BACKLOG, by_system: BACKLOG });
      expect(await productStock(ctx, backlogProduct)).toBe(20_000);

      // Every expiry job completed; none waits, none failed.
      const jobs = await queryRows<{ state: string; n: number }>(
        ctx.database.db,
        sql`select state::text, count(*)::int as n from pgboss.job where name = 'order-expire' group by state`,
      );
      await waitFor(
        async () => {
          const states = await queryRows<{ n: number }>(
            ctx.database.db,
            sql`select count(*)::int as n from pgboss.job where name = 'order-expire' and state <> 'completed'`,
          );
          return states[0]!.n === 0;
        },
        `every expiry job completed (${JSON.stringify(jobs)})`,
        10_000,
        250,
      );
    },
  );
});

describe.skipIf(!onPostgres())('refunds behind a burst of cancellations', () => {
  it(
    'thirty refunds, each waiting on a slow gateway, are all done within seconds, once each',
    { timeout: 120_000 },
    async () => {
      const ORDERS = 30;
      const admin = await makeAdmin(ctx);
      const paid: { id: number; paymentId: string }[] = [];
      for (let i = 0; i < ORDERS; i++) {
        const order = await orderOf(shop, user, '20.00', 1);
        const { payment } = await payOrder(ctx, fake, user, order.id);
        paid.push({ id: order.id, paymentId: payment.id });
      }
      // Each refund asks the gateway twice (its refunds so far, then the refund): 0.6 s.
      fake.delayMs = 300;
      try {
        const cancelled = await Promise.all(
          paid.map((o) => call(ctx, 'PATCH', `/api/orders/${o.id}/update_status/`, admin, { status: 'cancelled' })),
        );
        for (const res of cancelled) expect(res.statusCode, res.body).toBe(200);
        const since = Date.now();
        await waitFor(
          async () => {
            const orders = await Promise.all(paid.map((o) => getOrder(ctx, user, o.id)));
            return orders.every((o) => o.payment_status === 'refunded');
          },
          'every order refunded',
          30_000,
          250,
        );
        // One at a time this is 30 × (0.6 s + polling) ≥ 18 s; ten at a time, about 2 s.
        expect(Date.now() - since).toBeLessThan(8_000);
      } finally {
        fake.delayMs = 0;
      }
      for (const o of paid) expect(fake.refunds.filter((r) => r.payment_id === o.paymentId)).toHaveLength(1);
    },
  );
});
