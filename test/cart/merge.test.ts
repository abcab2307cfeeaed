import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, PASSWORD, type Shop, type TestUser } from '../helpers/factories.js';
import { type As, addToCart, type Cart, getCart, ok, patchProduct, send } from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

const EMPTY = {
  id: null,
  items: [],
  total_items: 0,
  subtotal: '0.00',
  discount_total: '0.00',
  shipping_total: '0.00',
  tax_total: '0.00',
  promotion: null,
  shipping_method: null,
  total_amount: '0.00',
  created_at: null,
  updated_at: null,
};

/** A guest cart holding the lines; returns its token. */
async function guestCart(lines: [number, number][]): Promise<string> {
  let token: string | undefined;
  for (const [productId, quantity] of lines) {
    const res = await addToCart(ctx, token ? { token } : {}, productId, quantity);
    ok(res);
    token ??= res.headers['x-cart-token'] as string;
  }
  return token!;
}

function login(user: TestUser, as: As = {}) {
  return send(ctx, 'POST', '/api/auth/login/', as, { username: user.username, password: user.password });
}

/** The access token of a login response, as a user to call with. */
function loggedIn(user: TestUser, res: LightMyRequestResponse): TestUser {
  return { ...user, access: ok(res).access as string };
}

function expectCookieCleared(res: LightMyRequestResponse) {
  const cookie = res.cookies.find((c) => c.name === 'cart_token');
  expect(cookie, String(res.headers['set-cookie'])).toBeDefined();
  expect(cookie!.value).toBe('');
  expect(cookie!.maxAge).toBe(0);
  expect(String(res.headers['set-cookie'])).toMatch(/cart_token=;.*Max-Age=0/);
}

const lines = (cart: Cart) =>
  Object.fromEntries(cart.items.map((i) => [i.product.id, i.quantity])) as Record<number, number>;

describe('merge on login', () => {
  it('moves the guest lines into a user without a cart (token in the header)', async () => {
    const [a, b, user] = await Promise.all([
      makeProduct(shop, { price: '19.99' }),
      makeProduct(shop, { price: '5.00' }),
      makeUser(ctx),
    ]);
    const token = await guestCart([
      [a.id, 3],
      [b.id, 1],
    ]);
    const res = await login(user, { token });
    const me = loggedIn(user, res);
    expectCookieCleared(res);
    const cart = await getCart(ctx, { user: me });
    expect(cart.id).toEqual(expect.any(Number));
    expect(lines(cart)).toEqual({ [a.id]: 3, [b.id]: 1 });
    expect(cart.total_items).toBe(4);
    expect(cart.total_amount).toBe('64.97');
    // the guest cart is gone
    expect(await getCart(ctx, { token })).toEqual(EMPTY);
    expect(await getCart(ctx, { cookie: token })).toEqual(EMPTY);
  });

  it('works with the token in the cookie, summing lines of the same product', async () => {
    const [a, b, c, user] = await Promise.all([
      makeProduct(shop, { stock: 50 }),
      makeProduct(shop, { stock: 50 }),
      makeProduct(shop, { stock: 50 }),
      makeUser(ctx),
    ]);
    const userCart = ok<Cart>(await addToCart(ctx, { user }, a.id, 2));
    await addToCart(ctx, { user }, c.id, 4);
    const token = await guestCart([
      [a.id, 5],
      [b.id, 1],
    ]);
    const res = await login(user, { cookie: token });
    expectCookieCleared(res);
    const cart = await getCart(ctx, { user: loggedIn(user, res) });
    expect(cart.id).toBe(userCart.id);
    expect(lines(cart)).toEqual({ [a.id]: 7, [b.id]: 1, [c.id]: 4 });
    expect(await getCart(ctx, { cookie: token })).toEqual(EMPTY);
  });

  it('caps a summed line at the stock', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx)]);
    await addToCart(ctx, { user }, product.id, 4);
    const token = await guestCart([[product.id, 3]]);
    const cart = await getCart(ctx, { user: loggedIn(user, await login(user, { token })) });
    expect(lines(cart)).toEqual({ [product.id]: 5 });
  });

  it('caps a guest line at a stock reduced since it was added', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 10 }), makeUser(ctx)]);
    const token = await guestCart([[product.id, 8]]);
    await patchProduct(shop, product.id, { stock: 2 });
    const cart = await getCart(ctx, { user: loggedIn(user, await login(user, { token })) });
    expect(lines(cart)).toEqual({ [product.id]: 2 });
  });

  it('caps a summed line at 999', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 5000, price: '1.00' }), makeUser(ctx)]);
    await addToCart(ctx, { user }, product.id, 600);
    const token = await guestCart([[product.id, 700]]);
    const cart = await getCart(ctx, { user: loggedIn(user, await login(user, { token })) });
    expect(lines(cart)).toEqual({ [product.id]: 999 });
    expect(cart.total_amount).toBe('999.00');
  });

  it('drops lines of products deactivated or sold out since', async () => {
    const [gone, soldOut, kept, user] = await Promise.all([
      makeProduct(shop),
      makeProduct(shop),
      makeProduct(shop),
      makeUser(ctx),
    ]);
    const token = await guestCart([
      [gone.id, 1],
      [soldOut.id, 1],
      [kept.id, 2],
    ]);
    await patchProduct(shop, gone.id, { is_active: false });
    await patchProduct(shop, soldOut.id, { stock: 0 });
    const cart = await getCart(ctx, { user: loggedIn(user, await login(user, { token })) });
    expect(lines(cart)).toEqual({ [kept.id]: 2 });
    expect(await getCart(ctx, { token })).toEqual(EMPTY);
  });

  it('without a token leaves the user cart untouched and sets no cookie', async () => {
    const [product, user] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    await addToCart(ctx, { user }, product.id, 2);
    const before = await getCart(ctx, { user });
    // another guest's cart exists, but this login does not name it
    const token = await guestCart([[product.id, 1]]);
    const res = await login(user);
    expect(res.headers['set-cookie']).toBeUndefined();
    const after = await getCart(ctx, { user: loggedIn(user, res) });
    expect(after).toEqual(before);
    expect((await getCart(ctx, { token })).total_items).toBe(1);
  });

  it('with an unknown token changes nothing', async () => {
    const [product, user] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    await addToCart(ctx, { user }, product.id, 2);
    const before = await getCart(ctx, { user });
    const res = await login(user, { token: 'Zz' + unique('t').padEnd(30, '0') });
    expect(res.statusCode).toBe(200);
    expect(await getCart(ctx, { user: loggedIn(user, res) })).toEqual(before);
  });

  it('a failed login does not merge or delete the guest cart', async () => {
    const [product, user] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    const token = await guestCart([[product.id, 2]]);
    const res = await send(ctx, 'POST', '/api/auth/login/', { token }, { username: user.username, password: 'wrong-Password-1' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await getCart(ctx, { token })).total_items).toBe(2);
    expect(await getCart(ctx, { user })).toMatchObject({ id: null, items: [] });
  });
});

