import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories, orderItems, orders, products } from '../../src/db/schema/index.js';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import { bearer, insertProducts, makeUser, type TestUser } from '../helpers/factories.js';
import { defaultVariantOf, deleteVariant, insertVariants, variantStock } from '../helpers/variants.js';

/**
 * Races through HTTP. On PostgreSQL every request gets its own pooled connection, so these
 * are real concurrent transactions; on PGlite (one connection) they only check the outcome.
 */
let ctx: TestContext;
let categoryId: number;
beforeAll(async () => {
  ctx = await buildTestApp({ DB_POOL_MAX: '25' });
  const name = unique('race-cat-');
  const [row] = await ctx.database.db.insert(categories).values({ name, slug: name }).returning();
  categoryId = row!.id;
});
afterAll(async () => ctx?.close());

async function product(stock: number, price = '100.00') {
  const name = unique('race-product-');
  const [row] = await insertProducts(ctx, [{ name, slug: name, price, stock, categoryId }]);
  return row!.id;
}

async function stockOf(id: number) {
  const [row] = await ctx.database.db.select({ stock: products.stock }).from(products).where(eq(products.id, id));
  return row!.stock;
}

/** A product whose variants (Size 1, 2, …) have these stocks, its default variant removed. */
async function productWithVariants(stocks: number[]) {
  const productId = await product(1);
  const variants = await insertVariants(
    ctx,
    productId,
    stocks.map((stock, i) => ({ options: { Size: String(i + 1) }, stock })),
  );
  await deleteVariant(ctx, await defaultVariantOf(ctx, productId));
  return { productId, variants };
}

async function addVariant(user: TestUser, variantId: number, quantity = 1) {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/cart/add/',
    headers: bearer(user.access),
    payload: { variant_id: variantId, quantity },
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function variantUnitsOrdered(variantId: number) {
  const [row] = await ctx.database.db
    .select({ units: sql<number>`coalesce(sum(${orderItems.quantity}), 0)::int` })
    .from(orderItems)
    .where(eq(orderItems.variantId, variantId));
  return row!.units;
}

async function addToCart(user: TestUser, productId: number, quantity = 1) {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/cart/add/',
    headers: bearer(user.access),
    payload: { product_id: productId, quantity },
  });
  expect(res.statusCode, res.body).toBe(200);
}

function checkout(user: TestUser, headers: Record<string, string> = {}) {
  return ctx.app.inject({
    method: 'POST',
    url: '/api/orders/create_order/',
    headers: { ...bearer(user.access), ...headers },
    payload: { shipping_address: '1 Race Street, Pune, MH, 411001, India' },
  });
}

async function buyers(n: number) {
  const list: TestUser[] = [];
  // Registered in small batches: argon2 and the pool are shared with the races below.
  for (let i = 0; i < n; i += 10) {
    list.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => makeUser(ctx)))));
  }
  return list;
}

async function unitsOrdered(productId: number) {
  const [row] = await ctx.database.db
    .select({ units: sql<number>`coalesce(sum(${orderItems.quantity}), 0)::int` })
    .from(orderItems)
    .where(eq(orderItems.productId, productId));
  return row!.units;
}

