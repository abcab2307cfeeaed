import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carts, orders } from '../../src/db/schema/index.js';
import { deleteIdleGuestCarts } from '../../src/modules/cart/service.js';
import { expireOverdueOrders } from '../../src/modules/orders/service.js';
import { onPostgres, type TestContext } from '../helpers/app.js';
import { makeAdmin, makeProduct, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  getOrder,
  historyTo,
  closePaymentsShop,
  openPaymentsShop,
  orderOf,
  payOrder,
  productStock,
} from '../helpers/payments.js';

// Jobs off: only the sweep called below acts (on a shared PostgreSQL database another test
// file's worker may run the same sweep; the assertions hold either way).
let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;

beforeAll(async () => {
  ({ fake, ctx, shop, user } = await openPaymentsShop());
});
afterAll(() => closePaymentsShop({ ctx, fake }));

const setDeadline = (orderId: number, deadline: Date) =>
  ctx.database.db.update(orders).set({ paymentDeadline: deadline }).where(eq(orders.id, orderId));

describe('the overdue-orders sweep (expireOverdueOrders)', () => {
  it('cancels overdue unpaid orders once, restores their stock, and leaves the rest alone', async () => {
    const past = new Date(Date.now() - 60_000);
    const overdue = await orderOf(shop, user, '40.00', 5);
    const failed = await orderOf(shop, user, '40.00', 2);
    const notYet = await orderOf(shop, user, '40.00', 3);
    const paid = await orderOf(shop, user, '40.00', 4);
    await payOrder(ctx, fake, user, paid.id);
    const admin = await makeAdmin(ctx);
    const marked = await call(ctx, 'PATCH', `/api/orders/${failed.id}/update_status/`, admin, {
      status: 'payment_failed',
    });
    expect(marked.statusCode, marked.body).toBe(200);
    for (const order of [overdue, failed, paid]) await setDeadline(order.id, past);

    const count = await expireOverdueOrders(ctx.services.orders);
    // Alone on its PGlite database, the sweep finds exactly these two.
    if (!onPostgres()) expect(count).toBe(2);

    for (const order of [overdue, failed]) {
      const detail = await getOrder(ctx, user, order.id);
      expect(detail.status).toBe('cancelled');
      expect(detail.status_history.at(-1)).toMatchObject({
        to_status: 'cancelled',
        changed_by: 'system',
      });
      expect(await productStock(ctx, order.productId)).toBe(100);
    }
    expect(await getOrder(ctx, user, notYet.id)).toMatchObject({
      status: 'pending',
      payment_status: 'pending',
    });
    expect(await productStock(ctx, notYet.productId)).toBe(97);
    expect(await getOrder(ctx, user, paid.id)).toMatchObject({
      status: 'paid',
      payment_status: 'success',
    });
    expect(await productStock(ctx, paid.productId)).toBe(96);

    // Idempotent: a second sweep changes nothing.
    const again = await expireOverdueOrders(ctx.services.orders);
    if (!onPostgres()) expect(again).toBe(0);
    for (const order of [overdue, failed]) {
      expect(await historyTo(ctx, order.id, 'cancelled')).toHaveLength(1);
      expect(await productStock(ctx, order.productId)).toBe(100);
    }
    const rows = await ctx.database.db
      .select({ id: orders.id, status: orders.status })
      .from(orders)
      .where(inArray(orders.id, [overdue.id, failed.id, notYet.id, paid.id]));
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      [overdue.id]: 'cancelled',
      [failed.id]: 'cancelled',
      [notYet.id]: 'pending',
      [paid.id]: 'paid',
    });
  });

  it('an order cancelled by its owner before the sweep is not touched again', async () => {
    const order = await orderOf(shop, user, '40.00', 2);
    expect((await call(ctx, 'POST', `/api/orders/${order.id}/cancel/`, user)).statusCode).toBe(200);
    await setDeadline(order.id, new Date(Date.now() - 60_000));
    await expireOverdueOrders(ctx.services.orders);
    const history = await historyTo(ctx, order.id, 'cancelled');
    expect(history).toHaveLength(1);
    expect(history[0]!.changedBy).toBe(user.username);
    expect(await productStock(ctx, order.productId)).toBe(100);
  });
});

describe('the idle guest cart sweep (deleteIdleGuestCarts)', () => {
  /** A guest cart made through the API: its id and token. */
  async function guestCart(productId: number) {
    const res = await call(ctx, 'POST', '/api/cart/add/', null, {
      product_id: productId,
      quantity: 1,
    });
    expect(res.statusCode, res.body).toBe(200);
    const token = res.headers['x-cart-token'] as string;
    expect(token).toEqual(expect.any(String));
    return { id: res.json().id as number, token };
  }

  const cartIds = async (ids: number[]) =>
    (await ctx.database.db.select({ id: carts.id }).from(carts).where(inArray(carts.id, ids)))
      .map((r) => r.id)
      .sort();

  it('deletes guest carts idle for more than 30 days, keeps fresh ones and user carts', async () => {
    const productId = (await makeProduct(shop, { price: '9.99' })).id;
    const idle = await guestCart(productId);
    const fresh = await guestCart(productId);
    const almost = await guestCart(productId);
    const shopper: TestUser = await makeUser(ctx);
    const added = await call(ctx, 'POST', '/api/cart/add/', shopper, {
      product_id: productId,
      quantity: 1,
    });
    expect(added.statusCode).toBe(200);
    const userCartId = added.json().id as number;

    const day = 86_400_000;
    const setUpdated = (id: number, at: Date) =>
      ctx.database.db.update(carts).set({ updatedAt: at }).where(eq(carts.id, id));
    await setUpdated(idle.id, new Date(Date.now() - 31 * day));
    await setUpdated(almost.id, new Date(Date.now() - 29 * day));
    // A user's cart is never swept, however old.
    await setUpdated(userCartId, new Date(Date.now() - 400 * day));

    const deleted = await deleteIdleGuestCarts(ctx.services.database, 30);
    if (onPostgres()) expect(deleted).toBeGreaterThanOrEqual(1);
    else expect(deleted).toBe(1);

    expect(await cartIds([idle.id, fresh.id, almost.id, userCartId])).toEqual(
      [fresh.id, almost.id, userCartId].sort(),
    );
    // The idle guest's token now finds no cart; the fresh one's still does, with its line.
    const gone = await ctx.app.inject({
      method: 'GET',
      url: '/api/cart/',
      headers: { 'x-cart-token': idle.token },
    });
    expect(gone.statusCode).toBe(200);
    expect(gone.json()).toMatchObject({ id: null, items: [] });
    const kept = await ctx.app.inject({
      method: 'GET',
      url: '/api/cart/',
      headers: { 'x-cart-token': fresh.token },
    });
    expect(kept.json()).toMatchObject({ id: fresh.id, total_items: 1 });
    const mine = await call(ctx, 'GET', '/api/cart/', shopper);
    expect(mine.json()).toMatchObject({ id: userCartId, total_items: 1 });

    // Again: nothing more of these goes.
    await deleteIdleGuestCarts(ctx.services.database, 30);
    expect(await cartIds([fresh.id, almost.id, userCartId])).toEqual(
      [fresh.id, almost.id, userCartId].sort(),
    );
  });
});
