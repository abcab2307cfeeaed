import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { type As, addToCart, type Cart, getCart, ok, patchProduct, send } from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

async function guest(productId: number, quantity = 1): Promise<{ as: As; cart: Cart }> {
  const res = await addToCart(ctx, {}, productId, quantity);
  const cart = ok<Cart>(res);
  return { as: { token: res.headers['x-cart-token'] as string }, cart };
}

const patchItem = (as: As, id: number, quantity: unknown) =>
  send(ctx, 'PATCH', `/api/cart/items/${id}/`, as, { quantity });
const deleteItem = (as: As, id: number) => send(ctx, 'DELETE', `/api/cart/items/${id}/`, as);

describe('add: input validation', () => {
  for (const quantity of [0, -1, 1000, 2.5, 'abc', null]) {
    it(`rejects quantity ${JSON.stringify(quantity)} with errors.quantity`, async () => {
      const product = await makeProduct(shop);
      const res = await send(ctx, 'POST', '/api/cart/add/', {}, { product_id: product.id, quantity });
      expectProblem(res, 400, 'validation_error', 'quantity');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['x-cart-token']).toBeUndefined();
    });
  }

  it('accepts the bounds 1 and 999', async () => {
    const product = await makeProduct(shop, { stock: 2000, price: '1.00' });
    const { cart } = await guest(product.id, 999);
    expect(cart.items[0]!.quantity).toBe(999);
    expect(cart.total_amount).toBe('999.00');
    const one = await guest(product.id, 1);
    expect(one.cart.total_items).toBe(1);
  });

  it('requires variant_id (or product_id)', async () => {
    const res = await send(ctx, 'POST', '/api/cart/add/', {}, { quantity: 1 });
    const body = expectProblem(res, 400, 'validation_error', 'variant_id');
    expect(body.errors).toEqual({
      variant_id: ['Required (or product_id, for a product with one variant).'],
    });
    expect(res.headers['x-cart-token']).toBeUndefined();
  });

  it('rejects a missing or inactive product', async () => {
    const inactive = await makeProduct(shop, { is_active: false });
    for (const id of [inactive.id, 2_147_483_000]) {
      const res = await addToCart(ctx, {}, id, 1);
      const body = expectProblem(res, 400, 'validation_error', 'product_id');
      expect(body.errors).toEqual({ product_id: ['Product not found or inactive'] });
      expect(res.headers['x-cart-token']).toBeUndefined();
    }
  });

  it('rejects a product deactivated after a first add', async () => {
    const product = await makeProduct(shop);
    const { as } = await guest(product.id);
    await patchProduct(shop, product.id, { is_active: false });
    const res = await addToCart(ctx, as, product.id, 1);
    expect(expectProblem(res, 400, 'validation_error', 'product_id').errors).toEqual({
      product_id: ['Product not found or inactive'],
    });
  });

  it('a quantity change on a line whose product was deactivated names product_id, as in v1, and variant_id', async () => {
    const product = await makeProduct(shop);
    const { as, cart } = await guest(product.id);
    await patchProduct(shop, product.id, { is_active: false });
    const res = await patchItem(as, cart.items[0]!.id, 2);
    expect(expectProblem(res, 400, 'validation_error', 'product_id').errors).toEqual({
      product_id: ['Product not found or inactive'],
      variant_id: ['Variant not found or inactive'],
    });
  });
});

describe('add: stock', () => {
  it('rejects a line beyond stock', async () => {
    const product = await makeProduct(shop, { stock: 5 });
    const res = await addToCart(ctx, {}, product.id, 6);
    expect(expectProblem(res, 400, 'validation_error', 'quantity').errors).toEqual({
      quantity: ['Only 5 items available in stock'],
    });
    expect(res.headers['x-cart-token']).toBeUndefined();
  });

  it('accepts exactly the stock', async () => {
    const product = await makeProduct(shop, { stock: 5 });
    expect((await guest(product.id, 5)).cart.items[0]!.quantity).toBe(5);
  });

  it('rejects a second add whose sum exceeds stock and keeps the line as it was', async () => {
    const product = await makeProduct(shop, { stock: 5 });
    const { as } = await guest(product.id, 3);
    const res = await addToCart(ctx, as, product.id, 3);
    expect(expectProblem(res, 400, 'validation_error', 'quantity').errors).toEqual({
      quantity: ['Only 5 items available in stock'],
    });
    const cart = await getCart(ctx, as);
    expect(cart.items.map((i) => i.quantity)).toEqual([3]);
    expect(ok<Cart>(await addToCart(ctx, as, product.id, 2)).items[0]!.quantity).toBe(5);
  });

  it('rejects a second add whose sum exceeds 999', async () => {
    const product = await makeProduct(shop, { stock: 5000 });
    const { as } = await guest(product.id, 999);
    expectProblem(await addToCart(ctx, as, product.id, 1), 400, 'validation_error', 'quantity');
    expect((await getCart(ctx, as)).items[0]!.quantity).toBe(999);
  });
});