describe(`checkout under concurrency (${onPostgres() ? 'PostgreSQL, parallel connections' : 'PGlite, serialised'})`, () => {
  it('45 buyers racing for 10 units: exactly 10 orders, stock 0, no 500s', async () => {
    const productId = await product(10);
    const users = await buyers(45);
    for (const user of users) await addToCart(user, productId);

    const responses = await Promise.all(users.map((u) => checkout(u)));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 400)).toHaveLength(35);
    for (const res of responses.filter((r) => r.statusCode === 400)) {
      expect(res.json().code).toBe('insufficient_stock');
    }
    expect(await stockOf(productId)).toBe(0);
    expect(await unitsOrdered(productId)).toBe(10);
  });

  it('buyers of several units each never get more than stock covers', async () => {
    const productId = await product(25);
    const users = await buyers(20);
    // Quantities 1..4: some combination fits into 25, the rest must fail.
    for (const [i, user] of users.entries()) await addToCart(user, productId, 1 + (i % 4));
    const responses = await Promise.all(users.map((u) => checkout(u)));
    expect(responses.every((r) => r.statusCode === 201 || r.statusCode === 400)).toBe(true);
    const sold = await unitsOrdered(productId);
    expect(sold).toBeLessThanOrEqual(25);
    expect(await stockOf(productId)).toBe(25 - sold);
    const created = responses.filter((r) => r.statusCode === 201).map((r) => r.json());
    expect(created.reduce((n, o) => n + o.items[0].quantity, 0)).toBe(sold);
  });

  it('crossing carts (A+B against B+A) never deadlock', async () => {
    const a = await product(15);
    const b = await product(15);
    const users = await buyers(30);
    for (const [i, user] of users.entries()) {
      const [first, second] = i % 2 ? [a, b] : [b, a];
      await addToCart(user, first);
      await addToCart(user, second);
    }
    const responses = await Promise.all(users.map((u) => checkout(u)));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(15);
    expect(statuses.filter((s) => s === 400)).toHaveLength(15);
    expect(await stockOf(a)).toBe(0);
    expect(await stockOf(b)).toBe(0);
    // Every order took one of each: nobody got A without B.
    const ids = responses.filter((r) => r.statusCode === 201).map((r) => r.json().id as number);
    const lines = await ctx.database.db.select().from(orderItems).where(inArray(orderItems.orderId, ids));
    expect(lines).toHaveLength(30);
  });

  it('the same user double-submitting gets one order; the other attempts see an empty cart', async () => {
    const productId = await product(50);
    const [user] = await buyers(1);
    await addToCart(user!, productId, 3);
    const responses = await Promise.all(Array.from({ length: 6 }, () => checkout(user!)));
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400, 400]);
    for (const res of responses.filter((r) => r.statusCode === 400)) expect(res.json().code).toBe('cart_empty');
    expect(await stockOf(productId)).toBe(47);
    const own = await ctx.database.db.select().from(orders).where(eq(orders.userId, user!.id));
    expect(own).toHaveLength(1);
  });

  it('concurrent requests with one Idempotency-Key create one order and all answer it', async () => {
    const productId = await product(50);
    const [user] = await buyers(1);
    await addToCart(user!, productId, 2);
    const key = unique('key-');
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => checkout(user!, { 'idempotency-key': key })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    const ids = new Set(responses.map((r) => r.json().id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
    expect(await stockOf(productId)).toBe(48);
  });

  it('concurrent cancels restore stock exactly once', async () => {
    const productId = await product(20);
    const [user] = await buyers(1);
    await addToCart(user!, productId, 4);
    const order = (await checkout(user!)).json();
    expect(await stockOf(productId)).toBe(16);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        ctx.app.inject({
          method: 'POST',
          url: `/api/orders/${order.id}/cancel/`,
          headers: bearer(user!.access),
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    expect(await stockOf(productId)).toBe(20);
  });

  it('concurrent adds to one cart never exceed stock', async () => {
    const productId = await product(5);
    const [user] = await buyers(1);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        ctx.app.inject({
          method: 'POST',
          url: '/api/cart/add/',
          headers: bearer(user!.access),
          payload: { product_id: productId, quantity: 1 },
        }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(5);
    expect(responses.filter((r) => r.statusCode === 400)).toHaveLength(5);
    const cart = await ctx.app.inject({ method: 'GET', url: '/api/cart/', headers: bearer(user!.access) });
    expect(cart.json().items[0].quantity).toBe(5);
  });

  it('two variants of one product, 30 buyers racing for each: exactly 5 sold of each, product stock 0', async () => {
    const { productId, variants } = await productWithVariants([5, 5]);
    const [v1, v2] = variants as [number, number];
    expect(await stockOf(productId)).toBe(10);
    const users = await buyers(60);
    for (const [i, user] of users.entries()) await addVariant(user, i % 2 ? v1 : v2);
    const responses = await Promise.all(users.map((u) => checkout(u)));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 400)).toHaveLength(50);
    for (const res of responses.filter((r) => r.statusCode === 400)) expect(res.json().code).toBe('insufficient_stock');
    expect([await variantUnitsOrdered(v1), await variantUnitsOrdered(v2)]).toEqual([5, 5]);
    expect([await variantStock(ctx, v1), await variantStock(ctx, v2)]).toEqual([0, 0]);
    expect(await stockOf(productId)).toBe(0);
  });

  it('carts crossing variants of several products in different orders never deadlock nor oversell', async () => {
    const p = await productWithVariants([8, 8]);
    const q = await productWithVariants([8, 8]);
    const r = await productWithVariants([8]);
    const all = [...p.variants, ...q.variants, ...r.variants];
    const users = await buyers(40);
    for (const [i, user] of users.entries()) {
      // Three variants each, rotated and reversed: every pair of orders crosses some other.
      const picks = [all[i % 5]!, all[(i + 2) % 5]!, all[(i + 3) % 5]!];
      for (const v of i % 2 ? picks : picks.reverse()) await addVariant(user, v);
    }
    const responses = await Promise.all(users.map((u) => checkout(u)));
    for (const res of responses) expect([201, 400], res.body).toContain(res.statusCode);
    for (const res of responses.filter((x) => x.statusCode === 400)) expect(res.json().code).toBe('insufficient_stock');
    expect(responses.filter((x) => x.statusCode === 201).length).toBeGreaterThan(0);
    for (const v of all) {
      const sold = await variantUnitsOrdered(v);
      expect(sold).toBeLessThanOrEqual(8);
      expect(await variantStock(ctx, v)).toBe(8 - sold);
    }
    for (const { productId, variants } of [p, q, r]) {
      let left = 0;
      for (const v of variants) left += await variantStock(ctx, v);
      expect(await stockOf(productId)).toBe(left);
    }
    // An order holds all of its cart or nothing.
    const created = responses.filter((x) => x.statusCode === 201).map((x) => x.json().items.length as number);
    expect(created.every((n) => n === 3)).toBe(true);
  });

  it('cancels racing checkouts of the same variants restore exactly what they took', async () => {
    const { productId, variants } = await productWithVariants([6, 6]);
    const [v1, v2] = variants as [number, number];
    const users = await buyers(6);
    for (const user of users) {
      await addVariant(user, v1);
      await addVariant(user, v2);
    }
    const first = await Promise.all(users.slice(0, 3).map((u) => checkout(u)));
    expect(first.map((x) => x.statusCode)).toEqual([201, 201, 201]);
    const responses = await Promise.all([
      ...first.map((o, i) =>
        ctx.app.inject({ method: 'POST', url: `/api/orders/${o.json().id}/cancel/`, headers: bearer(users[i]!.access) }),
      ),
      ...users.slice(3).map((u) => checkout(u)),
    ]);
    expect(responses.map((x) => x.statusCode)).toEqual([200, 200, 200, 201, 201, 201]);
    expect([await variantStock(ctx, v1), await variantStock(ctx, v2)]).toEqual([3, 3]);
    expect(await stockOf(productId)).toBe(6);
  });
});
