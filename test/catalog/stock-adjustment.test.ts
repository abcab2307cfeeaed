import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderItems, products, productVariants } from '../../src/db/schema/index.js';
import { buildTestApp, onPostgres, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { addToCart, createOrder, ok, send, stockOf } from '../helpers/shop.js';

/**
 * Admin stock and price writes stay within API-v2 §0's bounds, and relative stock edits
 * (`stock_adjustment`) apply atomically, so they never overwrite a concurrent checkout.
 */
let ctx: TestContext;
let shop: Shop;
let shopper: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp({ DB_POOL_MAX: '25' });
  shop = await makeShop(ctx);
  shopper = await makeUser(ctx);
});
afterAll(async () => ctx?.close());

const url = (id: number) => `/api/products/${id}/`;
const patch = (id: number, body: Record<string, unknown>, user: TestUser | null = shop.admin) =>
  send(ctx, 'PATCH', url(id), { user }, body);

/** The product row as stored (price and stock), read past the API. */
async function stored(id: number) {
  const [row] = await ctx.database.db
    .select({ price: products.price, stock: products.stock })
    .from(products)
    .where(eq(products.id, id));
  return row!;
}

describe('price bounds: more than 0, at most 10000000.00, two decimals', () => {
  it('accepts exactly 10000000.00 and refuses more on create, PUT and PATCH with a 400 naming price', async () => {
    const top = await makeProduct(shop, { price: '10000000.00' });
    expect(top.price).toBe('10000000.00');
    expect(ok(await patch(top.id, { price: 10_000_000 })).price).toBe('10000000.00');

    const product = await makeProduct(shop, { price: '5.00' });
    for (const price of ['10000000.01', 10_000_000.01, '9999999999.99', '0010000001']) {
      const created = await send(ctx, 'POST', '/api/products/', { user: shop.admin }, {
        name: 'Too dear',
        price,
        category: shop.categoryId,
      });
      const problem = expectProblem(created, 400, 'validation_error', 'price');
      expect(problem.errors!.price).toEqual(['Must be at most 10000000.00.']);
      expectProblem(await patch(product.id, { price }), 400, 'validation_error', 'price');
      const put = await send(ctx, 'PUT', url(product.id), { user: shop.admin }, {
        name: product.name,
        price,
        category: shop.categoryId,
      });
      expectProblem(put, 400, 'validation_error', 'price');
    }
    expect((await stored(product.id)).price).toBe('5.00');
  });
});

describe('stock bounds: 0..1000000000 on every admin stock write', () => {
  it('accepts 1000000000 and refuses 1000000001 on create, PUT and PATCH, naming stock', async () => {
    const product = await makeProduct(shop, { stock: 1_000_000_000 });
    expect(product.stock).toBe(1_000_000_000);
    for (const stock of [1_000_000_001, 2_147_483_647]) {
      const created = await send(ctx, 'POST', '/api/products/', { user: shop.admin }, {
        name: 'Too many',
        price: '1.00',
        stock,
        category: shop.categoryId,
      });
      const problem = expectProblem(created, 400, 'validation_error', 'stock');
      expect(problem.errors!.stock).toEqual(['Must be at most 1000000000.']);
      expectProblem(await patch(product.id, { stock }), 400, 'validation_error', 'stock');
      const put = await send(ctx, 'PUT', url(product.id), { user: shop.admin }, {
        name: product.name,
        price: '1.00',
        stock,
        category: shop.categoryId,
      });
      expectProblem(put, 400, 'validation_error', 'stock');
    }
    expect((await stored(product.id)).stock).toBe(1_000_000_000);
  });
});

