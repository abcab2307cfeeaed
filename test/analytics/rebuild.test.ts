import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { applyTransition, lockOrderRow, SYSTEM } from '../../src/modules/orders/service.js';
import { rebuildStats } from '../../src/modules/orders/stats.js';
import { buildTestApp, onPostgres, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, placeOrder } from '../helpers/factories.js';
import { type OrderDetail } from '../helpers/shop.js';
import { expectCountersMatchOrders } from '../helpers/stats.js';

/**
 * `stats:rebuild` against an order change committing while it runs. The rebuild deletes the
 * totals and recomputes them from the orders, each statement with its own snapshot: a change
 * that commits in between would be counted by the recomputation and keep the counter row it
 * wrote. Its own database, so that the totals are this test's alone.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp({ DB_POOL_MAX: '10' }, { isolated: true });
});
afterAll(async () => ctx?.close());

/** Waits until a backend of this database waits for a lock (the rebuild, held back). */
async function untilSomeoneWaitsForALock() {
  for (let i = 0; i < 100; i++) {
    const [row] = await queryRows<{ n: number }>(
      ctx.database.db,
      sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (row!.n > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nothing waited for a lock');
}

describe.runIf(onPostgres())('stats:rebuild while orders change (PostgreSQL)', () => {
  it('counts an order change that commits during the rebuild exactly once', async () => {
    const shop = await makeShop(ctx);
    const product = await makeProduct(shop, { stock: 100 });
    const user = await makeUser(ctx);
    const placed: OrderDetail[] = [];
    for (let i = 0; i < 3; i++) placed.push(await placeOrder(ctx, user, [[product.id, 1]]));
    // Every shard of status:pending has a row and no shard of status:cancelled does, so the
    // cancellation below updates a row that exists and inserts one that does not.
    await ctx.database.db.execute(sql`
      insert into order_counters (key, shard, orders, revenue)
      select 'status:pending', s, 0, 0 from generate_series(0, 15) s on conflict do nothing`);

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let written!: () => void;
    const changeWritten = new Promise<void>((r) => (written = r));
    // A cancellation, all its writes done, its transaction held open across the rebuild's start.
    const change = ctx.database.db.transaction(async (tx) => {
      const order = await lockOrderRow(tx, placed[0]!.id);
      await applyTransition(tx, ctx.services.orders, order!, 'cancelled', SYSTEM, 'Cancelled during a rebuild');
      written();
      await gate;
    });
    await changeWritten;
    // Inside a caller's transaction, as bench/data.ts and the analytics tests run it.
    const rebuild = ctx.database.db.transaction((tx) => rebuildStats(tx));
    await untilSomeoneWaitsForALock();
    release();
    await change;
    await rebuild;

    await expectCountersMatchOrders(ctx.database);
    const [cancelled] = await queryRows<{ n: number }>(
      ctx.database.db,
      sql`select sum(orders)::int as n from order_counters where key = 'status:cancelled'`,
    );
    expect(cancelled!.n).toBe(1);
  });
});
