import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, type Shop } from '../helpers/factories.js';
import { addToCart, type Cart, getCart, ISO, listItemOf, ok, send } from '../helpers/shop.js';
import { defaultVariantOf } from '../helpers/variants.js';

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

/** A random, well-formed token that no cart has. */
const unknownToken = () => 'A'.repeat(10) + Math.random().toString(36).slice(2).padEnd(20, 'x');

/** Starts a guest cart with one line; returns the issued token and the cart. */
async function startGuestCart(productId: number, quantity = 1) {
  const res = await addToCart(ctx, {}, productId, quantity);
  const cart = ok<Cart>(res);
  const token = res.headers['x-cart-token'];
  expect(typeof token).toBe('string');
  return { token: token as string, cart, res };
}

describe('guest cart without a token', () => {
  it('answers an empty cart and creates nothing', async () => {
    const res = await send(ctx, 'GET', '/api/cart/');
    expect(res.json()).toEqual(EMPTY);
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-cart-token']).toBeUndefined();
  });

  it('answers an empty cart for an unknown or malformed token', async () => {
    expect(await getCart(ctx, { token: unknownToken() })).toEqual(EMPTY);
    expect(await getCart(ctx, { cookie: unknownToken() })).toEqual(EMPTY);
    expect(await getCart(ctx, { token: 'not a token!' })).toEqual(EMPTY);
  });

  it('clearing without a cart is an empty cart, and an item is 404', async () => {
    const clear = await send(ctx, 'DELETE', '/api/cart/clear/');
    expect(ok(clear)).toEqual(EMPTY);
    expect(clear.headers['set-cookie']).toBeUndefined();
    const patch = await send(ctx, 'PATCH', '/api/cart/items/1/', {}, { quantity: 1 });
    expect(patch.statusCode).toBe(404);
    expect(patch.json().code).toBe('not_found');
    const del = await send(ctx, 'DELETE', '/api/cart/items/1/');
    expect(del.statusCode).toBe(404);
  });
});

describe('guest token', () => {
  it('is issued on the first add as the X-Cart-Token header and an HttpOnly, Lax, 30-day cookie', async () => {
    const product = await makeProduct(shop);
    const { token, res } = await startGuestCart(product.id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(res.cookies).toHaveLength(1);
    expect(res.cookies[0]).toMatchObject({
      name: 'cart_token',
      value: token,
      maxAge: 2592000,
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
    const raw = String(res.headers['set-cookie']);
    expect(raw).toContain(`cart_token=${token}`);
    expect(raw).toContain('Max-Age=2592000');
    expect(raw).toContain('HttpOnly');
    expect(raw).toContain('SameSite=Lax');
  });

  it('is random and distinct for every guest cart', async () => {
    const product = await makeProduct(shop);
    const tokens = new Set<string>();
    for (let i = 0; i < 5; i++) tokens.add((await startGuestCart(product.id)).token);
    expect(tokens.size).toBe(5);
  });

  it('is accepted in the header or the cookie, and not re-issued', async () => {
    const [a, b] = await Promise.all([makeProduct(shop), makeProduct(shop)]);
    const { token, cart } = await startGuestCart(a.id);

    const viaCookie = await addToCart(ctx, { cookie: token }, b.id, 2);
    const c1 = ok<Cart>(viaCookie);
    expect(c1.id).toBe(cart.id);
    expect(viaCookie.headers['set-cookie']).toBeUndefined();
    expect(viaCookie.headers['x-cart-token']).toBeUndefined();
    expect(c1.items.map((i) => [i.product.id, i.quantity])).toEqual([
      [a.id, 1],
      [b.id, 2],
    ]);

    const viaHeader = await getCart(ctx, { token });
    const viaCookieGet = await getCart(ctx, { cookie: token });
    expect(viaHeader).toEqual(c1);
    expect(viaCookieGet).toEqual(c1);
  });

  it('an unknown token on add starts a new cart with a new token', async () => {
    const product = await makeProduct(shop);
    const stale = unknownToken();
    const res = await addToCart(ctx, { token: stale }, product.id);
    const cart = ok<Cart>(res);
    expect(cart.id).toEqual(expect.any(Number));
    const issued = res.headers['x-cart-token'] as string;
    expect(issued).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(issued).not.toBe(stale);
    expect((await getCart(ctx, { token: issued })).id).toBe(cart.id);
    expect(await getCart(ctx, { token: stale })).toEqual(EMPTY);
  });
});

describe('guest cart contents', () => {
  it('answers the whole cart with product list items and exact money', async () => {
    const product = await makeProduct(shop, { price: '19.99', stock: 10 });
    const res = await addToCart(ctx, {}, product.id, 3);
    const cart = ok<Cart>(res);
    expect(cart).toEqual({
      id: expect.any(Number),
      items: [
        {
          id: expect.any(Number),
          // The list item's v2 fields are the catalog's (its tests); the v1 ones are exact here.
          product: expect.objectContaining(listItemOf(product)),
          variant: { id: await defaultVariantOf(ctx, product.id), sku: product.slug, title: 'Default', options: {} },
          unit_price: '19.99',
          quantity: 3,
          subtotal: '59.97',
          added_at: expect.stringMatching(ISO),
        },
      ],
      total_items: 3,
      // Prices include tax: the default class (GST 18%) takes 59.97 × 18/118 = 9.148… out of it.
      subtotal: '59.97',
      discount_total: '0.00',
      shipping_total: '0.00',
      tax_total: '9.15',
      promotion: null,
      shipping_method: null,
      total_amount: '59.97',
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
  });

  it('adding the same product again sums the line; lines sum to the total', async () => {
    const [a, b] = await Promise.all([
      makeProduct(shop, { price: '19.99', stock: 10 }),
      makeProduct(shop, { price: '0.10', stock: 100 }),
    ]);
    const { token, cart: first } = await startGuestCart(a.id, 1);
    const lineId = first.items[0]!.id;
    let cart = ok<Cart>(await addToCart(ctx, { token }, a.id, 2));
    expect(cart.items).toHaveLength(1);
    expect(cart.items[0]).toMatchObject({ id: lineId, quantity: 3, subtotal: '59.97' });

    cart = ok<Cart>(await addToCart(ctx, { token }, b.id, 7));
    expect(cart.items.map((i) => [i.product.id, i.quantity, i.subtotal])).toEqual([
      [a.id, 3, '59.97'],
      [b.id, 7, '0.70'],
    ]);
    expect(cart.total_items).toBe(10);
    expect(cart.total_amount).toBe('60.67');
  });

  it('defaults the quantity to 1', async () => {
    const product = await makeProduct(shop, { price: '5.50' });
    const res = await send(ctx, 'POST', '/api/cart/add/', {}, { product_id: product.id });
    const cart = ok<Cart>(res);
    expect(cart.items[0]).toMatchObject({ quantity: 1, subtotal: '5.50' });
    expect(cart.total_items).toBe(1);
    expect(cart.total_amount).toBe('5.50');
  });

  it('the bearer token wins over a guest token: a user sees their own cart', async () => {
    const [product, user] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    const { token } = await startGuestCart(product.id, 2);
    const userView = await getCart(ctx, { user, token });
    expect(userView).toEqual(EMPTY);
    // and the guest cart is untouched
    expect((await getCart(ctx, { token })).total_items).toBe(2);
  });
});
