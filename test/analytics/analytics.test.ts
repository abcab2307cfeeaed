import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories, orders } from '../../src/db/schema/index.js';
import { lockOrderRow, setPaymentStatus } from '../../src/modules/orders/service.js';
import { rebuildStats } from '../../src/modules/orders/stats.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, insertProducts, makeAdmin, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { defaultVariantOf, insertVariants } from '../helpers/variants.js';

/** Global figures: this file runs on a database of its own, so every number is known. */
let ctx: TestContext;
let admin: TestUser;
let categoryId: number;
const ids: Record<string, number> = {};

beforeAll(async () => {
  ctx = await buildTestApp({ LOW_STOCK_THRESHOLD: '5' }, { isolated: true });
  admin = await makeAdmin(ctx);
  const [cat] = await ctx.database.db.insert(categories).values({ name: 'Analytics', slug: 'analytics-cat' }).returning();
  categoryId = cat!.id;
});
afterAll(async () => ctx?.close());

async function product(key: string, price: string, stock = 100) {
  const name = `${key} ${unique()}`;
  const [row] = await insertProducts(ctx, [{ name, slug: name.replace(/\s+/g, '-').toLowerCase(), price, stock, categoryId }]);
  ids[key] = row!.id;
  return row!;
}

async function order(user: TestUser, lines: [string, number][], createdAt?: string) {
  for (const [key, quantity] of lines) {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/cart/add/',
      headers: bearer(user.access),
      payload: { product_id: ids[key], quantity },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/orders/create_order/',
    headers: bearer(user.access),
    payload: { shipping_address: '1 Report Road, Delhi, DL, 110001, India' },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as number;
  if (createdAt) await ctx.database.db.update(orders).set({ createdAt: new Date(createdAt) }).where(eq(orders.id, id));
  return id;
}

const setStatus = (id: number, status: string) =>
  ctx.app.inject({
    method: 'PATCH',
    url: `/api/orders/${id}/update_status/`,
    headers: bearer(admin.access),
    payload: { status, ...(status === 'paid' ? { payment: { method: 'bank_transfer', reference: `NEFT-${id}` } } : {}) },
  });

const get = (url: string, user = admin) => ctx.app.inject({ method: 'GET', url, headers: bearer(user.access) });

describe('analytics', () => {
  let buyer: TestUser;
  beforeAll(async () => {
    buyer = await makeUser(ctx);
    await product('A', '100.00');
    await product('B', '250.50');
    await product('C', '10.00', 3);
    await product('D', '50.00');
    const o1 = await order(buyer, [['A', 2], ['B', 1]], '2026-03-10T20:00:00Z'); // 450.50
    const o2 = await order(buyer, [['B', 2]], '2026-03-12T10:00:00Z'); // 501.00
    await order(buyer, [['C', 2]]); // 20.00, never paid
    const o4 = await order(buyer, [['A', 1]], '2026-03-12T11:00:00Z'); // 100.00, refunded
    const o5 = await order(buyer, [['D', 2]], '2026-03-12T12:00:00Z'); // 100.00, paid: D ties A on units
    for (const id of [o1, o2, o4, o5]) expect((await setStatus(id, 'paid')).statusCode).toBe(200);
    expect((await setStatus(o4, 'cancelled')).statusCode).toBe(200);
    await ctx.database.db.transaction(async (tx) => {
      await setPaymentStatus(tx, (await lockOrderRow(tx, o4))!, 'refunded');
    });
  });

  it('dashboard figures match the orders, refunded and unpaid excluded', async () => {
    const res = await get('/api/analytics/dashboard/');
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d.total_revenue).toBe('1051.50'); // 450.50 + 501 + 100
    expect(d.average_order_value).toBe('350.50'); // 1051.50 / 3
    // No promotions or shipping methods here; GST 18% (the default class) within each line:
    // o1 30.51 + 38.21, o2 76.42, o5 15.25.
    expect([d.total_discount, d.total_shipping, d.total_tax]).toEqual(['0.00', '0.00', '160.39']);
    expect(d.total_orders).toBe(5);
    expect(Object.fromEntries(d.orders_by_status.map((s: { status: string; count: number }) => [s.status, s.count])))
      .toEqual({ pending: 1, paid: 3, processing: 0, shipped: 0, delivered: 0, cancelled: 1, payment_failed: 0 });
    // B: 3 units; A and D tie on 2 units (A has 2 left after the refund), A's revenue is higher.
    // Each product here has its default variant alone, which sold all of its units.
    const only = async (key: string, units: number) => [
      { variant_id: await defaultVariantOf(ctx, ids[key]!), sku: expect.stringMatching(/^[a-d]-/), title: 'Default', units },
    ];
    expect(d.top_products).toEqual([
      { product_id: ids.B, product_name: expect.stringMatching(/^B /), total_sold: 3, revenue: '751.50', variants: await only('B', 3) },
      { product_id: ids.A, product_name: expect.stringMatching(/^A /), total_sold: 2, revenue: '200.00', variants: await only('A', 2) },
      { product_id: ids.D, product_name: expect.stringMatching(/^D /), total_sold: 2, revenue: '100.00', variants: await only('D', 2) },
    ]);
    expect(d.low_stock_products).toEqual([{ id: ids.C, name: expect.stringMatching(/^C /), stock: 1, category_name: 'Analytics' }]);
    expect(d.recent_orders).toHaveLength(5);
    expect(d.recent_orders[0]).toMatchObject({ status: 'pending', total_amount: '20.00', items_count: 1 });
    expect(d.total_products).toBe(4);
    expect(d.total_categories).toBe(1);
    const alias = await get('/api/products/analytics/');
    expect(alias.json()).toEqual(d);
  });

  it('breaks sales down per day with zero days, in the requested time zone', async () => {
    const none = { discount: '0.00', shipping: '0.00', tax: '0.00' };
    const utc = (await get('/api/analytics/sales-report/?start_date=2026-03-09&end_date=2026-03-13&tz=UTC')).json();
    expect(utc).toEqual({
      period_days: 5,
      start_date: '2026-03-09',
      end_date: '2026-03-13',
      total_orders: 3,
      total_revenue: '1051.50',
      average_order_value: '350.50',
      total_discount: '0.00',
      total_shipping: '0.00',
      total_tax: '160.39',
      daily_breakdown: [
        { day: '2026-03-09', total: '0.00', count: 0, ...none },
        { day: '2026-03-10', total: '450.50', count: 1, ...none, tax: '68.72' },
        { day: '2026-03-11', total: '0.00', count: 0, ...none },
        { day: '2026-03-12', total: '601.00', count: 2, ...none, tax: '91.67' },
        { day: '2026-03-13', total: '0.00', count: 0, ...none },
      ],
    });
    // 20:00 UTC on the 10th is 01:30 on the 11th in India.
    const india = (await get('/api/orders/sales_report/?start_date=2026-03-10&end_date=2026-03-12&tz=Asia/Kolkata')).json();
    expect(india.daily_breakdown).toEqual([
      { day: '2026-03-10', total: '0.00', count: 0, ...none },
      { day: '2026-03-11', total: '450.50', count: 1, ...none, tax: '68.72' },
      { day: '2026-03-12', total: '601.00', count: 2, ...none, tax: '91.67' },
    ]);
  });

  it('defaults to the last 30 days ending today and exports CSV', async () => {
    const report = (await get('/api/analytics/sales-report/')).json();
    expect(report.period_days).toBe(30);
    expect(report.daily_breakdown).toHaveLength(30);
    expect(report.end_date).toBe(new Date().toISOString().slice(0, 10));
    const csv = await get('/api/analytics/sales-report/?start_date=2026-03-10&end_date=2026-03-12&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('sales-report-2026-03-10-to-2026-03-12.csv');
    // API.md's three columns first, then the components.
    expect(csv.body).toBe(
      'day,total,count,discount,shipping,tax\r\n' +
        '2026-03-10,450.50,1,0.00,0.00,68.72\r\n2026-03-11,0.00,0,0.00,0.00,0.00\r\n2026-03-12,601.00,2,0.00,0.00,91.67\r\n',
    );
  });

  it('keeps running totals equal to a recomputation from the orders', async () => {
    const running = (await get('/api/analytics/dashboard/')).json();
    const report = (await get('/api/analytics/sales-report/?start_date=2026-03-01&end_date=2026-03-31')).json();
    await ctx.database.db.transaction((tx) => rebuildStats(tx));
    expect((await get('/api/analytics/dashboard/')).json()).toEqual(running);
    expect((await get('/api/analytics/sales-report/?start_date=2026-03-01&end_date=2026-03-31')).json()).toEqual(report);
  });

  it.each([
    ['?start_date=2026-03-12&end_date=2026-03-10', 'end_date'],
    ['?start_date=2025-01-01&end_date=2026-03-10', 'end_date'],
    ['?start_date=2026-03-10', 'end_date'],
    ['?days=0', 'days'],
    ['?days=367', 'days'],
    ['?days=5&start_date=2026-03-10&end_date=2026-03-11', 'days'],
    ['?tz=Mars/Olympus', 'tz'],
    ['?start_date=2026-02-30&end_date=2026-03-01', 'start_date'],
  ])('rejects %s naming %s', async (query, field) => {
    expectProblem(await get(`/api/analytics/sales-report/${query}`), 400, 'validation_error', field);
  });

  it('splits a top product’s units per variant (paid orders only), most sold first', async () => {
    const e = await product('E', '10.00', 1);
    const [small, medium] = await insertVariants(ctx, e.id, [
      { options: { Size: 'S' }, price: '10.00', stock: 20, title: 'Small', sku: `E-S-${e.id}` },
      { options: { Size: 'M' }, price: '12.00', stock: 20, title: 'Medium', sku: `E-M-${e.id}` },
    ]);
    const buyE = async (lines: [number, number][]) => {
      const user = await makeUser(ctx);
      for (const [variant_id, quantity] of lines) {
        const res = await ctx.app.inject({
          method: 'POST',
          url: '/api/cart/add/',
          headers: bearer(user.access),
          payload: { variant_id, quantity },
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/orders/create_order/',
        headers: bearer(user.access),
        payload: { shipping_address: '1 Report Road, Delhi, DL, 110001, India' },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    };
    const paid = await buyE([
      [small!, 1],
      [medium!, 4],
    ]);
    const paidToo = await buyE([[small!, 2]]);
    await buyE([[small!, 9]]); // never paid
    for (const id of [paid, paidToo]) expect((await setStatus(id, 'paid')).statusCode).toBe(200);
    const d = (await get('/api/analytics/dashboard/')).json();
    expect(d.top_products[0]).toEqual({
      product_id: e.id,
      product_name: e.name,
      total_sold: 7,
      revenue: '78.00',
      variants: [
        { variant_id: medium, sku: `E-M-${e.id}`, title: 'Medium', units: 4 },
        { variant_id: small, sku: `E-S-${e.id}`, title: 'Small', units: 3 },
      ],
    });
  });

  it('is for admins only', async () => {
    for (const url of ['/api/analytics/dashboard/', '/api/products/analytics/', '/api/analytics/sales-report/', '/api/orders/sales_report/']) {
      expect((await ctx.app.inject({ method: 'GET', url })).statusCode).toBe(401);
      expect((await get(url, buyer)).statusCode).toBe(403);
    }
  });
});