describe('PATCH stock_adjustment: a relative stock edit', () => {
  it('adds to and takes from the current stock, with other fields in the same write', async () => {
    const product = await makeProduct(shop, { stock: 10, price: '20.00' });
    expect(ok(await patch(product.id, { stock_adjustment: -3 })).stock).toBe(7);
    expect(ok(await patch(product.id, { stock_adjustment: 15 })).stock).toBe(22);
    const both = ok(await patch(product.id, { stock_adjustment: -22, price: '25.50' }));
    expect(both).toMatchObject({ stock: 0, price: '25.50' });
    expect(ok(await patch(product.id, { stock_adjustment: 0 })).stock).toBe(0);
    // PUT (a replacement) may carry it too.
    const put = await send(ctx, 'PUT', url(product.id), { user: shop.admin }, {
      name: product.name,
      price: '25.50',
      category: shop.categoryId,
      stock_adjustment: 4,
    });
    expect(ok(put).stock).toBe(4);
    expect(await stored(product.id)).toEqual({ price: '25.50', stock: 4 });
  });

  it('is 400 naming stock_adjustment when the result would leave 0..1000000000; nothing changes', async () => {
    const product = await makeProduct(shop, { stock: 5, price: '20.00' });
    const below = expectProblem(
      await patch(product.id, { stock_adjustment: -6, price: '30.00' }),
      400,
      'validation_error',
      'stock_adjustment',
    );
    expect(below.errors!.stock_adjustment![0]).toMatch(/Stock is 5/);
    expectProblem(await patch(product.id, { stock_adjustment: 999_999_996 }), 400, 'validation_error', 'stock_adjustment');
    // Past the integer column or not an integer: refused by the schema.
    for (const stock_adjustment of [1_000_000_001, -1_000_000_001, 2_147_483_648, -2_147_483_648, 1.5]) {
      expectProblem(await patch(product.id, { stock_adjustment }), 400, 'validation_error', 'stock_adjustment');
    }
    // The price of the refused write was not applied either.
    expect(await stored(product.id)).toEqual({ price: '20.00', stock: 5 });
    expect(ok(await patch(product.id, { stock_adjustment: 999_999_995 })).stock).toBe(1_000_000_000);
  });

  it('never pushes a stock stored past the bound (before bounds existed) further, but may bring it down', async () => {
    const product = await makeProduct(shop, { stock: 1 });
    // The stock lives on the variant now; the trigger copies it to the product.
    await ctx.database.db
      .update(productVariants)
      .set({ stock: 2_147_483_000 })
      .where(eq(productVariants.productId, product.id));
    // 2147483000 + 1000 would overflow the integer column: a 400, not a 500.
    expectProblem(await patch(product.id, { stock_adjustment: 1000 }), 400, 'validation_error', 'stock_adjustment');
    expectProblem(await patch(product.id, { stock_adjustment: -1 }), 400, 'validation_error', 'stock_adjustment');
    expect(ok(await patch(product.id, { stock_adjustment: -2_000_000_000 })).stock).toBe(147_483_000);
  });

  it('together with stock is 400 naming both fields; nothing changes (404 unknown, 403 shopper)', async () => {
    const product = await makeProduct(shop, { stock: 8 });
    const problem = expectProblem(
      await patch(product.id, { stock: 3, stock_adjustment: 1 }),
      400,
      'validation_error',
      'stock_adjustment',
    );
    expect(problem.errors!.stock).toEqual(['Give stock or stock_adjustment, not both.']);
    // An unknown product is 404, a shopper 403.
    expectProblem(await patch(2_147_483_647, { stock_adjustment: 1 }), 404, 'not_found');
    expectProblem(await patch(product.id, { stock_adjustment: 1 }, shopper), 403, 'permission_denied');
    expect((await stored(product.id)).stock).toBe(8);
  });
});

describe(`stock adjustments racing checkouts (${onPostgres() ? 'PostgreSQL, parallel connections' : 'PGlite, serialised'})`, () => {
  it('leave stock exactly initial − sold + adjustments', { timeout: 120_000 }, async () => {
    const initial = 40;
    const product = await makeProduct(shop, { stock: initial, price: '10.00' });
    const buyers: TestUser[] = [];
    for (let i = 0; i < 24; i += 8) buyers.push(...(await Promise.all(Array.from({ length: 8 }, () => makeUser(ctx)))));
    for (const [i, buyer] of buyers.entries()) ok(await addToCart(ctx, { user: buyer }, product.id, 1 + (i % 3)));

    // +7 and −1 alternate; a −1 that meets an empty stock is refused (400) and counts for
    // nothing, as a checkout short of stock is. Only what was answered 200 or 201 happened.
    const adjustments = Array.from({ length: 24 }, (_, i) => (i % 2 ? 7 : -1));
    const work: Promise<{ kind: 'order' | 'adjustment'; status: number; body: string; n?: number }>[] = [];
    for (let i = 0; i < 24; i++) {
      work.push(createOrder(ctx, buyers[i]!).then((r) => ({ kind: 'order', status: r.statusCode, body: r.body })));
      const n = adjustments[i]!;
      work.push(patch(product.id, { stock_adjustment: n }).then((r) => ({ kind: 'adjustment', status: r.statusCode, body: r.body, n })));
    }
    const results = await Promise.all(work);
    for (const r of results) expect([200, 201, 400], r.body).toContain(r.status);
    const applied = results
      .filter((r) => r.kind === 'adjustment' && r.status === 200)
      .reduce((sum, r) => sum + r.n!, 0);
    const [row] = await ctx.database.db
      .select({ units: sql<number>`coalesce(sum(${orderItems.quantity}), 0)::int` })
      .from(orderItems)
      .where(eq(orderItems.productId, product.id));
    const sold = Number(row!.units);
    expect(sold).toBeGreaterThan(0);
    expect(applied).not.toBe(0);
    expect(await stockOf(shop, product.id)).toBe(initial - sold + applied);
  });
});
