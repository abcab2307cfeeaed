import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../src/db/schema/index.js';
import { lockOrderRow, setPaymentStatus } from '../../src/modules/orders/service.js';
import { rebuildStats } from '../../src/modules/orders/stats.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeProduct, makeShop, makeUser, placeOrder, type TestUser } from '../helpers/factories.js';
import { expectCountersMatchOrders } from '../helpers/stats.js';

/**
 * The dashboard's and sales report's discount, shipping and tax totals: the paid orders'
 * discount_total, shipping_total and tax_total, kept by the running totals as orders become
 * paid or unpaid. Orders are placed through the API, then given their money directly (as a
 * checkout with a promotion and a shipping method would have), before they are paid. Its own
 * database, so that every figure is known.
 */
let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp({}, { isolated: true });
});
afterAll(async () => ctx?.close());

interface Money {
  subtotal: string;
  discount: string;
  shipping: string;
  total: string;
  tax: { cgst?: string; sgst?: string; igst?: string; total: string };
}

/** Places an order of one line worth `money.subtotal`, then gives it these totals and this creation time. */
async function order(user: TestUser, productId: number, money: Money, createdAt: string): Promise<number> {
  const placed = await placeOrder(ctx, user, [[productId, 1]]);
  await ctx.database.db
    .update(orders)
    .set({
      subtotal: money.subtotal,
      discountTotal: money.discount,
      shippingTotal: money.shipping,
      totalAmount: money.total,
      taxTotal: money.tax.total,
      cgst: money.tax.cgst ?? '0',
      sgst: money.tax.sgst ?? '0',
      igst: money.tax.igst ?? '0',
      createdAt: new Date(createdAt),
    })
    .where(eq(orders.id, placed.id));
  return placed.id;
}

const get = (url: string) => ctx.app.inject({ method: 'GET', url, headers: bearer(admin.access) });

async function setStatus(id: number, status: string) {
  const res = await ctx.app.inject({
    method: 'PATCH',
    url: `/api/orders/${id}/update_status/`,
    headers: bearer(admin.access),
    payload: { status, ...(status === 'paid' ? { payment: { method: 'bank_transfer', reference: `NEFT-${id}` } } : {}) },
  });
  expect(res.statusCode, res.body).toBe(200);
}

describe('analytics: discount, shipping and tax of paid orders', () => {
  let ids: number[];
  beforeAll(async () => {
    const shop = await makeShop(ctx);
    admin = shop.admin;
    const product = await makeProduct(shop, { price: '1000.00', stock: 100 });
    const buyer = await makeUser(ctx);
    ids = [
      // Paid: 10% off, 50.00 shipping, IGST.
      await order(
        buyer,
        product.id,
        { subtotal: '1000.00', discount: '100.00', shipping: '50.00', total: '950.00', tax: { igst: '137.29', total: '137.29' } },
        '2026-04-10T10:00:00Z',
      ),
      // Paid: no discount, 40.00 shipping, CGST + SGST.
      await order(
        buyer,
        product.id,
        {
          subtotal: '1000.00',
          discount: '0.00',
          shipping: '40.00',
          total: '1040.00',
          tax: { cgst: '76.27', sgst: '76.27', total: '152.54' },
        },
        '2026-04-11T10:00:00Z',
      ),
      // Paid, then cancelled and refunded in full: out of every total again.
      await order(
        buyer,
        product.id,
        { subtotal: '1000.00', discount: '999.99', shipping: '0.00', total: '0.01', tax: { igst: '0.01', total: '0.01' } },
        '2026-04-11T11:00:00Z',
      ),
      // Never paid.
      await order(
        buyer,
        product.id,
        { subtotal: '1000.00', discount: '300.00', shipping: '70.00', total: '770.00', tax: { igst: '106.78', total: '106.78' } },
        '2026-04-11T12:00:00Z',
      ),
    ];
    for (const id of ids.slice(0, 3)) await setStatus(id, 'paid');
    await setStatus(ids[2]!, 'cancelled');
    await ctx.database.db.transaction(async (tx) => {
      await setPaymentStatus(tx, (await lockOrderRow(tx, ids[2]!))!, 'refunded');
    });
  });

  it('the dashboard adds them up', async () => {
    const res = await get('/api/analytics/dashboard/');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      total_revenue: '1990.00',
      average_order_value: '995.00',
      total_discount: '100.00',
      total_shipping: '90.00',
      total_tax: '289.83',
    });
  });

  it('the sales report has them per day and for the period, in JSON and CSV', async () => {
    const res = await get('/api/analytics/sales-report/?start_date=2026-04-10&end_date=2026-04-12&tz=UTC');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      period_days: 3,
      start_date: '2026-04-10',
      end_date: '2026-04-12',
      total_orders: 2,
      total_revenue: '1990.00',
      average_order_value: '995.00',
      total_discount: '100.00',
      total_shipping: '90.00',
      total_tax: '289.83',
      daily_breakdown: [
        { day: '2026-04-10', total: '950.00', count: 1, discount: '100.00', shipping: '50.00', tax: '137.29' },
        { day: '2026-04-11', total: '1040.00', count: 1, discount: '0.00', shipping: '40.00', tax: '152.54' },
        { day: '2026-04-12', total: '0.00', count: 0, discount: '0.00', shipping: '0.00', tax: '0.00' },
      ],
    });
    const csv = await get('/api/orders/sales_report/?start_date=2026-04-10&end_date=2026-04-11&tz=UTC&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toBe(
      'day,total,count,discount,shipping,tax\r\n2026-04-10,950.00,1,100.00,50.00,137.29\r\n2026-04-11,1040.00,1,0.00,40.00,152.54\r\n',
    );
  });

  it('the running totals equal a recomputation from the orders, and a rebuild changes nothing', async () => {
    await expectCountersMatchOrders(ctx.database);
    const dashboard = (await get('/api/analytics/dashboard/')).json();
    const report = (await get('/api/analytics/sales-report/?start_date=2026-04-01&end_date=2026-04-30')).json();
    await ctx.database.db.transaction((tx) => rebuildStats(tx));
    await expectCountersMatchOrders(ctx.database);
    expect((await get('/api/analytics/dashboard/')).json()).toEqual(dashboard);
    expect((await get('/api/analytics/sales-report/?start_date=2026-04-01&end_date=2026-04-30')).json()).toEqual(report);
  });

  it('an order that becomes unpaid takes its components back out', async () => {
    // Cancelling the paid 950.00 order and refunding it in full.
    await setStatus(ids[0]!, 'cancelled');
    await ctx.database.db.transaction(async (tx) => {
      await setPaymentStatus(tx, (await lockOrderRow(tx, ids[0]!))!, 'refunded');
    });
    expect((await get('/api/analytics/dashboard/')).json()).toMatchObject({
      total_revenue: '1040.00',
      total_discount: '0.00',
      total_shipping: '40.00',
      total_tax: '152.54',
    });
    const report = (await get('/api/analytics/sales-report/?start_date=2026-04-10&end_date=2026-04-10&tz=UTC')).json();
    expect(report.daily_breakdown).toEqual([
      { day: '2026-04-10', total: '0.00', count: 0, discount: '0.00', shipping: '0.00', tax: '0.00' },
    ]);
    await expectCountersMatchOrders(ctx.database);
  });
});
