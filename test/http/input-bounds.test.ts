/**
 * API-v2 §0 input bounds, as a class: bodies carry JSON types and are never coerced;
 * queries and path parameters carry numbers as text, but only finite decimal integers in
 * range. Every refusal is a 400 problem+json naming the field, and writes nothing.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { call, catalogActors, type Category, type ProductDetail } from '../helpers/catalog.js';
import { makeCategory, makeProduct, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

let ctx: TestContext;
let admin: TestUser;
let user: TestUser;
let category: Category;
let product: ProductDetail;

beforeAll(async () => {
  ctx = await buildTestApp();
  ({ admin, user } = await catalogActors(ctx));
  category = await makeCategory(ctx, admin);
  product = await makeProduct({ ctx, admin, categoryId: category.id }, { stock: 10 });
});
afterAll(async () => ctx?.close());

/** Text that is not a finite decimal integer, or one out of every id's range. */
const NOT_AN_ID = ['Infinity', '-Infinity', '1e3', '1e300', '0x10', '%201', '1%20', '12abc', '1.0', '0', '-1', '2147483648'];

describe('bodies are never coerced', () => {
  it('refuses other types for cart quantities and product ids, and the cart stays empty', async () => {
    const bodies: [Record<string, unknown>, string][] = [
      [{ product_id: 'Infinity' }, 'product_id'],
      [{ product_id: '-Infinity' }, 'product_id'],
      [{ product_id: true }, 'product_id'],
      [{ product_id: String(product.id) }, 'product_id'],
      [{ product_id: [product.id] }, 'product_id'],
      [{ product_id: product.id, quantity: [2] }, 'quantity'],
      [{ product_id: product.id, quantity: true }, 'quantity'],
      [{ product_id: product.id, quantity: '2' }, 'quantity'],
      [{ product_id: product.id, quantity: null }, 'quantity'],
    ];
    for (const [body, field] of bodies) {
      const res = await call(ctx, 'POST', '/api/cart/add/', user, body);
      expectProblem(res, 400, 'validation_error', field);
    }
    const cart = await call(ctx, 'GET', '/api/cart/', user);
    expect(cart.json()).toMatchObject({ items: [], total_items: 0 });

    // The same request with JSON types works; unknown fields are still ignored and the
    // quantity still defaults to 1, as v1 clients expect.
    const added = await call(ctx, 'POST', '/api/cart/add/', user, { product_id: product.id, note: 'gift' });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toMatchObject({ total_items: 1 });
    const lineId = added.json().items[0].id as number;
    for (const quantity of [[3], '3', true]) {
      const res = await call(ctx, 'PATCH', `/api/cart/items/${lineId}/`, user, { quantity });
      expectProblem(res, 400, 'validation_error', 'quantity');
    }
    expect((await call(ctx, 'GET', '/api/cart/', user)).json()).toMatchObject({ total_items: 1 });
  });

  it('refuses other types in catalog writes, and nothing is created or changed', async () => {
    const name = unique('Typed ');
    const good = { name, price: '10.00', stock: 5, category: category.id };
    const bodies: [Record<string, unknown>, string][] = [
      [{ ...good, price: [1] }, 'price'],
      [{ ...good, price: true }, 'price'],
      [{ ...good, stock: true }, 'stock'],
      [{ ...good, stock: '5' }, 'stock'],
      [{ ...good, stock: [5] }, 'stock'],
      [{ ...good, category: String(category.id) }, 'category'],
      [{ ...good, category: 'Infinity' }, 'category'],
      [{ ...good, is_active: 'false' }, 'is_active'],
      [{ ...good, is_featured: 1 }, 'is_featured'],
    ];
    for (const [body, field] of bodies) {
      expectProblem(await call(ctx, 'POST', '/api/products/', admin, body), 400, 'validation_error', field);
    }
    const list = await call(ctx, 'GET', `/api/products/?search=${encodeURIComponent(name)}`, admin);
    expect(list.json().count).toBe(0);

    for (const [body, field] of [
      [{ is_active: 'false' }, 'is_active'],
      [{ stock: '0' }, 'stock'],
    ] as const) {
      expectProblem(await call(ctx, 'PATCH', `/api/products/${product.id}/`, admin, body), 400, 'validation_error', field);
    }
    const after = (await call(ctx, 'GET', `/api/products/${product.id}/`, admin)).json();
    expect(after).toMatchObject({ is_active: true, stock: 10 });

    // A parent given as text or false was once coerced (false became "no parent").
    const child = await makeCategory(ctx, admin, { parent: category.id });
    for (const parent of [String(category.id), false, [category.id], 'Infinity']) {
      expectProblem(await call(ctx, 'PATCH', `/api/categories/${child.slug}/`, admin, { parent }), 400, 'validation_error', 'parent');
    }
    expect((await call(ctx, 'GET', `/api/categories/${child.slug}/`)).json()).toMatchObject({ parent: category.id });
  });

  it('refuses ids that are not JSON integers in range in order, payment and admin bodies', async () => {
    const shopper = await makeUser(ctx);
    for (const shipping_address_id of ['Infinity', '1', true, [1], 2_147_483_648, 1e300]) {
      const res = await call(ctx, 'POST', '/api/orders/', shopper, { shipping_address_id });
      expectProblem(res, 400, 'validation_error', 'shipping_address_id');
    }
    for (const order_id of ['Infinity', '-Infinity', '1', true, [1], 0]) {
      expectProblem(await call(ctx, 'POST', '/api/payments/initiate/', shopper, { order_id }), 400, 'validation_error', 'order_id');
      const verify = { order_id, razorpay_order_id: 'order_x', razorpay_payment_id: 'pay_x', razorpay_signature: 'sig' };
      expectProblem(await call(ctx, 'POST', '/api/payments/verify/', shopper, verify), 400, 'validation_error', 'order_id');
    }
    // "false" was coerced to false: a string deactivated the account.
    for (const is_active of ['false', 0, null]) {
      const res = await call(ctx, 'PATCH', `/api/admin/users/${shopper.id}/`, admin, { is_active });
      expectProblem(res, 400, 'validation_error', 'is_active');
    }
    const [row] = await ctx.database.db.select({ isActive: users.isActive }).from(users).where(eq(users.id, shopper.id));
    expect(row!.isActive).toBe(true);
  });
});

