import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { countQueries } from '../helpers/catalog.js';
import { makeProduct, makeShop, makeUser, type Shop } from '../helpers/factories.js';
import { fillCart, getCart } from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

describe('cart read', () => {
  it('runs the same number of queries for 1 line and for 12', async () => {
    const small = await makeUser(ctx);
    const large = await makeUser(ctx);
    const products = await Promise.all(Array.from({ length: 12 }, () => makeProduct(shop)));
    await fillCart(ctx, small, [[products[0]!.id, 1]]);
    await fillCart(ctx, large, products.map((p) => [p.id, 2] as [number, number]));

    const one = await countQueries(ctx, () => getCart(ctx, { user: small }));
    let cart;
    const twelve = await countQueries(ctx, async () => (cart = await getCart(ctx, { user: large })));
    expect(cart!.items).toHaveLength(12);
    expect(twelve).toBe(one);
    // The token check, the cart row and its lines.
    expect(one).toBeLessThanOrEqual(3);
  });
});
