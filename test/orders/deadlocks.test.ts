import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { queryRows } from '../../src/db/client.js';
import { expireOrders, expireOverdueOrders, type OrdersDeps } from '../../src/modules/orders/service.js';
import { buildTestApp, onPostgres, type TestContext } from '../helpers/app.js';
import { expectCountersMatchOrders } from '../helpers/stats.js';
import { makeProduct, makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { addToCart, CASH, cancelOrder, createOrder, send, updateStatus } from '../helpers/shop.js';
import type { Schemas } from '../helpers/client.js';

/**
 * The lock order (src/modules/orders/effects.ts) under load: shoppers loop add → checkout →
 * cancel / leave unpaid / have staff mark it paid and cancel it, while staff adjust stock and
 * the batch expiry and the sweep cancel overdue orders, all on three shared products (one so
 * scarce that it keeps selling out and coming back). Before the lock order, a cancellation
 * wrote the counters before restoring stock while a checkout locked products first and the
 * counters after: `deadlock detected`, answered 503. Its own database, so that the server's
 * deadlock count is this test's alone.
 */
const SHOPPERS = 16;
const DURATION_MS = 8_000;

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp({ DB_POOL_MAX: '40', ORDER_PAYMENT_TIMEOUT_SECONDS: '1' }, { isolated: true });
  shop = await makeShop(ctx);
}, 60_000);
afterAll(async () => ctx?.close());

/** The database with every failed transaction recorded (the expiry functions retry quietly). */
function watched(database: Database, failures: unknown[]): Database {
  const db = new Proxy(database.db, {
    get(target, key, receiver) {
      if (key !== 'transaction') return Reflect.get(target, key, receiver) as unknown;
      return (...args: Parameters<typeof target.transaction>) =>
        target.transaction(...args).catch((err: unknown) => {
          failures.push(err);
          throw err;
        });
    },
  });
  return { ...database, db };
}

