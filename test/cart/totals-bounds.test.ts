import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartItems, carts, orders, products } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { insertProducts, makeProduct, makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { defaultVariantsOf } from '../helpers/variants.js';
import { expectProblem } from '../helpers/problems.js';
import { addToCart, type Cart, createOrder, getCart, ok, patchProduct, send } from '../helpers/shop.js';

/**
 * Cart and order totals are exact at any size and bounded at 99999999.99 (API-v2 §0): a
 * write past the bound is 400 total_too_large and changes nothing; a cart that got past
 * it anyway still reads, and its checkout is refused.
 */
let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

const setQuantity = (user: TestUser, itemId: number, quantity: number) =>
  send(ctx, 'PATCH', `/api/cart/items/${itemId}/`, { user }, { quantity });

async function orderCount(user: TestUser): Promise<number> {
  const [row] = await ctx.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(orders)
    .where(eq(orders.userId, user.id));
  return Number(row!.n);
}

async function storedStock(id: number): Promise<number> {
  const [row] = await ctx.database.db.select({ stock: products.stock }).from(products).where(eq(products.id, id));
  return row!.stock;
}

/** A product stored as data from before the bounds could hold it (price up to the column's 9999999999.99). */
async function legacyProduct(price: string, stock = 100_000): Promise<number> {
  const name = unique('legacy-');
  const [row] = await insertProducts(ctx, [{ name, slug: name, price, stock, categoryId: shop.categoryId }]);
  return row!.id;
}

/** Cart lines written past the API, as a cart from before the bounds would hold them. */
async function legacyCart(user: TestUser, lines: [number, number][]): Promise<void> {
  const [cart] = await ctx.database.db.insert(carts).values({ userId: user.id }).returning({ id: carts.id });
  const variants = await defaultVariantsOf(
    ctx,
    lines.map(([productId]) => productId),
  );
  await ctx.database.db
    .insert(cartItems)
    .values(lines.map(([productId, quantity], i) => ({ cartId: cart!.id, productId, variantId: variants[i]!, quantity })));
}

describe('a cart write whose total would pass 99999999.99', () => {
  it('reaches exactly 99999999.99, then one paisa more is 400 total_too_large and nothing changes', async () => {
    const user = await makeUser(ctx);
    const dear = await makeProduct(shop, { price: '10000000.00', stock: 100 });
    const rest = await makeProduct(shop, { price: '9999999.99', stock: 100 });
    const paisa = await makeProduct(shop, { price: '0.01', stock: 100 });
    ok(await addToCart(ctx, { user }, dear.id, 9));
    const full = ok<Cart>(await addToCart(ctx, { user }, rest.id, 1));
    expect(full.total_amount).toBe('99999999.99');

    const problem = expectProblem(await addToCart(ctx, { user }, paisa.id, 1), 400, 'total_too_large', 'quantity');
    expect(problem.detail).toContain('100000000.00');
    expectProblem(await addToCart(ctx, { user }, dear.id, 1), 400, 'total_too_large');
    const line = full.items.find((i) => i.product.id === rest.id)!;
    expectProblem(await setQuantity(user, line.id, 2), 400, 'total_too_large', 'quantity');

    const after = await getCart(ctx, { user });
    expect(after.total_amount).toBe('99999999.99');
    expect(after.items.map((i) => [i.product.id, i.quantity])).toEqual([
      [dear.id, 9],
      [rest.id, 1],
    ]);
  });

  it('is refused for a guest too, with the guest cart unchanged', async () => {
    const dear = await makeProduct(shop, { price: '10000000.00', stock: 100 });
    const first = await addToCart(ctx, {}, dear.id, 9);
    const token = first.headers['x-cart-token'] as string;
    expect(token).toEqual(expect.any(String));
    expectProblem(await addToCart(ctx, { token }, dear.id, 1), 400, 'total_too_large');
    expect((await getCart(ctx, { token })).total_amount).toBe('90000000.00');
  });
});

describe('a cart past the bound (a price raised after the line was added)', () => {
  it('still reads with exact totals, may be brought down, and its checkout is 400 total_too_large', async () => {
    const user = await makeUser(ctx);
    const product = await makeProduct(shop, { price: '100.00', stock: 1000 });
    const cheap = await makeProduct(shop, { price: '1.00', stock: 1000 });
    ok(await addToCart(ctx, { user }, product.id, 999));
    ok(await addToCart(ctx, { user }, cheap.id, 1));
    await patchProduct(shop, product.id, { price: '10000000.00' });

    const cart = await getCart(ctx, { user });
    expect(cart.total_amount).toBe('9990000001.00');
    const line = cart.items.find((i) => i.product.id === product.id)!;
    expect(line.subtotal).toBe('9990000000.00');

    // 9990000000.00 fits the order column: only the bound refuses it.
    const refused = expectProblem(await createOrder(ctx, user), 400, 'total_too_large');
    expect(refused.detail).toContain('9990000001.00');
    expect(await orderCount(user)).toBe(0);
    expect(await storedStock(product.id)).toBe(1000);
    expect((await getCart(ctx, { user })).items).toHaveLength(2);

    // Raising any line is refused; lowering one is allowed even while the cart stays above.
    const cheapLine = cart.items.find((i) => i.product.id === cheap.id)!;
    expectProblem(await setQuantity(user, cheapLine.id, 2), 400, 'total_too_large');
    expect(ok<Cart>(await setQuantity(user, line.id, 500)).total_amount).toBe('5000000001.00');
    expect(ok<Cart>(await setQuantity(user, line.id, 9)).total_amount).toBe('90000001.00');
    const order = ok(await createOrder(ctx, user), 201);
    expect(order.total_amount).toBe('90000001.00');
    expect(await storedStock(product.id)).toBe(991);
  });
});

describe('a cart past 2^53 paise (data from before the bounds)', () => {
  it('reads with exact totals, and its checkout is 400 total_too_large with nothing written', async () => {
    const user = await makeUser(ctx);
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(await legacyProduct('9999999999.99'));
    await legacyCart(
      user,
      ids.map((id) => [id, 999]),
    );
    // 10 × 999 × 999999999999 paise = 9989999999990010 paise, past 2^53 (9007199254740992).
    const expected = 10n * 999n * 999_999_999_999n;
    expect(expected > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);

    const cart = await getCart(ctx, { user });
    expect(cart.total_amount).toBe('99899999999900.10');
    expect(cart.items.map((i) => i.subtotal)).toEqual(Array(10).fill('9989999999990.01'));
    expect(cart.total_items).toBe(9990);

    expectProblem(await createOrder(ctx, user), 400, 'total_too_large');
    expect(await orderCount(user)).toBe(0);
    for (const id of ids) expect(await storedStock(id)).toBe(100_000);
    expect((await getCart(ctx, { user })).items).toHaveLength(10);
  });

  it('a single line past the order column (numeric(12,2)) is 400 at checkout, not a 500', async () => {
    const user = await makeUser(ctx);
    const id = await legacyProduct('9999999999.99');
    await legacyCart(user, [[id, 2]]);
    expect((await getCart(ctx, { user })).total_amount).toBe('19999999999.98');
    expectProblem(await createOrder(ctx, user), 400, 'total_too_large');
    expect(await orderCount(user)).toBe(0);
    expect(await storedStock(id)).toBe(100_000);
  });
});