describe('merge on register', () => {
  it('moves the guest cart into the new user’s cart and clears the cookie', async () => {
    const product = await makeProduct(shop, { price: '2.50' });
    const token = await guestCart([[product.id, 4]]);
    const username = unique('merge_');
    const res = await send(ctx, 'POST', '/api/auth/register/', { token }, {
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
      password2: PASSWORD,
      first_name: 'Guest',
      last_name: 'Buyer',
    });
    const body = ok(res, 201);
    expectCookieCleared(res);
    const user: TestUser = {
      id: body.user.id,
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
      access: body.tokens.access,
      refresh: body.tokens.refresh,
    };
    const cart = await getCart(ctx, { user });
    expect(lines(cart)).toEqual({ [product.id]: 4 });
    expect(cart.total_amount).toBe('10.00');
    expect(await getCart(ctx, { token })).toEqual(EMPTY);
  });

  it('with the token in the cookie', async () => {
    const product = await makeProduct(shop);
    const token = await guestCart([[product.id, 1]]);
    const username = unique('merge_');
    const res = await send(ctx, 'POST', '/api/auth/register/', { cookie: token }, {
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
      password2: PASSWORD,
      first_name: 'Guest',
      last_name: 'Buyer',
    });
    const body = ok(res, 201);
    expectCookieCleared(res);
    const cart = await getCart(ctx, { user: { id: body.user.id, access: body.tokens.access } as TestUser });
    expect(lines(cart)).toEqual({ [product.id]: 1 });
    expect(await getCart(ctx, { cookie: token })).toEqual(EMPTY);
  });

  it('a failed registration keeps the guest cart', async () => {
    const product = await makeProduct(shop);
    const token = await guestCart([[product.id, 1]]);
    const res = await send(ctx, 'POST', '/api/auth/register/', { token }, { username: unique('bad_') });
    expect(res.statusCode).toBe(400);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await getCart(ctx, { token })).total_items).toBe(1);
  });
});