describe('query strings and path parameters carry only finite decimal integers in range', () => {
  const PAGED = [
    '/api/categories/',
    '/api/products/',
    '/api/orders/',
    '/api/admin/users/',
    '/api/admin/payments/',
    '/api/admin/webhook-events/',
  ];
  const BAD_PAGES = [
    'Infinity',
    '-Infinity',
    '1e300',
    '1e2',
    '1000000000000000000',
    '100001',
    '99999999999999999999999',
    '12abc',
    '0x10',
    '%201',
    '1.5',
    '0',
    '',
  ];

  it('answers 400 naming page or page_size on every paged list', async () => {
    for (const url of PAGED) {
      for (const page of BAD_PAGES) {
        expectProblem(await call(ctx, 'GET', `${url}?page=${page}`, admin), 400, 'validation_error', 'page');
      }
      // A repeated parameter is a list where one value is expected.
      expectProblem(await call(ctx, 'GET', `${url}?page=1&page=2`, admin), 400, 'validation_error', 'page');
      for (const size of ['Infinity', '1e1', '101', '0', '0x10']) {
        expectProblem(await call(ctx, 'GET', `${url}?page_size=${size}`, admin), 400, 'validation_error', 'page_size');
      }
      // The highest page is accepted (past the last one it is the usual 404).
      expectProblem(await call(ctx, 'GET', `${url}?page=100000`, admin), 404, 'not_found');
      const first = await call(ctx, 'GET', `${url}?page=1&page_size=1`, admin);
      expect(first.statusCode, `${url}: ${first.body}`).toBe(200);
    }
  });

  it('answers 400 naming id for every id in a path that is not an integer in 1..2147483647', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/orders/{}/'],
      ['POST', '/api/orders/{}/cancel/'],
      ['PATCH', '/api/orders/{}/update_status/'],
      ['GET', '/api/admin/users/{}/'],
      ['PATCH', '/api/admin/users/{}/'],
      ['PUT', '/api/products/{}/'],
      ['PATCH', '/api/products/{}/'],
      ['DELETE', '/api/products/{}/'],
      ['PATCH', '/api/cart/items/{}/'],
      ['DELETE', '/api/cart/items/{}/'],
      ['GET', '/api/auth/addresses/{}/'],
      ['PUT', '/api/auth/addresses/{}/'],
      ['PATCH', '/api/auth/addresses/{}/'],
      ['DELETE', '/api/auth/addresses/{}/'],
    ];
    for (const [method, pattern] of routes) {
      for (const id of NOT_AN_ID) {
        const res = await call(ctx, method as 'GET', pattern.replace('{}', id), admin, method === 'GET' || method === 'DELETE' ? undefined : {});
        expect(res.statusCode, `${method} ${pattern} ${id}: ${res.body}`).toBe(400);
        expectProblem(res, 400, 'validation_error', 'id');
      }
    }
    // Plain decimal text still works.
    expect((await call(ctx, 'GET', `/api/admin/users/${user.id}/`, admin)).statusCode).toBe(200);
    expect((await call(ctx, 'GET', `/api/products/${product.id}/`)).statusCode).toBe(200);
  });

  it('bounds ids, counts and flags in query strings', async () => {
    const cases: [string, string][] = [
      ['/api/orders/?user=Infinity', 'user'],
      ['/api/orders/?user=1e3', 'user'],
      ['/api/orders/?user=2147483648', 'user'],
      ['/api/admin/payments/?order=-Infinity', 'order'],
      ['/api/admin/payments/?order=0x10', 'order'],
      ['/api/products/low_stock/?threshold=Infinity', 'threshold'],
      ['/api/products/low_stock/?threshold=1e3', 'threshold'],
      ['/api/products/?in_stock=1', 'in_stock'],
      ['/api/products/?in_stock=true&in_stock=false', 'in_stock'],
      ['/api/admin/users/?is_staff=yes', 'is_staff'],
      ['/api/products/?category=' + 'c'.repeat(121), 'category'],
    ];
    for (const [url, field] of cases) {
      expectProblem(await call(ctx, 'GET', url, admin), 400, 'validation_error', field);
    }
    for (const url of [
      `/api/orders/?user=${user.id}`,
      `/api/admin/payments/?order=1`,
      '/api/products/low_stock/?threshold=1000',
      '/api/products/?in_stock=true',
      '/api/admin/users/?is_staff=false',
    ]) {
      const res = await call(ctx, 'GET', url, admin);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
  });
});

