import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, type Shop } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import {
  createOrder,
  fillCart,
  getCart,
  listOrders,
  ok,
  type OrderDetail,
  send,
  stockOf,
} from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

const BODY = { shipping_address: '7 Residency Road, Bengaluru' };
const key = () => unique('idem-');

describe('Idempotency-Key on create_order', () => {
  it('replays the first response for the same key and body, creating one order', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 10, price: '4.00' }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 3]]);
    const k = key();
    const first = await createOrder(ctx, user, BODY, { 'idempotency-key': k });
    const order = ok<OrderDetail>(first, 201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const second = await createOrder(ctx, user, BODY, { 'idempotency-key': k });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(order);

    // even with the cart refilled, the key still answers the first order
    await fillCart(ctx, user, [[product.id, 1]]);
    const third = await createOrder(ctx, user, BODY, { 'idempotency-key': k });
    expect(third.statusCode).toBe(201);
    expect(third.json<OrderDetail>().id).toBe(order.id);
    expect((await getCart(ctx, { user })).total_items).toBe(1);

    const orders = await listOrders(ctx, user);
    expect(orders.count).toBe(1);
    expect(orders.results.map((o) => o.id)).toEqual([order.id]);
    expect(await stockOf(shop, product.id)).toBe(7);
  });

  it('answers the same replay on POST /api/orders/', async () => {
    const [product, user] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 1]]);
    const k = key();
    const order = ok<OrderDetail>(await createOrder(ctx, user, BODY, { 'idempotency-key': k }, '/api/orders/'), 201);
    const again = await createOrder(ctx, user, BODY, { 'idempotency-key': k }, '/api/orders/');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(order);
  });

  it('is 409 idempotency_conflict for the same key with a different body', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 10 }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 2]]);
    const k = key();
    ok(await createOrder(ctx, user, BODY, { 'idempotency-key': k }), 201);
    await fillCart(ctx, user, [[product.id, 1]]);
    const res = await createOrder(ctx, user, { shipping_address: 'Somewhere else' }, { 'idempotency-key': k });
    expectProblem(res, 409, 'idempotency_conflict');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect((await listOrders(ctx, user)).count).toBe(1);
    expect(await stockOf(shop, product.id)).toBe(8);
    expect((await getCart(ctx, { user })).total_items).toBe(1);
  });

  it('keys of different users are independent', async () => {
    const [product, alice, bob] = await Promise.all([makeProduct(shop, { stock: 10 }), makeUser(ctx), makeUser(ctx)]);
    await fillCart(ctx, alice, [[product.id, 1]]);
    await fillCart(ctx, bob, [[product.id, 2]]);
    const k = key();
    const a = ok<OrderDetail>(await createOrder(ctx, alice, BODY, { 'idempotency-key': k }), 201);
    const resB = await createOrder(ctx, bob, BODY, { 'idempotency-key': k });
    const b = ok<OrderDetail>(resB, 201);
    expect(resB.headers['idempotent-replayed']).toBeUndefined();
    expect(b.id).not.toBe(a.id);
    expect(b.user_email).toBe(bob.email);
    expect(b.items[0]!.quantity).toBe(2);
    expect(await stockOf(shop, product.id)).toBe(7);
    // and Bob's use did not disturb Alice's replay
    const replay = await createOrder(ctx, alice, BODY, { 'idempotency-key': k });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json<OrderDetail>().id).toBe(a.id);
  });

  it('a failed attempt does not use up the key', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx)]);
    const k = key();
    expectProblem(await createOrder(ctx, user, BODY, { 'idempotency-key': k }), 400, 'cart_empty');
    await fillCart(ctx, user, [[product.id, 2]]);
    const res = await createOrder(ctx, user, BODY, { 'idempotency-key': k });
    const order = ok<OrderDetail>(res, 201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(order.items[0]!.quantity).toBe(2);
    expect(await stockOf(shop, product.id)).toBe(3);
  });

  it('an insufficient-stock refusal does not use up the key either', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 5]]);
    const other = await makeUser(ctx);
    await fillCart(ctx, other, [[product.id, 1]]);
    ok(await createOrder(ctx, other), 201);
    const k = key();
    expectProblem(await createOrder(ctx, user, BODY, { 'idempotency-key': k }), 400, 'insufficient_stock');
    const items = (await getCart(ctx, { user })).items;
    ok(await send(ctx, 'PATCH', `/api/cart/items/${items[0]!.id}/`, { user }, { quantity: 4 }));
    const order = ok<OrderDetail>(await createOrder(ctx, user, BODY, { 'idempotency-key': k }), 201);
    expect(order.items[0]!.quantity).toBe(4);
    expect(await stockOf(shop, product.id)).toBe(0);
  });

  it('accepts a key of 255 characters and rejects a longer one with 400', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 1]]);
    const tooLong = await createOrder(ctx, user, BODY, { 'idempotency-key': 'k'.repeat(256) });
    expectProblem(tooLong, 400, 'validation_error');
    expect((await listOrders(ctx, user)).count).toBe(0);
    expect(await stockOf(shop, product.id)).toBe(5);
    const longest = `${unique('k')}${'k'.repeat(244)}`;
    expect(longest).toHaveLength(255);
    ok(await createOrder(ctx, user, BODY, { 'idempotency-key': longest }), 201);
    const again = await createOrder(ctx, user, BODY, { 'idempotency-key': longest });
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('without a key, two submissions place two orders', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 1]]);
    ok(await createOrder(ctx, user, BODY), 201);
    await fillCart(ctx, user, [[product.id, 1]]);
    ok(await createOrder(ctx, user, BODY), 201);
    expect((await listOrders(ctx, user)).count).toBe(2);
  });
});
