/**
 * The orders module's events (API-v2 §4): each written in the transaction of its change, and
 * then turned into the shopper's e-mails by the jobs, once each.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emails, events } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { api, dataOf } from '../helpers/client.js';
import { makeProduct, makeShop, makeUser, placeOrder, type Shop } from '../helpers/factories.js';
import { eventually } from '../notifications/smtp.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp({ JOBS: 'on' });
  shop = await makeShop(ctx);
});
afterAll(() => ctx?.close());

/** The events about one order, oldest first. */
async function eventsOf(orderId: number): Promise<string[]> {
  const rows = await ctx.database.db
    .select({ type: events.type })
    .from(events)
    .where(sql`${events.data}->>'order_id' = ${String(orderId)}`)
    .orderBy(events.createdAt);
  return rows.map((r) => r.type);
}

describe('order events', () => {
  it('an order placed, shipped after payment, delivered: one event each, and the shopper’s e-mails once each', async () => {
    const user = await makeUser(ctx);
    const product = await makeProduct(shop, { stock: 10 });
    const order = await placeOrder(ctx, user, [[product.id, 2]]);
    expect(await eventsOf(order.id)).toEqual(['order.placed']);

    const staff = api(ctx, shop.admin.access);
    const move = async (body: object) =>
      dataOf('status', await staff.PATCH('/api/orders/{id}/update_status/', { params: { path: { id: order.id } }, body: body as never }));
    await move({ status: 'paid', payment: { method: 'upi', reference: 'UPI-1' } });
    await move({ status: 'processing' });
    await move({ status: 'shipped', carrier: 'Delhivery', tracking_number: 'DL-5521', tracking_url: 'https://track.example/DL-5521' });
    await move({ status: 'delivered' });
    expect(await eventsOf(order.id)).toEqual(['order.placed', 'order.paid', 'order.shipped', 'order.delivered']);

    // The jobs dispatch each event to the e-mails: confirmation, payment, shipped (delivered has none).
    const templates = await eventually(async () => {
      const sent = await ctx.database.db.select({ template: emails.template }).from(emails).where(eq(emails.to, user.email));
      return sent.length >= 4 ? sent.map((e) => e.template).sort() : null;
    });
    expect(templates).toEqual(['order_confirmation', 'order_shipped', 'payment_received', 'welcome'].sort());
    // The shipped e-mail carries the tracking given with the move.
    const [shipped] = await ctx.database.db
      .select({ text: emails.text, html: emails.html })
      .from(emails)
      .where(and(eq(emails.to, user.email), eq(emails.template, 'order_shipped')));
    expect(shipped!.text).toContain('Carrier: Delhivery');
    expect(shipped!.text).toContain('Tracking number: DL-5521');
    expect(shipped!.html).toContain('href="https://track.example/DL-5521"');
  });

  it('a cancelled order records order.cancelled; a variant selling out records product.out_of_stock', async () => {
    const user = await makeUser(ctx);
    const product = await makeProduct(shop, { stock: 2 });
    const order = await placeOrder(ctx, user, [[product.id, 2]]);
    const soldOut = await ctx.database.db
      .select({ data: events.data })
      .from(events)
      .where(and(eq(events.type, 'product.out_of_stock'), sql`${events.data}->>'product_id' = ${String(product.id)}`));
    expect(soldOut).toHaveLength(1);
    expect(soldOut[0]!.data).toEqual({ product_id: product.id, variant_id: expect.any(Number) });

    dataOf('cancel', await api(ctx, user.access).POST('/api/orders/{id}/cancel/', { params: { path: { id: order.id } } }));
    expect(await eventsOf(order.id)).toEqual(['order.placed', 'order.cancelled']);
  });

  it('a checkout that fails leaves no event', async () => {
    const user = await makeUser(ctx);
    const product = await makeProduct(shop, { stock: 1 });
    const before = await ctx.database.db.select({ n: sql<number>`count(*)::int` }).from(events);
    const client = api(ctx, user.access);
    dataOf('add', await client.POST('/api/cart/add/', { body: { product_id: product.id, quantity: 1 } }));
    dataOf('stock to 0', await api(ctx, shop.admin.access).PATCH('/api/products/{id}/', {
      params: { path: { id: product.id } },
      body: { stock: 0 },
    }));
    const res = await client.POST('/api/orders/create_order/', { body: { shipping_address: '1 MG Road, Pune' } });
    expect(res.response.status).toBe(400);
    const after = await ctx.database.db.select({ n: sql<number>`count(*)::int` }).from(events);
    // Other tests of this file run one after the other: nothing else writes events meanwhile.
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});
