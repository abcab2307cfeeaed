import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories, orders, payments, webhookEvents } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, insertProducts, makeAdmin, makeUser, type TestUser } from '../helpers/factories.js';

/** The lookups the admin dashboard needs; a database of its own, so lists are exact. */
let ctx: TestContext;
let admin: TestUser;
let shopper: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp({}, { isolated: true });
  admin = await makeAdmin(ctx);
  shopper = await makeUser(ctx);
});
afterAll(async () => ctx?.close());

const get = (user: TestUser | null, url: string) =>
  ctx.app.inject({ method: 'GET', url, headers: user ? bearer(user.access) : {} });

describe('admin lookups', () => {
  it('lists inactive products to admins who ask, and to nobody else', async () => {
    const [cat] = await ctx.database.db.insert(categories).values({ name: 'Hidden', slug: 'hidden' }).returning();
    await insertProducts(ctx, [
      { name: 'Shown lamp', slug: 'shown-lamp', price: '10.00', stock: 1, categoryId: cat!.id },
      { name: 'Retired lamp', slug: 'retired-lamp', price: '10.00', stock: 1, categoryId: cat!.id, isActive: false },
    ]);
    const names = async (user: TestUser | null, query: string) =>
      ((await get(user, `/api/products/?category=hidden&ordering=name${query}`)).json().results as { name: string }[]).map((p) => p.name);
    expect(await names(admin, '&include_inactive=true')).toEqual(['Retired lamp', 'Shown lamp']);
    expect(await names(admin, '')).toEqual(['Shown lamp']);
    expect(await names(shopper, '&include_inactive=true')).toEqual(['Shown lamp']);
    expect(await names(null, '&include_inactive=true')).toEqual(['Shown lamp']);
  });

  it('finds orders by their number, whole or its beginning', async () => {
    const numbers = ['ORD-ABC000000001', 'ORD-ABC000000002', 'ORD-FFF000000003'];
    for (const orderNumber of numbers) {
      await ctx.database.db.insert(orders).values({ orderNumber, userId: shopper.id, totalAmount: '1.00', subtotal: '1.00', shippingAddress: 'x' });
    }
    const found = async (user: TestUser, search: string) =>
      ((await get(user, `/api/orders/?search=${search}`)).json().results as { order_number: string }[])
        .map((o) => o.order_number)
        .sort();
    expect(await found(admin, 'ORD-ABC000000002')).toEqual(['ORD-ABC000000002']);
    expect(await found(admin, 'ord-abc')).toEqual(['ORD-ABC000000001', 'ORD-ABC000000002']);
    expect(await found(admin, 'ORD-%')).toEqual([]);
    expect(await found(shopper, 'ORD-FFF')).toEqual(['ORD-FFF000000003']);
    const stranger = await makeUser(ctx);
    expect(await found(stranger, 'ORD-FFF')).toEqual([]);
  });

  it('finds payments by order number, Razorpay ids or order, and webhook events by id or name', async () => {
    const [order] = await ctx.database.db
      .insert(orders)
      .values({ orderNumber: 'ORD-0000000000AA', userId: shopper.id, totalAmount: '5.00', subtotal: '5.00', shippingAddress: 'x' })
      .returning();
    const [other] = await ctx.database.db
      .insert(orders)
      .values({ orderNumber: 'ORD-0000000000BB', userId: shopper.id, totalAmount: '5.00', subtotal: '5.00', shippingAddress: 'x' })
      .returning();
    const payId = unique('pay_');
    await ctx.database.db.insert(payments).values([
      { orderId: order!.id, amount: '5.00', razorpayOrderId: 'order_search1', razorpayPaymentId: payId, status: 'success' },
      { orderId: other!.id, amount: '5.00', razorpayOrderId: 'order_search2' },
    ]);
    const ids = async (query: string) =>
      ((await get(admin, `/api/admin/payments/?${query}`)).json().results as { order_number: string }[]).map((p) => p.order_number);
    expect(await ids('search=ord-0000000000aa')).toEqual(['ORD-0000000000AA']);
    expect(await ids('search=order_search2')).toEqual(['ORD-0000000000BB']);
    expect(await ids(`search=${payId}`)).toEqual(['ORD-0000000000AA']);
    expect(await ids(`order=${other!.id}`)).toEqual(['ORD-0000000000BB']);
    expect((await get(admin, '/api/admin/payments/?search=nothing')).json().count).toBe(0);

    await ctx.database.db.insert(webhookEvents).values([
      { eventId: 'evt_find_1', event: 'payment.captured', payload: {} },
      { eventId: 'evt_find_2', event: 'refund.processed', payload: {} },
    ]);
    const events = async (search: string) =>
      ((await get(admin, `/api/admin/webhook-events/?search=${search}`)).json().results as { event_id: string }[]).map((e) => e.event_id);
    expect(await events('evt_find_2')).toEqual(['evt_find_2']);
    expect(await events('payment.')).toEqual(['evt_find_1']);
    expect(await events('%')).toEqual([]);
  });
});
