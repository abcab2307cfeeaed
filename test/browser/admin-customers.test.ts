/**
 * The admin's order operations in headless Chromium: shipping with tracking, the customer
 * column and page, search by customer and the CSV export, at desktop and phone widths.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import {
  makeAddress,
  makeAdmin,
  makeProduct,
  makeShop,
  makeUser,
  PASSWORD,
  placeOrder,
  type TestUser,
} from '../helpers/factories.js';
import { CASH, ok, send } from '../helpers/shop.js';
import type { Schemas } from '../helpers/client.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each screen, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-customers-screens');

let ctx: TestContext;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: TestUser;
let shopper: TestUser;
let orders: Schemas['OrderDetail'][];

async function shot(name: string, target: Page = page) {
  await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Nothing on the page is wider than the window (tables scroll inside their own box). */
async function expectNoSidewaysScroll(target: Page) {
  const widths = await target.evaluate<{ page: number; window: number }>(
    '({ page: document.documentElement.scrollWidth, window: window.innerWidth })',
  );
  expect(widths.page).toBeLessThanOrEqual(widths.window);
}

describe.skipIf(!hasChromium)('admin order operations in headless Chromium', () => {
  beforeAll(async () => {
    ctx = await buildTestApp({}, { isolated: true });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    admin = await makeAdmin(ctx);
    const shop = await makeShop(ctx, admin);
    const name = unique('asha_');
    shopper = await makeUser(ctx, {
      username: name,
      email: `${name}@mail.example`,
      first_name: 'Asha',
      last_name: 'Rao',
    });
    await makeAddress(ctx, shopper, {
      street_address: '7 Lake View Road',
      city: 'Udaipur',
      state: 'Rajasthan',
      postal_code: '313001',
    });
    const product = await makeProduct(shop, { name: 'Brass Lamp', price: '1250.00', stock: 10 });
    orders = [
      await placeOrder(ctx, shopper, [[product.id, 1]]),
      await placeOrder(ctx, shopper, [[product.id, 2]]),
    ];
    for (const status of ['paid', 'processing']) {
      ok(
        await send(
          ctx,
          'PATCH',
          `/api/orders/${orders[1]!.id}/update_status/`,
          { user: admin },
          { status, ...(status === 'paid' ? { payment: CASH } : {}) },
        ),
      );
    }
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({
      viewport: { width: 1366, height: 768 },
      timezoneId: 'Asia/Kolkata',
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
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
    console.info(`[browser tests] customer screenshots in ${ARTIFACTS}`);
  });

  it('finds orders by a part of the customer’s e-mail and opens the customer from the list', async () => {
    await page.goto(`${base}/admin/orders`);
    const rows = page.getByTestId('orders-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByTestId('order-customer').first().textContent()).toContain(
      shopper.username,
    );
    await page.getByLabel('Order number, e-mail or username').fill('@MAIL.exam');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.url()).toContain('search=%40MAIL.exam');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel('Order number, e-mail or username').fill('nobody-like-this');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByText('No order of a customer matching “nobody-like-this”.').waitFor();
    await page.getByLabel('Order number, e-mail or username').fill('');
    await expect.poll(() => rows.count()).toBe(2);
    await shot('01-orders-customers');

    await page
      .getByTestId('order-customer')
      .first()
      .getByRole('link', { name: shopper.username })
      .click();
    await page.getByTestId('customer-username').waitFor();
    expect(await page.getByTestId('customer-username').textContent()).toBe(shopper.username);
    expect(await page.getByTestId('customer-orders-count').textContent()).toBe('2');
    // Only the paid order counts: 2 × 1,250.00.
    expect(await page.getByTestId('customer-total-spent').textContent()).toBe('₹2,500.00');
    expect(await page.getByTestId('customer-addresses').textContent()).toContain(
      '7 Lake View Road, Udaipur, Rajasthan, 313001, India',
    );
    await expect
      .poll(() => page.getByTestId('customer-orders').locator('tbody tr').count())
      .toBe(2);
    await shot('02-customer');
    // Its orders in the orders list, filtered by the customer.
    await page.getByRole('link', { name: 'In orders' }).click();
    await page.getByTestId('customer-filter').waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByRole('button', { name: 'All customers' }).click();
    await expect.poll(() => page.url()).not.toContain('user=');

    // And from the users list.
    await page.goto(`${base}/admin/users?search=${shopper.username}`);
    await page.getByTestId('users-table').getByRole('link', { name: shopper.username }).click();
    await expect
      .poll(() => page.getByTestId('customer-username').textContent())
      .toBe(shopper.username);
  });

  it('ships an order with tracking: the API’s field errors show, then the tracking is on the order', async () => {
    const order = orders[1]!;
    await page.goto(`${base}/admin/orders/${order.id}`);
    await page.getByRole('button', { name: 'Mark shipped' }).click();
    const dialog = page.getByRole('dialog', { name: `Ship ${order.order_number}` });
    await dialog.getByLabel('Carrier').fill('Blue Dart');
    await dialog.getByLabel('Tracking number').fill('BD998877IN');
    await dialog.getByLabel('Tracking link').fill('ftp://track.example/BD998877IN');
    await dialog.getByRole('button', { name: 'Mark shipped' }).click();
    await expect.poll(() => dialog.locator('.field-error').count()).toBe(1);
    expect(await page.getByTestId('order-status').textContent()).toBe('processing');
    await shot('03-ship-dialog-error');
    await dialog.getByLabel('Tracking link').fill('https://track.example/BD998877IN');
    await dialog.getByRole('button', { name: 'Mark shipped' }).click();
    await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('shipped');
    const tracking = page.getByTestId('order-tracking');
    expect(await tracking.textContent()).toContain('Blue Dart · BD998877IN');
    expect(await tracking.getByRole('link').getAttribute('href')).toBe(
      'https://track.example/BD998877IN',
    );
    await shot('04-order-shipped');
  });

  it('exports the orders of a date range as CSV', async () => {
    await page.goto(`${base}/admin/orders`);
    const today = await page.evaluate<string>('new Date().toLocaleDateString("en-CA")');
    await page.getByLabel('From').fill(today);
    await page.getByLabel('To').fill(today);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`orders-${today}-to-${today}.csv`);
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^order_number,created_at,status,/);
    expect(lines).toHaveLength(3);
    expect(text).toContain('BD998877IN');
  });

  it('fits a phone (390 × 844): orders, customer and order pages without sideways scrolling', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    try {
      await phone.goto(`${base}/admin/orders`);
      await phone.getByTestId('orders-table').waitFor();
      await expectNoSidewaysScroll(phone);
      await shot('05-phone-orders', phone);
      await phone.goto(`${base}/admin/users/${shopper.id}`);
      await phone.getByTestId('customer-orders').waitFor();
      await expectNoSidewaysScroll(phone);
      await shot('06-phone-customer', phone);
      await phone.goto(`${base}/admin/orders/${orders[0]!.id}`);
      await phone.getByTestId('order-number').waitFor();
      await expectNoSidewaysScroll(phone);
      await shot('07-phone-order', phone);
    } finally {
      await phone.close();
    }
  });
});
