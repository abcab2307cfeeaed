import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeAddress, makeProduct, makeShop, makeUser, type Shop } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import {
  type Cart,
  createOrder,
  fillCart,
  getCart,
  getOrder,
  ISO,
  listOrders,
  ok,
  type OrderDetail,
  patchProduct,
  send,
  stockOf,
} from '../helpers/shop.js';
import { defaultVariantOf } from '../helpers/variants.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

const ORDER_NUMBER = /^ORD-[0-9A-F]{12}$/;

describe('create_order: success', () => {
  it('answers 201 with the whole detail, deducts stock and empties the cart', async () => {
    // made one after the other: order items come in product id order
    const a = await makeProduct(shop, { price: '19.99', stock: 10 });
    const b = await makeProduct(shop, { price: '0.05', stock: 100 });
    const user = await makeUser(ctx);
    await fillCart(ctx, user, [
      [a.id, 3],
      [b.id, 7],
    ]);
    const res = await createOrder(ctx, user, { shipping_address: '221B Baker Street, London' });
    const order = ok<OrderDetail>(res, 201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(order).toEqual({
      id: expect.any(Number),
      order_number: expect.stringMatching(ORDER_NUMBER),
      user_email: user.email,
      subtotal: '60.32',
      discount_total: '0.00',
      shipping_total: '0.00',
      // The default class (GST 18%), per line: 59.97 × 18/118 = 9.148… and 0.35 × 18/118 = 0.053…
      tax_total: '9.20',
      tax_breakdown: { cgst: '0.00', sgst: '0.00', igst: '9.20' },
      promotion_code: null,
      shipping_method: null,
      total_amount: '60.32',
      status: 'pending',
      payment_status: 'pending',
      shipping_address: '221B Baker Street, London',
      tracking_number: null,
      carrier: null,
      tracking_url: null,
      items: [
        {
          id: expect.any(Number),
          product: a.id,
          product_name: a.name,
          variant_id: await defaultVariantOf(ctx, a.id),
          sku: a.slug,
          variant_title: 'Default',
          variant_options: {},
          quantity: 3,
          price_at_purchase: '19.99',
          subtotal: '59.97',
          discount: '0.00',
          tax_rate: '18.00',
          tax_amount: '9.15',
        },
        {
          id: expect.any(Number),
          product: b.id,
          product_name: b.name,
          variant_id: await defaultVariantOf(ctx, b.id),
          sku: b.slug,
          variant_title: 'Default',
          variant_options: {},
          quantity: 7,
          price_at_purchase: '0.05',
          subtotal: '0.35',
          discount: '0.00',
          tax_rate: '18.00',
          tax_amount: '0.05',
        },
      ],
      status_history: [
        {
          from_status: null,
          to_status: 'pending',
          changed_by: user.username,
          note: expect.any(String),
          created_at: expect.stringMatching(ISO),
        },
      ],
      refunds: [],
      allowed_transitions: ['cancelled'],
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    expect(await stockOf(shop, a.id)).toBe(7);
    expect(await stockOf(shop, b.id)).toBe(93);
    const cart = await getCart(ctx, { user });
    expect(cart).toMatchObject({ items: [], total_items: 0, total_amount: '0.00' });
    expect(await getOrder(ctx, user, order.id)).toEqual(order);
  });

  it('sums money exactly (no float drift)', async () => {
    const [a, b, user] = await Promise.all([
      makeProduct(shop, { price: '0.10', stock: 100 }),
      makeProduct(shop, { price: '0.20', stock: 100 }),
      makeUser(ctx),
    ]);
    await fillCart(ctx, user, [
      [a.id, 3],
      [b.id, 1],
    ]);
    const order = ok<OrderDetail>(await createOrder(ctx, user), 201);
    expect(order.total_amount).toBe('0.50');
    expect(Object.fromEntries(order.items.map((i) => [i.product, i.subtotal]))).toEqual({
      [a.id]: '0.30',
      [b.id]: '0.20',
    });
  });

  it('snapshots product names exactly, whatever characters they hold', async () => {
    // The items go to PostgreSQL as arrays: quotes, commas, braces and backslashes must survive.
    const names = ['Mug "Deluxe", {limited} \\ edition', "Chai d'Or — 250 g", 'NULL'];
    const products = await Promise.all(names.map((name) => makeProduct(shop, { name: `${name} ${Math.random()}` })));
    const user = await makeUser(ctx);
    await fillCart(ctx, user, products.map((p) => [p.id, 1] as [number, number]));
    const order = ok<OrderDetail>(await createOrder(ctx, user), 201);
    expect(order.items.map((i) => i.product_name).sort()).toEqual(products.map((p) => p.name).sort());
    expect((await getOrder(ctx, user, order.id)).items.map((i) => i.product_name).sort()).toEqual(
      products.map((p) => p.name).sort(),
    );
  });

  it('can take a line of all the stock, leaving 0', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 4 }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 4]]);
    ok(await createOrder(ctx, user), 201);
    expect(await stockOf(shop, product.id)).toBe(0);
  });

  it('POST /api/orders/ is the same as create_order/', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { price: '7.00', stock: 5 }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 2]]);
    const res = await createOrder(ctx, user, { shipping_address: 'Somewhere 1' }, {}, '/api/orders/');
    const order = ok<OrderDetail>(res, 201);
    expect(order).toMatchObject({
      order_number: expect.stringMatching(ORDER_NUMBER),
      total_amount: '14.00',
      status: 'pending',
      payment_status: 'pending',
      shipping_address: 'Somewhere 1',
      items: [expect.objectContaining({ product: product.id, quantity: 2, price_at_purchase: '7.00' })],
    });
    expect(await stockOf(shop, product.id)).toBe(3);
    expect((await getCart(ctx, { user })).items).toEqual([]);
    // and the empty cart rule applies there too
    expectProblem(await createOrder(ctx, user, { shipping_address: 'x' }, {}, '/api/orders/'), 400, 'cart_empty');
  });

  it('gives every order a distinct number', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 100 }), makeUser(ctx)]);
    const numbers = new Set<string>();
    for (let i = 0; i < 4; i++) {
      await fillCart(ctx, user, [[product.id, 1]]);
      numbers.add(ok<OrderDetail>(await createOrder(ctx, user), 201).order_number);
    }
    expect(numbers.size).toBe(4);
  });

  it('is login only', async () => {
    for (const url of ['/api/orders/create_order/', '/api/orders/']) {
      const res = await createOrder(ctx, null, { shipping_address: 'x' }, {}, url);
      expectProblem(res, 401, 'not_authenticated');
    }
  });
});

