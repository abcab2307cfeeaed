import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import type { Schemas } from '@shop/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { CASH, cancelOrder, createOrder, fillCart, ok, send, updateStatus } from '../helpers/shop.js';

type OrderDetail = Schemas['OrderDetail'];

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

const detail = (res: LightMyRequestResponse, status = 200) => ok<OrderDetail>(res, status);
const read = async (as: TestUser, id: number) => detail(await send(ctx, 'GET', `/api/orders/${id}/`, { user: as }));

/** A shopper with a pending order of one product, and the order as its 201 answered it. */
async function pendingOrder(headers: Record<string, string> = {}): Promise<{ user: TestUser; order: OrderDetail }> {
  const [product, user] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx)]);
  await fillCart(ctx, user, [[product.id, 1]]);
  return { user, order: detail(await createOrder(ctx, user, undefined, headers), 201) };
}

// The workflow of API.md "Orders", written out here rather than read from the module.
describe('allowed_transitions in the order detail', () => {
  it('lists the workflow for staff and only cancelling for the owner of a pending order', async () => {
    const { user, order } = await pendingOrder();
    expect(order.allowed_transitions).toEqual(['cancelled']);
    expect((await read(user, order.id)).allowed_transitions).toEqual(['cancelled']);
    expect((await read(shop.admin, order.id)).allowed_transitions).toEqual(['paid', 'payment_failed', 'cancelled']);
  });

  it('changes with every transition and is empty once delivered', async () => {
    const { user, order } = await pendingOrder();
    const steps: [string, string[]][] = [
      ['payment_failed', ['pending', 'paid', 'cancelled']],
      ['paid', ['processing', 'cancelled']],
      ['processing', ['shipped', 'cancelled']],
      ['shipped', ['delivered']],
      ['delivered', []],
    ];
    for (const [status, next] of steps) {
      const moved = detail(await updateStatus(ctx, shop.admin, order.id, status, undefined, status === 'paid' ? CASH : undefined));
      expect(moved.status).toBe(status);
      expect(moved.allowed_transitions, status).toEqual(next);
      expect((await read(shop.admin, order.id)).allowed_transitions, status).toEqual(next);
      // Paid or later, the owner can no longer cancel.
      expect((await read(user, order.id)).allowed_transitions, status).toEqual(status === 'payment_failed' ? ['cancelled'] : []);
    }
  });

  it('is empty for a cancelled order, for the owner and for staff', async () => {
    const { user, order } = await pendingOrder();
    const cancelled = detail(await cancelOrder(ctx, user, order.id));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.allowed_transitions).toEqual([]);
    expect((await read(shop.admin, order.id)).allowed_transitions).toEqual([]);
  });

  it('is filled in on replaying a create answer stored before the field existed', async () => {
    const k = unique('idem-');
    const { user, order } = await pendingOrder({ 'idempotency-key': k });
    await ctx.database.db.execute(
      sql`UPDATE idempotency_keys SET response_body = response_body - 'allowed_transitions' WHERE key = ${k}`,
    );
    const replay = await createOrder(ctx, user, undefined, { 'idempotency-key': k });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(detail(replay, 201)).toEqual(order);
  });

  it('replays a create answer stored before items carried their variant, with the variant read from the order', async () => {
    const k = unique('idem-');
    const { user, order } = await pendingOrder({ 'idempotency-key': k });
    expect(order.items[0]!.sku).toEqual(expect.any(String));
    await ctx.database.db.execute(
      sql`UPDATE idempotency_keys
          SET response_body = jsonb_set(response_body, '{items}', (
            select jsonb_agg(i - 'variant_id' - 'sku' - 'variant_title' - 'variant_options')
            from jsonb_array_elements(response_body->'items') i))
          WHERE key = ${k}`,
    );
    const replay = await createOrder(ctx, user, undefined, { 'idempotency-key': k });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(detail(replay, 201)).toEqual(order);
  });
});
