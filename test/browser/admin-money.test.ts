import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderItems, orders } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeProduct, makeShop, makeUser, PASSWORD, placeOrder, type TestUser } from '../helpers/factories.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each screen, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-money-screens');

let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let admin: TestUser;

async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const text = (testId: string) => page.getByTestId(testId).first().innerText();

describe.skipIf(!hasChromium)('admin app: order money breakdown and analytics components in headless Chromium', () => {
  let orderId: number;

  beforeAll(async () => {
    // A database of its own: the dashboard's figures are shop-wide.
    ctx = await buildTestApp({}, { isolated: true });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const address = ctx.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    admin = await makeAdmin(ctx);
    const shop = await makeShop(ctx, admin);
    const shirt = await makeProduct(shop, { name: unique('Linen shirt '), price: '1180.00', stock: 20 });
    const cap = await makeProduct(shop, { name: unique('Cap '), price: '590.00', stock: 20 });
    const buyer = await makeUser(ctx);
    // Placed through the API, then given the money a checkout with code SAVE10 (10% off) and
    // the "Standard" method within the shop's state would have given it: shirt 1180 and cap
    // 590 = 1770, −177.00 split 118.00 / 59.00, +60.00 shipping = 1653.00; GST 18% of each
    // line after its discount: 162.00 + 81.00 = 243.00, CGST + SGST halves.
    const placed = await placeOrder(ctx, buyer, [
      [shirt.id, 1],
      [cap.id, 1],
    ]);
    orderId = placed.id;
    await ctx.database.db
      .update(orders)
      .set({
        subtotal: '1770.00',
        discountTotal: '177.00',
        shippingTotal: '60.00',
        totalAmount: '1653.00',
        taxTotal: '243.00',
        cgst: '121.50',
        sgst: '121.50',
        igst: '0',
        promotionCode: 'SAVE10',
        shippingMethodName: 'Standard',
      })
      .where(eq(orders.id, orderId));
    for (const [productId, discount, tax] of [
      [shirt.id, '118.00', '162.00'],
      [cap.id, '59.00', '81.00'],
    ] as const) {
      await ctx.database.db
        .update(orderItems)
        .set({ discount, taxRate: '18.00', taxAmount: tax })
        .where(eq(orderItems.productId, productId));
    }
    const paid = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/orders/${orderId}/update_status/`,
      headers: bearer(admin.access),
      payload: { status: 'paid', payment: { method: 'upi', reference: 'UPI-1653' } },
    });
    expect(paid.statusCode, paid.body).toBe(200);

    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/admin/`);
    await page.getByLabel('Username or email').fill(admin.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    ctx?.app.server.closeAllConnections();
    await ctx?.close();
  });

  it('the order view shows subtotal, discount with its code, shipping with its method, tax by component and the total', async () => {
    await page.goto(`${base}/admin/orders/${orderId}`);
    await page.getByTestId('order-totals').waitFor();
    expect(await text('total-subtotal')).toBe('₹1,770.00');
    expect(await text('total-discount')).toBe('−₹177.00');
    expect(await text('promotion-code')).toBe('SAVE10');
    expect(await text('total-shipping')).toBe('₹60.00');
    expect(await text('shipping-method')).toContain('Standard');
    expect(await text('total-amount')).toBe('₹1,653.00');
    expect(await text('total-tax')).toBe('₹243.00');
    expect(await text('tax-breakdown')).toBe('(CGST ₹121.50 + SGST ₹121.50)');
    // Each line's share of the discount and the tax in it, with its rate.
    const discounts = await page.getByTestId('item-discount').allInnerTexts();
    expect(discounts.sort()).toEqual(['−₹118.00', '−₹59.00']);
    const taxes = await page.getByTestId('item-tax').allInnerTexts();
    expect(taxes.map((t) => t.replace(/\s+/g, ' ')).sort()).toEqual(['₹162.00 GST 18%', '₹81.00 GST 18%']);
    await page.getByTestId('order-totals').scrollIntoViewIfNeeded();
    await shot('01-order-breakdown');
  });

  it('the dashboard and the sales report show the discount, shipping and tax of paid orders', async () => {
    await page.goto(`${base}/admin/`);
    await page.getByTestId('revenue-components').waitFor();
    expect(await text('stat-revenue')).toBe('₹1,653.00');
    expect(await text('stat-discount')).toBe('₹177.00');
    expect(await text('stat-shipping')).toBe('₹60.00');
    expect(await text('stat-tax')).toBe('₹243.00');
    await page.getByTestId('report-components').waitFor();
    expect(await text('report-discount')).toBe('₹177.00');
    expect(await text('report-shipping')).toBe('₹60.00');
    expect(await text('report-tax')).toBe('₹243.00');
    await shot('02-dashboard-components');
  });
});
