/**
 * Promotion limits under concurrency through HTTP (API-v2 §2). On PostgreSQL every request
 * has its own pooled connection, so the checkouts are real concurrent transactions; on PGlite
 * (one connection) they run one after the other and only the outcome is checked.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  categories,
  orders,
  products,
  promotionCustomerUses,
  promotions,
} from '../../src/db/schema/index.js';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import { bearer, insertProducts, makeUser, type TestUser } from '../helpers/factories.js';

let ctx: TestContext;
let categoryId: number;
beforeAll(async () => {
  ctx = await buildTestApp({ DB_POOL_MAX: '25' });
  const name = unique('promo-race-cat-');
  const [row] = await ctx.database.db.insert(categories).values({ name, slug: name }).returning();
  categoryId = row!.id;
});
afterAll(async () => ctx?.close());

async function product(stock: number, price = '100.00') {
  const name = unique('promo-race-product-');
  const [row] = await insertProducts(ctx, [{ name, slug: name, price, stock, categoryId }]);
  return row!.id;
}

async function promotion(fields: Partial<typeof promotions.$inferInsert>) {
  const [row] = await ctx.database.db
    .insert(promotions)
    .values({ code: unique('RACE'), kind: 'percentage', value: '10.00', ...fields })
    .returning();
  return row!;
}

function call(
  user: TestUser,
  method: 'POST' | 'DELETE',
  url: string,
  payload?: Record<string, unknown>,
) {
  return ctx.app.inject({
    method,
    url,
    headers: bearer(user.access),
    ...(payload ? { payload } : {}),
  });
}

async function buyers(n: number) {
  const list: TestUser[] = [];
  for (let i = 0; i < n; i += 10) {
    list.push(
      ...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => makeUser(ctx)))),
    );
  }
  return list;
}

const checkout = (user: TestUser) =>
  call(user, 'POST', '/api/orders/create_order/', { shipping_address: '1 Race Street, Pune' });

async function discountedOrders(promotionId: number) {
  const [row] = await ctx.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(orders)
    .where(eq(orders.promotionId, promotionId));
  return row!.n;
}

async function usesOf(promotionId: number) {
  const [row] = await ctx.database.db
    .select()
    .from(promotions)
    .where(eq(promotions.id, promotionId));
  return row!.timesUsed;
}

describe(`promotion limits under concurrency (${onPostgres() ? 'PostgreSQL, parallel connections' : 'PGlite, serialised'})`, () => {
  it('50 checkouts racing for a code limited to 10: exactly 10 discounted orders, the rest 400 and unchanged', async () => {
    const productId = await product(1000);
    const promo = await promotion({ usageLimit: 10 });
    const users = await buyers(50);
    for (const user of users) {
      expect(
        (await call(user, 'POST', '/api/cart/add/', { product_id: productId })).statusCode,
      ).toBe(200);
      const applied = await call(user, 'POST', '/api/cart/promotion/', { code: promo.code });
      expect(applied.statusCode, applied.body).toBe(200);
    }
    const responses = await Promise.all(users.map(checkout));
    const created = responses.filter((r) => r.statusCode === 201);
    const refused = responses.filter((r) => r.statusCode === 400);
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const res of refused) expect(res.json().code).toBe('promotion_exhausted');
    for (const res of created)
      expect(res.json()).toMatchObject({ discount_total: '10.00', total_amount: '90.00' });
    expect(await usesOf(promo.id)).toBe(10);
    expect(await discountedOrders(promo.id)).toBe(10);
    // A refused checkout changed nothing: its cart still holds the line and the code.
    const [row] = await ctx.database.db
      .select({ stock: products.stock })
      .from(products)
      .where(eq(products.id, productId));
    expect(row!.stock).toBe(990);
  });

  it('one customer racing with a code of one use per customer gets exactly one discounted order', async () => {
    const productId = await product(1000);
    const promo = await promotion({ perCustomerLimit: 1 });
    const [user] = await buyers(1);
    // Ten tabs of the same shopper: each adds, applies the code and checks out, all at once.
    const attempts = await Promise.all(
      Array.from({ length: 10 }, async () => {
        await call(user!, 'POST', '/api/cart/add/', { product_id: productId });
        await call(user!, 'POST', '/api/cart/promotion/', { code: promo.code });
        return checkout(user!);
      }),
    );
    for (const res of attempts) expect([201, 400]).toContain(res.statusCode);
    expect(await discountedOrders(promo.id)).toBe(1);
    expect(await usesOf(promo.id)).toBe(1);
    const [uses] = await ctx.database.db
      .select()
      .from(promotionCustomerUses)
      .where(eq(promotionCustomerUses.promotionId, promo.id));
    expect(uses).toMatchObject({ userId: user!.id, uses: 1 });
  });

  it('cancellations racing with checkouts give each use back exactly once', async () => {
    const productId = await product(1000);
    const promo = await promotion({ usageLimit: 5 });
    const users = await buyers(10);
    const placed: number[] = [];
    for (const user of users.slice(0, 5)) {
      await call(user, 'POST', '/api/cart/add/', { product_id: productId });
      await call(user, 'POST', '/api/cart/promotion/', { code: promo.code });
      const res = await checkout(user);
      expect(res.statusCode, res.body).toBe(201);
      placed.push(res.json().id);
    }
    for (const user of users.slice(5)) {
      await call(user, 'POST', '/api/cart/add/', { product_id: productId });
      // Used up: the code is refused at apply; set it on the cart as an earlier apply would have.
      await ctx.database.db.execute(
        sql`update carts set promotion_id = ${promo.id} where user_id = ${user.id}`,
      );
    }
    const results = await Promise.all([
      ...users.slice(0, 5).map((u, i) => call(u, 'POST', `/api/orders/${placed[i]}/cancel/`)),
      ...users.slice(5).map(checkout),
    ]);
    for (const res of results.slice(0, 5)) expect(res.statusCode, res.body).toBe(200);
    const won = results.slice(5).filter((r) => r.statusCode === 201).length;
    // Each cancellation freed one use; a checkout got it only if it came after.
    expect(await usesOf(promo.id)).toBe(won);
    expect(await discountedOrders(promo.id)).toBe(5 + won);
  });
});