describe('items and clear', () => {
  it('PATCH sets the quantity and recomputes the totals', async () => {
    const product = await makeProduct(shop, { price: '12.34', stock: 10 });
    const { as, cart } = await guest(product.id, 1);
    const itemId = cart.items[0]!.id;
    const updated = ok<Cart>(await patchItem(as, itemId, 4));
    expect(updated.id).toBe(cart.id);
    expect(updated.items).toEqual([expect.objectContaining({ id: itemId, quantity: 4, subtotal: '49.36' })]);
    expect(updated.total_items).toBe(4);
    expect(updated.total_amount).toBe('49.36');
    // setting, not adding
    expect(ok<Cart>(await patchItem(as, itemId, 2)).items[0]!.quantity).toBe(2);
  });

  it('PATCH beyond stock, or with a bad quantity, is 400 and changes nothing', async () => {
    const product = await makeProduct(shop, { stock: 3 });
    const { as, cart } = await guest(product.id, 2);
    const itemId = cart.items[0]!.id;
    expect(expectProblem(await patchItem(as, itemId, 4), 400, 'validation_error', 'quantity').errors).toEqual({
      quantity: ['Only 3 items available in stock'],
    });
    for (const q of [0, 1000, 1.5, 'abc']) {
      expectProblem(await patchItem(as, itemId, q), 400, 'validation_error', 'quantity');
    }
    const missing = await send(ctx, 'PATCH', `/api/cart/items/${itemId}/`, as, {});
    expectProblem(missing, 400, 'validation_error', 'quantity');
    expect((await getCart(ctx, as)).items[0]!.quantity).toBe(2);
  });

  it('DELETE removes one line; a second DELETE is 404', async () => {
    const [a, b] = await Promise.all([makeProduct(shop, { price: '1.00' }), makeProduct(shop, { price: '2.00' })]);
    const { as, cart } = await guest(a.id, 1);
    const withB = ok<Cart>(await addToCart(ctx, as, b.id, 2));
    expect(withB.total_amount).toBe('5.00');
    const lineA = cart.items[0]!.id;
    const after = ok<Cart>(await deleteItem(as, lineA));
    expect(after.id).toBe(cart.id);
    expect(after.items.map((i) => i.product.id)).toEqual([b.id]);
    expect(after.total_items).toBe(2);
    expect(after.total_amount).toBe('4.00');
    expectProblem(await deleteItem(as, lineA), 404, 'not_found');
    expectProblem(await patchItem(as, lineA, 1), 404, 'not_found');
  });

  it('clear empties the cart but keeps it', async () => {
    const [a, b] = await Promise.all([makeProduct(shop), makeProduct(shop)]);
    const { as, cart } = await guest(a.id, 1);
    await addToCart(ctx, as, b.id, 1);
    const cleared = ok<Cart>(await send(ctx, 'DELETE', '/api/cart/clear/', as));
    expect(cleared).toMatchObject({ id: cart.id, items: [], total_items: 0, total_amount: '0.00' });
    expect(await getCart(ctx, as)).toMatchObject({ id: cart.id, items: [], total_items: 0 });
    // and it can be filled again
    expect(ok<Cart>(await addToCart(ctx, as, a.id, 2)).total_items).toBe(2);
  });
});