describe('create_order: shipping address', () => {
  it('copies the caller’s own address as text', async () => {
    const [product, user] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    const address = await makeAddress(ctx, user, {
      street_address: '5 Park Street',
      city: 'Kolkata',
      state: 'West Bengal',
      postal_code: '700016',
      country: 'India',
    });
    await fillCart(ctx, user, [[product.id, 1]]);
    const order = ok<OrderDetail>(await createOrder(ctx, user, { shipping_address_id: address.id }), 201);
    expect(order.shipping_address).toBe('5 Park Street, Kolkata, West Bengal, 700016, India');
  });

  it('rejects another user’s address id, and changes nothing', async () => {
    const [product, user, other] = await Promise.all([makeProduct(shop, { stock: 5 }), makeUser(ctx), makeUser(ctx)]);
    const theirs = await makeAddress(ctx, other);
    await fillCart(ctx, user, [[product.id, 1]]);
    const res = await createOrder(ctx, user, { shipping_address_id: theirs.id });
    expectProblem(res, 400, 'validation_error', 'shipping_address_id');
    expectProblem(await createOrder(ctx, user, { shipping_address_id: 2_147_483_000 }), 400, 'validation_error', 'shipping_address_id');
    expect(await stockOf(shop, product.id)).toBe(5);
    expect((await getCart(ctx, { user })).total_items).toBe(1);
    expect((await listOrders(ctx, user)).count).toBe(0);
  });

  it('needs an address id or a text of 1–500 characters', async () => {
    const [product, user] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 1]]);
    const neither = await createOrder(ctx, user, {});
    expect(neither.statusCode).toBe(400);
    expect(neither.json().code).toBe('validation_error');
    expect(Object.keys(neither.json().errors)).toEqual(expect.arrayContaining(['shipping_address']));
    expectProblem(await createOrder(ctx, user, { shipping_address: '' }), 400, 'validation_error', 'shipping_address');
    expectProblem(await createOrder(ctx, user, { shipping_address: '   ' }), 400, 'validation_error', 'shipping_address');
    expectProblem(
      await createOrder(ctx, user, { shipping_address: 'x'.repeat(501) }),
      400,
      'validation_error',
      'shipping_address',
    );
    expectProblem(await createOrder(ctx, user, { shipping_address_id: 'abc' }), 400, 'validation_error', 'shipping_address_id');
    expect((await listOrders(ctx, user)).count).toBe(0);
    const long = ok<OrderDetail>(await createOrder(ctx, user, { shipping_address: 'y'.repeat(500) }), 201);
    expect(long.shipping_address).toHaveLength(500);
  });
});

