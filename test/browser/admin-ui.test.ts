import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payments, refunds, webhookEvents } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeUser, PASSWORD, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import { CHROMIUM } from './build-admin.js';
import type { Schemas } from '../helpers/client.js';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `[browser tests] skipped: ${CHROMIUM} not found. Install Debian's Chromium (apt-get install -y chromium) to run them; .ci/run does.`,
  );
}

/** Screenshots of each screen, git-ignored, for people to look at. */
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');

let ctx: TestContext;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: TestUser;
let fake: FakeRazorpay;

async function shot(name: string, target: Page = page) {
  await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signIn(target: Page, login: string, password = PASSWORD) {
  await target.goto(`${base}/admin/`);
  await target.getByLabel('Username or email').fill(login);
  await target.getByLabel('Password').fill(password);
  await target.getByRole('button', { name: 'Sign in' }).click();
}

/** The session's refresh token: in the HttpOnly cookie, where the page's script cannot read it. */
async function refreshCookie(): Promise<string> {
  const cookie = (await context.cookies(`${base}/api/auth/token/refresh/`)).find((c) => c.name === 'shop_refresh');
  expect(cookie?.httpOnly).toBe(true);
  return cookie!.value;
}

async function nav(section: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: section }).waitFor();
}

describe.skipIf(!hasChromium)('admin web dashboard in headless Chromium', () => {
  beforeAll(async () => {
    // A database of its own: the dashboard's revenue is a global figure. Razorpay keys (a
    // fake nobody pays through) for the payment actions staff take.
    fake = await new FakeRazorpay().start();
    ctx = await buildTestApp(fake.env, { isolated: true });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    admin = await makeAdmin(ctx);
    await rm(ARTIFACTS, { recursive: true, force: true });
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
    context = await browser.newContext({ viewport: { width: 1366, height: 860 }, timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // confirm() prompts (cancel, deactivate) are accepted.
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    // Chromium's keep-alive connections must not hold the server open.
    ctx?.app.server.closeAllConnections();
    await ctx?.close();
    await fake?.stop();
  });

  it('serves the app under /admin with a CSP it runs under, and falls back to index.html', async () => {
    const res = await fetch(`${base}/admin/products/123`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline scripts
    const asset = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(base + asset!);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/admin/assets/nope.js`)).status).toBe(404);
  });

  it('refuses a customer account with a clear message', async () => {
    const shopper = await makeUser(ctx);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('status of 40')) errors.push(msg.text());
    });
    await signIn(page, shopper.username);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Only staff can use the admin dashboard');
    await shot('01-login-refused');
    await page.getByLabel('Password').fill('wrong-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong username, email or password');
    expect(errors).toEqual([]); // CSP violations and script errors would show here
  });

  it('signs staff in by email and refreshes an expired access token silently', async () => {
    await signIn(page, admin.email);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(await page.getByTestId('stat-revenue').textContent()).toBe('₹0.00');
    // A reload resumes the session through the refresh cookie (rotating it).
    const before = await refreshCookie();
    await page.reload();
    await page.getByTestId('stat-revenue').waitFor();
    const reloaded = await refreshCookie();
    expect(reloaded).not.toBe(before);
    expect(await page.evaluate<string>('JSON.stringify({ ...localStorage, ...sessionStorage })')).not.toContain(reloaded);
    // An access token the server refuses: the app swaps its refresh cookie and carries on.
    const sent: string[] = [];
    await page.route(
      (url) => url.pathname === '/api/analytics/dashboard/',
      async (route) => {
        const headers = { ...route.request().headers(), authorization: 'Bearer expired.token.value' };
        sent.push(headers.authorization);
        await route.continue({ headers });
      },
      { times: 1 },
    );
    await nav('Orders');
    await nav('Dashboard');
    await page.getByTestId('stat-revenue').waitFor();
    expect(sent).toEqual(['Bearer expired.token.value']);
    expect(await refreshCookie()).not.toBe(reloaded);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
  });

  const categoryName = unique('Gadgets ');
  const productName = `Periscope ${unique('')}`;

  it('creates a category and a product (with field errors shown) and finds it by search', async () => {
    await nav('Categories');
    await page.getByRole('button', { name: 'New category' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(categoryName);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('category-tree').getByText(categoryName).waitFor();
    await shot('03-categories');

    await nav('Products');
    await page.getByRole('link', { name: 'New product' }).click();
    await page.getByLabel('Name').fill(productName);
    await page.getByLabel('Description').fill('Sees over walls.');
    await page.getByLabel('Price (₹)').fill('-5');
    await page.getByLabel('Stock').fill('7');
    await page.getByLabel('Category').selectOption({ label: categoryName });
    await page.getByRole('button', { name: 'Create product' }).click();
    // The API's message sits under the field it is about.
    const priceError = page.locator('.field-invalid', { has: page.getByLabel('Price (₹)') }).locator('.field-error');
    await expect.poll(() => priceError.textContent()).toContain('Price must be greater than 0');
    await page.locator('.toast-error').first().waitFor();
    await shot('04-product-form-errors');
    await page.getByLabel('Price (₹)').fill('1250.50');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit product' }).waitFor();

    // Another product, so that the search has something to leave out.
    const other = await ctx.app.inject({
      method: 'POST',
      url: '/api/products/',
      headers: bearer(admin.access),
      payload: { name: 'Ordinary teapot', price: '10.00', stock: 3, category: (await ctx.app.inject({ url: '/api/categories/all/' })).json()[0].id },
    });
    expect(other.statusCode, other.body).toBe(201);
    await nav('Products');
    await expect.poll(() => page.getByTestId('products-table').locator('tbody tr').count()).toBe(2);
    await page.getByLabel('Search').fill(productName.split(' ')[1]!);
    await expect.poll(() => page.url()).toContain('search=');
    await expect.poll(() => page.getByTestId('products-table').locator('tbody tr').count()).toBe(1);
    const row = page.getByTestId('products-table').getByRole('row', { name: new RegExp(productName) });
    await row.waitFor();
    // Quick stock edit.
    const stock = page.getByLabel(`Stock of ${productName}`);
    await stock.fill('9');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.locator('.toast-ok', { hasText: 'set to 9' }).waitFor();
    await shot('05-products');

    // Deactivated, it leaves the shop but not the admin list, nor its search.
    // A controlled switch: it flips once the API has saved the change, so click rather than uncheck().
    await page.getByLabel(`${productName} active`).click();
    await page.locator('.toast-ok', { hasText: `${productName} is now inactive` }).waitFor();
    const publicList = await ctx.app.inject({ url: `/api/products/?search=${encodeURIComponent(productName)}` });
    expect(publicList.json().count).toBe(0);
    await page.reload();
    await row.getByText('inactive', { exact: true }).waitFor();
    expect(await page.getByLabel(`${productName} active`).isChecked()).toBe(false);
    await page.getByLabel('Search').fill('');
    await expect.poll(() => page.getByTestId('products-table').locator('tbody tr').count()).toBe(2);
    await row.waitFor();
    // And back on, for the order below.
    await page.getByLabel(`${productName} active`).click();
    await page.locator('.toast-ok', { hasText: `${productName} is now active` }).waitFor();
    await expect.poll(() => row.getByText('inactive', { exact: true }).count()).toBe(0);
  });

  it('explains why a category holding products cannot be deleted', async () => {
    await nav('Categories');
    await page.getByRole('button', { name: `Delete ${categoryName}` }).click();
    await expect
      .poll(() => page.locator('.toast-error').last().textContent())
      .toContain('products belong to it');
    await page.getByTestId('category-tree').getByText(categoryName).waitFor();
  });

  it('moves an order placed through the API through its statuses and the revenue follows', async () => {
    const shopper = await makeUser(ctx);
    const found = await ctx.app.inject({ method: 'GET', url: `/api/products/?search=${encodeURIComponent(productName)}` });
    const product = found.json().results[0] as { id: number };
    const added = await ctx.app.inject({
      method: 'POST',
      url: '/api/cart/add/',
      headers: bearer(shopper.access),
      payload: { product_id: product.id, quantity: 2 },
    });
    expect(added.statusCode, added.body).toBe(200);
    const placed = await ctx.app.inject({
      method: 'POST',
      url: '/api/orders/create_order/',
      headers: bearer(shopper.access),
      payload: { shipping_address: '221B Baker Street, London' },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const order = placed.json<Schemas['OrderDetail']>();
    // A second order, which a prefix of the first one's number leaves out.
    await ctx.app.inject({ method: 'POST', url: '/api/cart/add/', headers: bearer(shopper.access), payload: { product_id: product.id, quantity: 1 } });
    const second = await ctx.app.inject({
      method: 'POST',
      url: '/api/orders/create_order/',
      headers: bearer(shopper.access),
      payload: { shipping_address: '221B Baker Street, London' },
    });
    expect(second.statusCode, second.body).toBe(201);
    const secondNumber = second.json<Schemas['OrderDetail']>().order_number;
    // The first order's payment, as Razorpay checkout would have started it.
    const razorpayOrderId = unique('order_ui');
    await ctx.database.db.insert(payments).values({ orderId: order.id, amount: '2501.00', razorpayOrderId, status: 'initiated' });

    await nav('Orders');
    await expect.poll(() => page.getByTestId('orders-table').locator('tbody tr').count()).toBe(2);
    // The shortest prefix of the first number that the second one does not share, typed in lower case.
    let length = 5;
    while (secondNumber.startsWith(order.order_number.slice(0, length))) length++;
    const prefix = order.order_number.slice(0, length).toLowerCase();
    await page.getByLabel('Order number').fill(prefix);
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.url()).toContain(`search=${prefix}`);
    await expect.poll(() => page.getByTestId('orders-table').locator('tbody tr').count()).toBe(1);
    // The digits after ORD- alone find it too.
    await page.getByLabel('Order number').fill(order.order_number.slice(4));
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.getByTestId('orders-table').locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Order number').fill('ORD-ZZZ');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByText('No order number starts with “ORD-ZZZ”.').waitFor();
    await page.getByLabel('Order number').fill(prefix);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('link', { name: order.order_number }).click();
    await page.getByTestId('order-number').waitFor();
    expect(await page.getByTestId('order-status').textContent()).toBe('pending');
    // Its payment row, with the Razorpay ids.
    const paymentRow = page.getByTestId('order-payments').locator('tbody tr');
    await expect.poll(() => paymentRow.count()).toBe(1);
    expect(await paymentRow.textContent()).toContain(razorpayOrderId);
    expect(await paymentRow.textContent()).toContain('initiated');
    expect(await paymentRow.textContent()).toContain('₹2,501.00');
    // Only the transitions the API allows from pending.
    const actions = page.locator('.order-detail .actions button');
    expect(await actions.allTextContents()).toEqual(['Mark paid', 'Mark payment failed', 'Cancel order']);
    await shot('06-order-pending');
    // The buttons are the order detail's allowed_transitions, not a table of the app's own:
    // an answer listing something else shows that instead.
    const detailUrl = `${base}/api/orders/${order.id}/`;
    await page.route(detailUrl, async (route) => {
      const real = await route.fetch();
      await route.fulfill({ response: real, json: { ...(await real.json()), allowed_transitions: ['shipped', 'cancelled'] } });
    });
    await page.reload();
    await expect.poll(() => actions.allTextContents()).toEqual(['Mark shipped', 'Cancel order']);
    await page.unroute(detailUrl);
    await page.reload();
    await expect.poll(() => actions.allTextContents()).toEqual(['Mark paid', 'Mark payment failed', 'Cancel order']);

    // Marking paid by hand asks for the money received: method and reference.
    await page.getByRole('button', { name: 'Mark paid' }).click();
    const dialog = page.getByRole('dialog', { name: `Mark ${order.order_number} paid` });
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Record payment' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Payment method').selectOption('bank_transfer');
    await dialog.getByLabel('Reference').fill('NEFT-UI-0001');
    await dialog.getByRole('button', { name: 'Record payment' }).click();
    await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('paid');
    const manualRow = page.getByTestId('order-payments').locator('tbody tr[data-provider="manual"]');
    await expect.poll(() => manualRow.count()).toBe(1);
    expect(await manualRow.textContent()).toContain('Manual · bank transfer');
    expect(await manualRow.textContent()).toContain('NEFT-UI-0001');
    expect(await manualRow.textContent()).toContain('₹2,501.00');
    expect(await manualRow.textContent()).toContain('success');

    for (const [button, status] of [
      ['Start processing', 'processing'],
      ['Mark shipped', 'shipped'],
      ['Mark delivered', 'delivered'],
    ] as const) {
      await page.getByRole('button', { name: button }).click();
      if (status === 'shipped') {
        // Shipping asks for the parcel's tracking (all optional).
        const ship = page.getByRole('dialog', { name: `Ship ${order.order_number}` });
        await ship.getByRole('button', { name: 'Mark shipped' }).click();
      }
      await expect.poll(() => page.getByTestId('order-status').textContent()).toBe(status);
    }
    expect(await actions.count()).toBe(0);
    await expect.poll(() => page.getByTestId('status-history').locator('li').count()).toBeGreaterThanOrEqual(4);
    expect(await page.getByText('221B Baker Street, London').count()).toBe(1);
    await shot('07-order-delivered');

    await nav('Dashboard');
    await expect.poll(() => page.getByTestId('stat-revenue').textContent()).toBe('₹2,501.00');
    expect(await page.getByTestId('stat-orders').textContent()).toBe('2'); // the second one is still pending
    await page.getByRole('button', { name: '7 days' }).click();
    await expect.poll(() => page.getByTestId('sales-chart').getAttribute('data-has-data')).toBe('true');
    // Chromium names India's zone by its older alias.
    expect(await page.getByTestId('report-summary').textContent()).toMatch(/days in Asia\/(Kolkata|Calcutta)/);
    expect(await page.locator('.chart .bar').count()).toBe(7);
    await page.getByRole('link', { name: productName }).first().waitFor(); // top products
    await shot('02-dashboard');

    // CSV export downloads the report with the session's token.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^sales-report-.*\.csv$/);
  });

  it('deactivates a user, which ends their session', async () => {
    const victim = await makeUser(ctx, { first_name: 'Victor', last_name: 'Victim' });
    await nav('Users');
    await page.getByLabel('Search').fill(victim.username);
    const row = page.locator(`tr[data-username="${victim.username}"]`);
    await row.waitFor();
    await expect.poll(() => page.getByTestId('users-table').locator('tbody tr').count()).toBe(1);
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await row.getByText('inactive').waitFor();
    const profile = await ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers: bearer(victim.access) });
    expect(profile.statusCode).toBe(401);
    await row.getByRole('button', { name: 'Make staff' }).click();
    await row.getByText('staff', { exact: true }).waitFor();
    await shot('08-users');
  });

  it('searches payments and webhook events through the API', async () => {
    const [order] = (await ctx.app.inject({ url: '/api/orders/?page_size=1', headers: bearer(admin.access) })).json().results as {
      id: number;
      order_number: string;
    }[];
    const razorpayPaymentId = unique('pay_ui');
    await ctx.database.db
      .insert(payments)
      .values({ orderId: order!.id, amount: '1.00', razorpayOrderId: unique('order_ui'), razorpayPaymentId, status: 'failed' });
    await nav('Payments');
    const rows = page.getByTestId('payments-table').locator('tbody tr');
    // The first order's Razorpay intent and the manual payment staff recorded, and this one.
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('Manual · bank transfer'), expect.stringContaining('NEFT-UI-0001')]),
    );
    await page.getByLabel('Search').fill(razorpayPaymentId);
    await expect.poll(() => page.url()).toContain(`search=${razorpayPaymentId}`);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.textContent()).toContain('failed');
    await page.getByLabel('Search').fill(order!.order_number.toLowerCase());
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Search').fill('pay_nothing');
    await page.getByText('No payment has the order number or Razorpay id “pay_nothing”.').waitFor();
    await shot('09-payments');

    await ctx.database.db.insert(webhookEvents).values([
      { eventId: unique('evt_ui'), event: 'payment.captured', payload: {} },
      { eventId: unique('evt_ui'), event: 'payment.failed', payload: {} },
      { eventId: 'evt_ui_refund', event: 'refund.processed', payload: {} },
    ]);
    await nav('Webhook events');
    const events = page.getByTestId('webhook-events-table').locator('tbody tr');
    await expect.poll(() => events.count()).toBe(3);
    await page.getByLabel('Search').fill('payment.');
    await expect.poll(() => events.count()).toBe(2);
    await page.getByLabel('Search').fill('evt_ui_refund');
    await expect.poll(() => events.count()).toBe(1);
    expect(await events.textContent()).toContain('refund.processed');
    await shot('10-webhook-events');
  });

  it('shows a failed refund with a retry button that asks the API to refund again', async () => {
    const [order] = (await ctx.app.inject({ url: '/api/orders/?page_size=1', headers: bearer(admin.access) })).json().results as {
      id: number;
    }[];
    const refundId = unique('rfnd_ui');
    const [payment] = await ctx.database.db
      .insert(payments)
      .values({
        orderId: order!.id,
        amount: '3.00',
        razorpayPaymentId: unique('pay_ui'),
        secondCapture: true,
        status: 'success',
        razorpayRefundId: refundId,
      })
      .returning();
    await ctx.database.db
      .insert(refunds)
      .values({ paymentId: payment!.id, razorpayRefundId: refundId, amount: '3.00', status: 'failed', error: 'Bank account closed' });
    await nav('Payments');
    await page.getByLabel('Refund', { exact: true }).selectOption('failed');
    const rows = page.getByTestId('payments-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    const cell = rows.first().getByTestId('refund-cell');
    expect(await cell.getAttribute('title')).toBe('Bank account closed');
    await shot('09b-payments-failed-refund');
    await cell.getByRole('button', { name: 'Retry refund' }).click();
    await page.getByText('No payments match.').waitFor();
    const listed = (
      await ctx.app.inject({ url: `/api/admin/payments/?order=${order!.id}`, headers: bearer(admin.access) })
    ).json().results as { id: number; razorpay_refund_id: string | null; refund_status: string | null }[];
    expect(listed.find((p) => p.id === payment!.id)).toMatchObject({ razorpay_refund_id: null, refund_status: null });
    await page.getByLabel('Refund', { exact: true }).selectOption('');
  });

  it('is usable on a tablet', async () => {
    const tablet = await context.newPage();
    await tablet.setViewportSize({ width: 768, height: 1024 });
    await tablet.goto(`${base}/admin/orders`);
    await tablet.getByTestId('orders-table').waitFor();
    await tablet.getByRole('button', { name: 'Menu' }).click();
    await tablet.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Dashboard' }).click();
    await tablet.getByTestId('sales-chart').waitFor();
    await shot('11-tablet-dashboard', tablet);
    await tablet.close();
  });

  it('signs out and revokes the session', async () => {
    const refresh = await refreshCookie();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username or email').waitFor();
    const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh } });
    expect(res.statusCode).toBe(401);
  });
}, 60_000);
