/**
 * Fulfilment: staff ship an order with its parcel's tracking, which the order (staff's and
 * the shopper's view) and the order.shipped event (hence the e-mail) carry.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import {
  makeProduct,
  makeShop,
  makeUser,
  placeOrder,
  type Shop,
  type TestUser,
} from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { CASH, getOrder, ok, type OrderDetail, send } from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

const move = (user: TestUser, id: number, body: Record<string, unknown>) =>
  send(ctx, 'PATCH', `/api/orders/${id}/update_status/`, { user }, body);

/** A user's order, paid by hand and processing: ready to ship. */
async function processingOrder(): Promise<{ user: TestUser; order: OrderDetail }> {
  const [product, user] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx)]);
  const order = await placeOrder(ctx, user, [[product.id, 1]]);
  ok(await move(shop.admin, order.id, { status: 'paid', payment: CASH }));
  ok(await move(shop.admin, order.id, { status: 'processing' }));
  return { user, order };
}

async function shippedEventsOf(orderId: number) {
  return ctx.database.db
    .select({ data: events.data })
    .from(events)
    .where(
      sql`${events.type} = 'order.shipped' and ${events.data}->>'order_id' = ${String(orderId)}`,
    );
}

describe('shipping with tracking', () => {
  it('stores the tracking on the order, shows it to staff and the shopper, and puts it on the event', async () => {
    const { user, order } = await processingOrder();
    expect(order).toMatchObject({ tracking_number: null, carrier: null, tracking_url: null });
    const shipped = ok<OrderDetail>(
      await move(shop.admin, order.id, {
        status: 'shipped',
        tracking_number: '  BD123456IN ',
        carrier: 'Blue Dart',
        tracking_url: 'https://track.example/BD123456IN?x=1',
      }),
    );
    expect(shipped).toMatchObject({
      status: 'shipped',
      tracking_number: 'BD123456IN',
      carrier: 'Blue Dart',
      tracking_url: 'https://track.example/BD123456IN?x=1',
    });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({
      tracking_number: 'BD123456IN',
      carrier: 'Blue Dart',
      tracking_url: 'https://track.example/BD123456IN?x=1',
    });
    expect(await getOrder(ctx, shop.admin, order.id)).toEqual(shipped);
    expect((await shippedEventsOf(order.id)).map((e) => e.data)).toEqual([
      {
        order_id: order.id,
        tracking_number: 'BD123456IN',
        carrier: 'Blue Dart',
        tracking_url: 'https://track.example/BD123456IN?x=1',
      },
    ]);
    // Delivered later: the tracking stays.
    const delivered = ok<OrderDetail>(await move(shop.admin, order.id, { status: 'delivered' }));
    expect(delivered.tracking_number).toBe('BD123456IN');
  });

  it('ships without tracking (all optional), or with only some of it', async () => {
    const a = await processingOrder();
    expect(
      ok<OrderDetail>(await move(shop.admin, a.order.id, { status: 'shipped' })),
    ).toMatchObject({
      status: 'shipped',
      tracking_number: null,
      carrier: null,
      tracking_url: null,
    });
    expect((await shippedEventsOf(a.order.id)).map((e) => e.data)).toEqual([
      { order_id: a.order.id, tracking_number: null, carrier: null, tracking_url: null },
    ]);
    const b = await processingOrder();
    expect(
      ok<OrderDetail>(
        await move(shop.admin, b.order.id, { status: 'shipped', tracking_number: 'EE1234' }),
      ),
    ).toMatchObject({ tracking_number: 'EE1234', carrier: null, tracking_url: null });
  });

  it('refuses bad tracking, naming every wrong field, and changes nothing', async () => {
    const { user, order } = await processingOrder();
    const res = await move(shop.admin, order.id, {
      status: 'shipped',
      tracking_number: 'x'.repeat(101),
      carrier: '   ',
      tracking_url: 'javascript:alert(1)',
    });
    const problem = expectProblem(res, 400, 'validation_error');
    expect(Object.keys(problem.errors ?? {}).sort()).toEqual([
      'carrier',
      'tracking_number',
      'tracking_url',
    ]);
    for (const url of [
      'ftp://track.example/1',
      'https://',
      'track.example/1',
      'https://a b',
      'h'.repeat(2049),
    ]) {
      expectProblem(
        await move(shop.admin, order.id, { status: 'shipped', tracking_url: url }),
        400,
        'validation_error',
        'tracking_url',
      );
    }
    expectProblem(
      await move(shop.admin, order.id, { status: 'shipped', tracking_number: '' }),
      400,
      'validation_error',
      'tracking_number',
    );
    expectProblem(
      await move(shop.admin, order.id, { status: 'shipped', carrier: 42 }),
      400,
      'validation_error',
      'carrier',
    );
    const unchanged = await getOrder(ctx, user, order.id);
    expect(unchanged).toMatchObject({ status: 'processing', tracking_number: null });
    expect(await shippedEventsOf(order.id)).toEqual([]);
  });

  it('accepts tracking only with shipped (400 naming the fields); only staff ship, and only a processing order', async () => {
    const { order } = await processingOrder();
    const problem = expectProblem(
      await move(shop.admin, order.id, {
        status: 'cancelled',
        tracking_number: 'A1',
        carrier: 'DTDC',
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(problem.errors ?? {}).sort()).toEqual(['carrier', 'tracking_number']);
    const both = expectProblem(
      await move(shop.admin, order.id, {
        status: 'processing',
        tracking_url: 'https://t.example/1',
        payment: CASH,
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(both.errors ?? {}).sort()).toEqual(['payment', 'tracking_url']);
    expect((await getOrder(ctx, shop.admin, order.id)).status).toBe('processing');

    // Only staff ship; a pending order cannot be shipped.
    const other = await makeUser(ctx);
    expectProblem(
      await move(other, order.id, { status: 'shipped', tracking_number: 'A1' }),
      403,
      'permission_denied',
    );
    expectProblem(
      await send(ctx, 'PATCH', `/api/orders/${order.id}/update_status/`, {}, { status: 'shipped' }),
      401,
      'not_authenticated',
    );
    const [product, buyer] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx)]);
    const pending = await placeOrder(ctx, buyer, [[product.id, 1]]);
    expectProblem(
      await move(shop.admin, pending.id, { status: 'shipped', tracking_number: 'A1' }),
      409,
      'conflict',
    );
    expectProblem(
      await move(shop.admin, 2147483647, { status: 'shipped', tracking_number: 'A1' }),
      404,
      'not_found',
    );
  });
});