describe('another cart’s items are 404', () => {
  it('between two guests', async () => {
    const product = await makeProduct(shop);
    const [alice, bob] = await Promise.all([guest(product.id, 1), guest(product.id, 2)]);
    const aliceItem = alice.cart.items[0]!.id;
    expectProblem(await patchItem(bob.as, aliceItem, 5), 404, 'not_found');
    expectProblem(await deleteItem(bob.as, aliceItem), 404, 'not_found');
    // a guest with no cart at all
    expectProblem(await patchItem({}, aliceItem, 5), 404, 'not_found');
    expectProblem(await deleteItem({}, aliceItem), 404, 'not_found');
    expect((await getCart(ctx, alice.as)).items).toEqual([expect.objectContaining({ id: aliceItem, quantity: 1 })]);
    expect((await getCart(ctx, bob.as)).total_items).toBe(2);
  });

  it('between two users, and between a user and a guest', async () => {
    const product = await makeProduct(shop);
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)]);
    const aliceCart = ok<Cart>(await addToCart(ctx, { user: alice }, product.id, 1));
    await addToCart(ctx, { user: bob }, product.id, 2);
    const aliceItem = aliceCart.items[0]!.id;
    expectProblem(await patchItem({ user: bob }, aliceItem, 5), 404, 'not_found');
    expectProblem(await deleteItem({ user: bob }, aliceItem), 404, 'not_found');

    const g = await guest(product.id, 3);
    expectProblem(await patchItem(g.as, aliceItem, 5), 404, 'not_found');
    expectProblem(await deleteItem(g.as, aliceItem), 404, 'not_found');
    expectProblem(await patchItem({ user: alice }, g.cart.items[0]!.id, 5), 404, 'not_found');
    expectProblem(await deleteItem({ user: alice }, g.cart.items[0]!.id), 404, 'not_found');

    expect((await getCart(ctx, { user: alice })).items).toEqual([
      expect.objectContaining({ id: aliceItem, quantity: 1 }),
    ]);
    expect((await getCart(ctx, g.as)).total_items).toBe(3);
  });
});

describe('user carts', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await makeUser(ctx);
  });

  it('a new user has no cart; GET creates none', async () => {
    const fresh = await makeUser(ctx);
    const res = await send(ctx, 'GET', '/api/cart/', { user: fresh });
    expect(ok(res)).toMatchObject({ id: null, items: [], total_items: 0, total_amount: '0.00' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('one cart per user, found by the bearer token, with no guest token issued', async () => {
    const [a, b] = await Promise.all([makeProduct(shop, { price: '3.33' }), makeProduct(shop, { price: '1.01' })]);
    const first = await addToCart(ctx, { user }, a.id, 3);
    const cart = ok<Cart>(first);
    expect(first.headers['x-cart-token']).toBeUndefined();
    expect(first.headers['set-cookie']).toBeUndefined();
    const second = ok<Cart>(await addToCart(ctx, { user }, b.id, 1));
    expect(second.id).toBe(cart.id);
    const read = await getCart(ctx, { user });
    expect(read).toEqual(second);
    expect(read.total_items).toBe(4);
    expect(read.total_amount).toBe('11.00');
    // the same user with a new access token (login) gets the same cart
    const login = ok(await send(ctx, 'POST', '/api/auth/login/', {}, { username: user.username, password: user.password }));
    expect((await getCart(ctx, { user: { ...user, access: login.access } })).id).toBe(cart.id);
  });

  it('users do not see each other’s carts', async () => {
    const [product, other] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    await addToCart(ctx, { user: other }, product.id, 2);
    const mine = await getCart(ctx, { user });
    expect(mine.items.map((i) => i.product.id)).not.toContain(product.id);
  });

  it('concurrent first adds by one user make one cart', async () => {
    const [product, fresh] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    const results = await Promise.all([1, 2, 3].map(() => addToCart(ctx, { user: fresh }, product.id, 1)));
    for (const r of results) expect(r.statusCode, r.body).toBe(200);
    const ids = new Set(results.map((r) => r.json<Cart>().id));
    expect(ids.size).toBe(1);
    expect((await getCart(ctx, { user: fresh })).items).toEqual([expect.objectContaining({ quantity: 3 })]);
  });
});

describe('anonymous writes to a user cart', () => {
  it('an invalid bearer token is 401, not a guest cart', async () => {
    const product = await makeProduct(shop);
    const res = await send(ctx, 'POST', '/api/cart/add/', { headers: { authorization: 'Bearer nonsense' } }, {
      product_id: product.id,
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-cart-token']).toBeUndefined();
  });
});