/** The server's deadlock count for this database, every backend's figures flushed first. */
async function serverDeadlocks(): Promise<number> {
  const [{ name }] = (await queryRows<{ name: string }>(ctx.database.db, sql`select current_database() as name`)) as [
    { name: string },
  ];
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    // A backend reports its counts when it exits; the pool's connections are idle by now.
    await client.query(`select pg_terminate_backend(pid) from pg_stat_activity
                        where datname = current_database() and pid <> pg_backend_pid()`);
    for (let i = 0; i < 50; i++) {
      const left = await client.query(`select count(*)::int as n from pg_stat_activity
                                       where datname = current_database() and pid <> pg_backend_pid()`);
      if (left.rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows } = await client.query(`select deadlocks::int as n from pg_stat_database where datname = current_database()`);
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

interface Outcome {
  what: string;
  status: number;
  body: string;
}

const pick = <T,>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(onPostgres())('one lock order (PostgreSQL, parallel connections)', () => {
  it('checkout, cancel, expiry, staff status changes and stock adjustments in parallel: no 5xx, no deadlock, stock and counters consistent', async () => {
    const products = [
      { id: (await makeProduct(shop, { stock: 100_000 })).id, initial: 100_000 },
      { id: (await makeProduct(shop, { stock: 100_000 })).id, initial: 100_000 },
      { id: (await makeProduct(shop, { stock: 3 })).id, initial: 3 },
    ];
    const shoppers: TestUser[] = [];
    for (let i = 0; i < SHOPPERS; i += 8) shoppers.push(...(await Promise.all(Array.from({ length: 8 }, () => makeUser(ctx)))));

    const outcomes: Outcome[] = [];
    const record = (what: string, res: { statusCode: number; body: string }) => {
      outcomes.push({ what, status: res.statusCode, body: res.statusCode >= 500 ? res.body : '' });
      return res.statusCode;
    };
    const adjusted = new Map(products.map((p) => [p.id, 0]));
    const placed: number[] = [];
    const expiryFailures: unknown[] = [];
    const deps: OrdersDeps = { ...ctx.services.orders, database: watched(ctx.database, expiryFailures) };
    const deadlocksBefore = await serverDeadlocks();
    const until = Date.now() + DURATION_MS;

    const shopperLoop = async (user: TestUser) => {
      while (Date.now() < until) {
        const lines = products.filter(() => Math.random() < 0.6);
        if (!lines.length) lines.push(pick(products));
        for (const p of lines.sort(() => Math.random() - 0.5)) record('add', await addToCart(ctx, { user }, p.id, 1));
        const res = await createOrder(ctx, user);
        if (record('checkout', res) !== 201) {
          // Short of the scarce product: start again with an empty cart.
          record('clear', await send(ctx, 'DELETE', '/api/cart/clear/', { user }));
          continue;
        }
        const orderId = res.json<Schemas['OrderDetail']>().id;
        placed.push(orderId);
        const roll = Math.random();
        if (roll < 0.4) {
          record('cancel', await cancelOrder(ctx, user, orderId));
        } else if (roll < 0.7) {
          // Left unpaid: the expiry (deadline 1 s) cancels it.
        } else if (record('paid', await updateStatus(ctx, shop.admin, orderId, 'paid', 'At the counter', CASH)) === 200) {
          if (Math.random() < 0.5) record('processing', await updateStatus(ctx, shop.admin, orderId, 'processing'));
          record('staff cancel', await updateStatus(ctx, shop.admin, orderId, 'cancelled'));
        }
      }
    };
    const stockLoop = async () => {
      while (Date.now() < until) {
        const p = pick(products);
        const n = pick([2, 1, -1]);
        const res = await send(ctx, 'PATCH', `/api/products/${p.id}/`, { user: shop.admin }, { stock_adjustment: n });
        if (record('stock_adjustment', res) === 200) adjusted.set(p.id, adjusted.get(p.id)! + n);
        await pause(20);
      }
    };
    const batchExpiryLoop = async () => {
      while (Date.now() < until) {
        const outcome = await expireOrders(deps, placed.slice(-30));
        expiryFailures.push(...outcome.failed.values());
        await pause(50);
      }
    };
    const sweepLoop = async () => {
      while (Date.now() < until) {
        await expireOverdueOrders(deps);
        await pause(80);
      }
    };

    await Promise.all([...shoppers.map(shopperLoop), stockLoop(), stockLoop(), batchExpiryLoop(), sweepLoop()]);

    // The load did something of each kind.
    const count = (what: string, status: number) => outcomes.filter((o) => o.what === what && o.status === status).length;
    expect(count('checkout', 201)).toBeGreaterThan(50);
    expect(count('cancel', 200)).toBeGreaterThan(5);
    expect(count('staff cancel', 200)).toBeGreaterThan(5);
    expect(count('stock_adjustment', 200)).toBeGreaterThan(5);
    const failed = outcomes.filter((o) => o.status >= 500);
    expect(failed, `${failed.length} of ${outcomes.length} requests failed`).toEqual([]);
    expect(expiryFailures.map(String)).toEqual([]);
    const [expired] = await queryRows<{ n: number }>(
      ctx.database.db,
      sql`select count(*)::int as n from order_status_history where note = 'Payment not received in time'`,
    );
    expect(expired!.n).toBeGreaterThan(5);

    // Stock: what was there, adjusted, less what live (not cancelled) orders hold.
    const held = await queryRows<{ product_id: number; units: number }>(
      ctx.database.db,
      sql`select i.product_id, sum(i.quantity)::int as units from order_items i join orders o on o.id = i.order_id
          where o.status <> 'cancelled' group by i.product_id`,
    );
    const stock = await queryRows<{ id: number; stock: number }>(ctx.database.db, sql`select id, stock from products`);
    for (const p of products) {
      const units = held.find((h) => h.product_id === p.id)?.units ?? 0;
      expect(stock.find((s) => s.id === p.id)!.stock, `product ${p.id}`).toBe(p.initial + adjusted.get(p.id)! - units);
    }
    await expectCountersMatchOrders(ctx.database);

    expect((await serverDeadlocks()) - deadlocksBefore).toBe(0);
  }, 120_000);
});
