/**
 * The e-mails of order events, as the orders module will record them: the event's order is
 * read at dispatch, the message sent once per event however often it is dispatched.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emails, orderItems, orders, productVariants } from '../../src/db/schema/index.js';
import { dispatchEvent, type EventData, recordEvent } from '../../src/modules/events/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { insertProducts, makeShop, makeUser, type TestUser } from '../helpers/factories.js';
import { eventually, TestSmtpServer } from './smtp.js';

let smtp: TestSmtpServer;
let ctx: TestContext;
beforeAll(async () => {
  smtp = await new TestSmtpServer().start();
  ctx = await buildTestApp({ JOBS: 'on', SMTP_URL: smtp.url, SHOP_NAME: 'Test Shop', SHOP_URL: 'https://shop.test' });
});
afterAll(async () => {
  await ctx?.close();
  await smtp?.stop();
});

/** An order written past the API (the checkout is another module's): two mugs at 249.50. */
async function insertOrder(user: TestUser): Promise<{ id: number; number: string }> {
  const shop = await makeShop(ctx);
  const slug = unique('mug-');
  const [product] = await insertProducts(ctx, [
    { name: 'Steel Mug', slug, price: '249.50', stock: 10, categoryId: shop.categoryId },
  ]);
  const [variant] = await ctx.database.db.select().from(productVariants).where(eq(productVariants.productId, product!.id));
  const number = `ORD-${randomBytes(6).toString('hex').toUpperCase()}`;
  const [order] = await ctx.database.db
    .insert(orders)
    .values({ orderNumber: number, userId: user.id, totalAmount: '499.00', subtotal: '499.00', shippingAddress: '1 MG Road, Pune', status: 'paid' })
    .returning();
  await ctx.database.db.insert(orderItems).values({
    orderId: order!.id,
    productId: product!.id,
    variantId: variant!.id,
    productName: 'Steel Mug',
    sku: variant!.sku,
    variantTitle: variant!.title,
    quantity: 2,
    priceAtPurchase: '249.50',
  });
  return { id: order!.id, number };
}

describe('order event e-mails', () => {
  it('sends the shipped e-mail with tracking and lines, once however often the event is dispatched', async () => {
    const user = await makeUser(ctx, { first_name: 'Ravi' });
    const order = await insertOrder(user);
    const data: EventData['order.shipped'] = {
      order_id: order.id,
      tracking_number: 'BD123456',
      carrier: 'Blue Dart',
      tracking_url: 'https://track.example/BD123456',
    };
    const eventId = await ctx.database.db.transaction((tx) => recordEvent(tx, 'order.shipped', data));
    const [mail] = (await smtp.waitFor(user.email, 2)).filter((m) => m.subject !== 'Welcome to Test Shop');
    expect(mail!.subject).toBe(`Your order ${order.number} has shipped`);
    expect(mail!.text).toContain('Hello Ravi,');
    expect(mail!.text).toContain('Carrier: Blue Dart');
    expect(mail!.text).toContain('Tracking number: BD123456');
    expect(mail!.text).toContain('- Steel Mug x 2: Rs. 499.00');
    expect(mail!.text).toContain(`https://shop.test/orders/${order.id}`);
    expect(mail!.html).toContain('href="https://track.example/BD123456"');

    // Dispatched again (a retried job): nothing new is queued or sent.
    await dispatchEvent(ctx.database.db, ctx.services.eventConsumers, eventId);
    const rows = await ctx.database.db.select().from(emails).where(eq(emails.eventId, eventId));
    expect(rows).toHaveLength(1);
    await eventually(async () => {
      const [row] = await ctx.database.db.select().from(emails).where(eq(emails.eventId, eventId));
      return row?.status === 'sent';
    });
    expect(smtp.to(user.email).filter((m) => m.subject === mail!.subject)).toHaveLength(1);
  });

  it('sends the confirmation, payment, cancellation and refund e-mails of an order', async () => {
    const user = await makeUser(ctx);
    const order = await insertOrder(user);
    await ctx.database.db.transaction(async (tx) => {
      await recordEvent(tx, 'order.placed', { order_id: order.id });
      await recordEvent(tx, 'order.paid', { order_id: order.id });
      await recordEvent(tx, 'order.cancelled', { order_id: order.id, reason: 'asked by the customer' });
      await recordEvent(tx, 'order.refunded', { order_id: order.id, amount: '499.00' });
      await recordEvent(tx, 'order.delivered', { order_id: order.id });
    });
    const subjects = (await smtp.waitFor(user.email, 5)).map((m) => m.subject).sort();
    expect(subjects).toEqual(
      [
        'Welcome to Test Shop',
        `Your order ${order.number} at Test Shop`,
        `Payment received for order ${order.number}`,
        `Your order ${order.number} has been cancelled`,
        `Refund for your order ${order.number}`,
      ].sort(),
    );
    const refund = smtp.to(user.email).find((m) => m.subject?.startsWith('Refund'));
    expect(refund!.text).toContain('Rs. 499.00');
    const cancelled = smtp.to(user.email).find((m) => m.subject?.endsWith('cancelled'));
    expect(cancelled!.text).toContain('Reason: asked by the customer.');
  });
});
