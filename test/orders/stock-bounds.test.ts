import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, products, productVariants } from '../../src/db/schema/index.js';
import { jobHandlers } from '../../src/services.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, placeOrder, type Shop, type TestUser } from '../helpers/factories.js';
import { cancelOrder, getOrder, ok, type OrderDetail } from '../helpers/shop.js';

/**
 * Restoring stock never fails: where a product's stock was set near the integer column's
 * limit before bounds existed, a cancellation or an expiry caps it at the limit (and logs
 * the units it could not put back) instead of failing with "integer out of range".
 */
const COLUMN_MAX = 2_147_483_647;

let ctx: TestContext;
let shop: Shop;
let user: TestUser;
let warnings: Record<string, unknown>[];
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
  user = await makeUser(ctx);
  warnings = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      warnings.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  ctx.services.orders.log = pino({ level: 'warn' }, sink);
});
afterAll(async () => ctx?.close());

async function storedStock(id: number): Promise<number> {
  const [row] = await ctx.database.db.select({ stock: products.stock }).from(products).where(eq(products.id, id));
  return row!.stock;
}

/**
 * An admin set the stock past today's bound before it existed (the API no longer can): on
 * the product's only variant, which the trigger copies to the product.
 */
async function setLegacyStock(id: number, stock: number): Promise<void> {
  await ctx.database.db.update(productVariants).set({ stock }).where(eq(productVariants.productId, id));
}

/** An order of 5 of a product near the limit and 3 of an ordinary one. */
async function orderNearTheLimit(): Promise<{ order: OrderDetail; big: number; small: number }> {
  const big = (await makeProduct(shop, { stock: 100 })).id;
  const small = (await makeProduct(shop, { stock: 50 })).id;
  const order = await placeOrder(ctx, user, [
    [big, 5],
    [small, 3],
  ]);
  await setLegacyStock(big, COLUMN_MAX - 2);
  return { order, big, small };
}

/** The warning of a cancel names its order; that of a batch of expiries, the batch's orders. */
function expectCapped(orderId: number, productId: number) {
  const capped = warnings.filter((w) => w.msg === 'stock restore capped at the column limit');
  expect(capped.some((w) => w.orderId === orderId || (w.orderIds as number[] | undefined)?.includes(orderId))).toBe(true);
  expect(capped).toContainEqual(
    expect.objectContaining({
      productId,
      stockBefore: COLUMN_MAX - 2,
      unitsNotRestored: 3,
    }),
  );
}

describe('a stock restore that would pass the integer column', () => {
  it('HTTP cancel: 200, the order is cancelled, the stock capped at 2147483647, the other line restored', async () => {
    const { order, big, small } = await orderNearTheLimit();
    const cancelled = ok<OrderDetail>(await cancelOrder(ctx, user, order.id));
    expect(cancelled.status).toBe('cancelled');
    expect(await storedStock(big)).toBe(COLUMN_MAX);
    expect(await storedStock(small)).toBe(50);
    expectCapped(order.id, big);

    // A restore that lands exactly on the limit is exact and logs nothing.
    const exact = (await makeProduct(shop, { stock: 100 })).id;
    const second = await placeOrder(ctx, user, [[exact, 5]]);
    await setLegacyStock(exact, COLUMN_MAX - 5);
    const before = warnings.length;
    ok(await cancelOrder(ctx, user, second.id));
    expect(await storedStock(exact)).toBe(COLUMN_MAX);
    expect(warnings.length).toBe(before);
  });

  it('the expiry job: the unpaid order expires instead of failing on every attempt', async () => {
    const { order, big, small } = await orderNearTheLimit();
    await ctx.database.db
      .update(orders)
      .set({ paymentDeadline: new Date(Date.now() - 60_000) })
      .where(eq(orders.id, order.id));
    const failed = await jobHandlers(ctx.services, pino({ level: 'silent' }))['order-expire'].batch([
      { id: 'test-job', data: { orderId: order.id } },
    ]);
    expect(failed.size).toBe(0);
    const expired = await getOrder(ctx, user, order.id);
    expect(expired.status).toBe('cancelled');
    expect(expired.status_history.at(-1)).toMatchObject({ to_status: 'cancelled', changed_by: 'system' });
    expect(await storedStock(big)).toBe(COLUMN_MAX);
    expect(await storedStock(small)).toBe(50);
    expectCapped(order.id, big);
  });

  it('the overdue sweep behind the expiry jobs expires such an order too', async () => {
    const { order, big } = await orderNearTheLimit();
    await ctx.database.db
      .update(orders)
      .set({ paymentDeadline: new Date(Date.now() - 60_000) })
      .where(eq(orders.id, order.id));
    await jobHandlers(ctx.services, pino({ level: 'silent' }))['orders-expire-overdue']({}, 'test-job');
    expect((await getOrder(ctx, user, order.id)).status).toBe('cancelled');
    expect(await storedStock(big)).toBe(COLUMN_MAX);
  });
});