describe('sales report bounds', () => {
  const report = (query: string) => call(ctx, 'GET', `/api/analytics/sales-report/?${query}`, admin);

  it('accepts dates from 1900-01-01 to 9999-12-31 only', async () => {
    for (const [query, field] of [
      ['start_date=0000-01-01&end_date=0000-01-02', 'start_date'],
      ['start_date=1899-12-31&end_date=1900-01-01', 'start_date'],
      ['start_date=0001-01-01&end_date=0001-01-01', 'start_date'],
      ['start_date=2026-01-01&end_date=0000-01-02', 'end_date'],
    ]) {
      expectProblem(await report(query!), 400, 'validation_error', field);
    }
    for (const query of ['start_date=1900-01-01&end_date=1900-01-02', 'start_date=9999-12-30&end_date=9999-12-31&tz=Asia/Kolkata']) {
      const res = await report(query);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(200);
      expect(res.json().daily_breakdown).toHaveLength(2);
    }
  });

  it('accepts only time zones PostgreSQL knows', async () => {
    for (const tz of ['US/Pacific-New', 'Mars/Olympus', 'EST5EDT,M3.2.0,M11.1.0', 'UTC+5']) {
      expectProblem(await report(`days=2&tz=${encodeURIComponent(tz)}`), 400, 'validation_error', 'tz');
    }
    for (const tz of ['UTC', 'Asia/Kolkata', 'america/new_york']) {
      const res = await report(`days=2&tz=${encodeURIComponent(tz)}`);
      expect(res.statusCode, `${tz}: ${res.body}`).toBe(200);
    }
  });

  it('refuses days that are not a finite integer in 1..366', async () => {
    for (const days of ['-Infinity', 'Infinity', '1e2', '0x10', '367', '0', '1&days=2']) {
      expectProblem(await report(`days=${days}`), 400, 'validation_error', 'days');
    }
  });
});