describe('create_order: refusals change nothing', () => {
  it('an empty cart (none at all, or emptied) is 400 cart_empty', async () => {
    const [product, user] = await Promise.all([makeProduct(shop), makeUser(ctx)]);
    expectProblem(await createOrder(ctx, user), 400, 'cart_empty');
    await fillCart(ctx, user, [[product.id, 1]]);
    ok(await send(ctx, 'DELETE', '/api/cart/clear/', { user }));
    expectProblem(await createOrder(ctx, user), 400, 'cart_empty');
    expect((await listOrders(ctx, user)).count).toBe(0);
  });

  it('stock reduced below the cart line is 400 insufficient_stock naming the product and numbers', async () => {
    const [ok1, short, user] = await Promise.all([
      makeProduct(shop, { stock: 10 }),
      makeProduct(shop, { stock: 5 }),
      makeUser(ctx),
    ]);
    const before = await fillCart(ctx, user, [
      [ok1.id, 2],
      [short.id, 3],
    ]);
    await patchProduct(shop, short.id, { stock: 2 });
    const res = await createOrder(ctx, user);
    const problem = expectProblem(res, 400, 'insufficient_stock');
    expect(problem.detail).toContain(short.name);
    expect(problem.detail).toMatch(/\b2 available\b/);
    expect(problem.detail).toMatch(/\b3 requested\b/);
    // nothing changed: stock, cart, orders
    expect(await stockOf(shop, ok1.id)).toBe(10);
    expect(await stockOf(shop, short.id)).toBe(2);
    const after = await getCart(ctx, { user });
    expect(after.items.map((i) => [i.id, i.quantity])).toEqual(before.items.map((i) => [i.id, i.quantity]));
    expect((await listOrders(ctx, user)).count).toBe(0);
    // once the stock is back, the same cart checks out
    await patchProduct(shop, short.id, { stock: 3 });
    ok(await createOrder(ctx, user), 201);
    expect(await stockOf(shop, short.id)).toBe(0);
    expect(await stockOf(shop, ok1.id)).toBe(8);
  });

  it('a product deactivated after it was added is 400 insufficient_stock', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { stock: 10 }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 1]]);
    await patchProduct(shop, product.id, { is_active: false });
    const problem = expectProblem(await createOrder(ctx, user), 400, 'insufficient_stock');
    expect(problem.detail).toContain(product.name);
    expect(await stockOf(shop, product.id)).toBe(10);
    expect((await getCart(ctx, { user })).total_items).toBe(1);
    expect((await listOrders(ctx, user)).count).toBe(0);
  });

  it('a product sold out by another buyer is 400 insufficient_stock', async () => {
    const [product, first, second] = await Promise.all([makeProduct(shop, { stock: 3 }), makeUser(ctx), makeUser(ctx)]);
    await fillCart(ctx, first, [[product.id, 2]]);
    await fillCart(ctx, second, [[product.id, 2]]);
    ok(await createOrder(ctx, first), 201);
    const problem = expectProblem(await createOrder(ctx, second), 400, 'insufficient_stock');
    expect(problem.detail).toMatch(/\b1 available\b/);
    expect(problem.detail).toMatch(/\b2 requested\b/);
    expect(await stockOf(shop, product.id)).toBe(1);
  });
});

describe('price snapshot', () => {
  it('keeps price_at_purchase and the total after the product price changes', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { price: '250.00', stock: 10 }), makeUser(ctx)]);
    await fillCart(ctx, user, [[product.id, 2]]);
    const order = ok<OrderDetail>(await createOrder(ctx, user), 201);
    await patchProduct(shop, product.id, { price: '999.99', name: `${product.name} renamed` });
    const detail = await getOrder(ctx, user, order.id);
    expect(detail.total_amount).toBe('500.00');
    expect(detail.items).toEqual([
      expect.objectContaining({
        product: product.id,
        product_name: product.name,
        quantity: 2,
        price_at_purchase: '250.00',
        subtotal: '500.00',
      }),
    ]);
    expect((await listOrders(ctx, user)).results[0]!.total_amount).toBe('500.00');
  });

  it('prices the order at the price current at checkout, not when added to the cart', async () => {
    const [product, user] = await Promise.all([makeProduct(shop, { price: '10.00', stock: 10 }), makeUser(ctx)]);
    const cart: Cart = await fillCart(ctx, user, [[product.id, 3]]);
    expect(cart.total_amount).toBe('30.00');
    await patchProduct(shop, product.id, { price: '11.50' });
    const order = ok<OrderDetail>(await createOrder(ctx, user), 201);
    expect(order.total_amount).toBe('34.50');
    expect(order.items[0]!.price_at_purchase).toBe('11.50');
  });
});
