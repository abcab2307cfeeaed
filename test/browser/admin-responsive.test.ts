/**
 * Every admin page at a phone's size (390 × 844, touch) and a laptop's (1366 × 768) in
 * headless Chromium (issue 19): no page wider than the window, its heading and main action
 * visible and inside the window, buttons big enough to tap, the navigation reachable from
 * the menu on the phone, and each page's dialog inside the screen. A full-page screenshot
 * of every page at both sizes goes to a temp directory, for people to look at.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emails } from '../../src/db/schema/events.js';
import { webhookEvents } from '../../src/db/schema/payments.js';
import { webhookDeliveries } from '../../src/db/schema/webhooks.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import type { Schemas } from '../helpers/client.js';
import {
  bearer,
  makeAddress,
  makeAdmin,
  makeCategory,
  makeProduct,
  makeShop,
  makeUser,
  PASSWORD,
  placeOrder,
  type TestUser,
} from '../helpers/factories.js';
import { CASH, ok, send } from '../helpers/shop.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each page at each size, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-responsive-screens');

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 768 };
type Size = 'phone' | 'laptop';

let ctx: TestContext;
let base: string;
let files: string;
let browser: Browser;
let admin: TestUser;
let shopper: TestUser;
let product: Schemas['ProductDetail'];
let processing: Schemas['OrderDetail'];

/** A TCP port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What a page looks like at one size. */
interface PageCheck {
  name: string;
  path: string;
  heading: string;
  /** The page's main action (a button, link or field), visible without the menu. */
  action: (page: Page) => Locator;
  /** Waits for the page's content (its table, its form) past the heading. */
  content: (page: Page) => Locator;
  /** Opens the page's dialog (or panel) and returns it; the check closes it after. */
  dialog?: (page: Page) => Promise<{ box: Locator; submit: Locator; close: () => Promise<void> }>;
}

const byTestId = (id: string) => (page: Page) => page.getByTestId(id);
const button = (name: string) => (page: Page) => page.getByRole('button', { name, exact: true });
const link = (name: string) => (page: Page) => page.getByRole('link', { name, exact: true });

/** A modal dialog opened by `opener`, with its submit button and its × to close it. */
function modal(opener: string, title: RegExp, submit: string) {
  return async (page: Page) => {
    await page.locator('main').getByRole('button', { name: opener, exact: true }).first().click();
    const box = page.getByRole('dialog', { name: title });
    await box.waitFor();
    return {
      box,
      submit: box.getByRole('button', { name: submit, exact: true }),
      close: () => box.getByRole('button', { name: 'Close' }).click(),
    };
  };
}

function pages(): PageCheck[] {
  return [
    {
      name: 'dashboard',
      path: '/',
      heading: 'Dashboard',
      action: button('Refresh'),
      content: (page) => page.getByTestId('recent-orders').locator('tbody tr').first(),
    },
    {
      name: 'products',
      path: '/products',
      heading: 'Products',
      action: link('New product'),
      content: (page) => page.getByTestId('products-table').locator('tbody tr').first(),
    },
    {
      name: 'product-edit',
      path: `/products/${product.id}`,
      heading: 'Edit product',
      action: button('Save changes'),
      content: byTestId('variants-table'),
    },
    {
      name: 'product-new',
      path: '/products/new',
      heading: 'New product',
      action: button('Create product'),
      content: (page) => page.getByLabel('Name', { exact: true }),
    },
    {
      name: 'categories',
      path: '/categories',
      heading: 'Categories',
      action: button('New category'),
      content: byTestId('category-tree'),
      dialog: modal('New category', /^New category$/, 'Create'),
    },
    {
      name: 'orders',
      path: '/orders',
      heading: 'Orders',
      action: button('Export CSV'),
      content: (page) => page.getByTestId('orders-table').locator('tbody tr').first(),
    },
    {
      name: 'order',
      path: `/orders/${processing.id}`,
      heading: 'Order',
      action: button('Mark shipped'),
      content: byTestId('order-number'),
      dialog: modal('Mark shipped', /^Ship /, 'Mark shipped'),
    },
    {
      name: 'customer',
      path: `/users/${shopper.id}`,
      heading: 'Customer',
      action: link('In orders'),
      content: (page) => page.getByTestId('customer-orders').locator('tbody tr').first(),
    },
    {
      name: 'users',
      path: '/users',
      heading: 'Users',
      action: (page) => page.getByLabel('Search', { exact: true }),
      content: (page) => page.getByTestId('users-table').locator('tbody tr').first(),
    },
    {
      name: 'payments',
      path: '/payments',
      heading: 'Payments',
      action: (page) => page.getByLabel('Search', { exact: true }),
      content: (page) => page.getByTestId('payments-table').locator('tbody tr').first(),
    },
    {
      name: 'webhook-events',
      path: '/webhook-events',
      heading: 'Webhook events',
      action: button('Refresh'),
      content: (page) => page.getByTestId('webhook-events-table').locator('tbody tr').first(),
    },
    {
      name: 'promotions',
      path: '/promotions',
      heading: 'Promotions',
      action: button('New promotion'),
      content: (page) => page.getByTestId('promotions-table').locator('tbody tr').first(),
      dialog: modal('New promotion', /^New promotion$/, 'Create'),
    },
    {
      name: 'tax-classes',
      path: '/tax-classes',
      heading: 'Tax classes',
      action: button('New tax class'),
      content: (page) => page.getByTestId('tax-classes-table').locator('tbody tr').first(),
      dialog: modal('New tax class', /^New tax class$/, 'Create'),
    },
    {
      name: 'shipping-methods',
      path: '/shipping-methods',
      heading: 'Shipping methods',
      action: button('New shipping method'),
      content: (page) => page.getByTestId('shipping-methods-table').locator('tbody tr').first(),
      dialog: async (page) => {
        const opened = await modal('New shipping method', /^New shipping method$/, 'Create')(page);
        // The wider form: weight bands, a table of inputs.
        await opened.box.getByLabel('By weight').check();
        await opened.box.getByTestId('weight-bands').waitFor();
        return opened;
      },
    },
    {
      name: 'emails',
      path: '/emails',
      heading: 'E-mails',
      action: button('Refresh'),
      content: (page) => page.getByTestId('emails-table').locator('tbody tr').first(),
      // The preview: beside the list on a laptop, under it on a phone (scrolled to).
      dialog: async (page) => {
        await page.getByRole('button', { name: 'Your order is on its way' }).click();
        const box = page.getByTestId('email-preview');
        await box.locator('iframe').waitFor();
        return {
          box,
          submit: box.getByRole('tab', { name: 'Text' }),
          close: () => box.getByRole('button', { name: 'Close preview' }).click(),
        };
      },
    },
    {
      name: 'webhooks',
      path: '/webhooks',
      heading: 'Webhooks',
      action: button('Create endpoint'),
      content: (page) => page.getByTestId('endpoints-table').locator('tbody tr').first(),
      dialog: async (page) => {
        await page.getByTestId('endpoints-table').getByRole('button', { name: 'Deliveries' }).click();
        const box = page.getByTestId('deliveries');
        await box.getByTestId('deliveries-table').locator('tbody tr').first().waitFor();
        return {
          box,
          submit: box.getByRole('button', { name: 'Retry' }).first(),
          close: () => page.getByTestId('endpoints-table').getByRole('button', { name: 'Deliveries' }).click(),
        };
      },
    },
  ];
}

/**
 * What on the page breaks the layout: controls sticking out of the window (unless they sit
 * in a box that scrolls sideways on purpose, as the variants grid does) and buttons too
 * small for a finger (phone only). Run in the page.
 */
const LAYOUT_PROBLEMS = `((minTap) => {
  const width = window.innerWidth;
  const problems = [];
  const scrollsSideways = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== 'visible' && p.scrollWidth > p.clientWidth + 1) return true;
    }
    return false;
  };
  const name = (el) =>
    el.tagName.toLowerCase() + ' "' + (el.getAttribute('aria-label') || el.textContent || el.id || '').trim().slice(0, 40) + '"';
  const controls = document.querySelectorAll(
    'main button, main a, main input, main select, main textarea, main h1, main h2, main th, main td, dialog[open] button, dialog[open] input, .topbar button',
  );
  for (const el of controls) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0 || !el.checkVisibility()) continue;
    if (scrollsSideways(el)) continue;
    if (rect.left < -1 || rect.right > width + 1) problems.push(name(el) + ' sticks out: ' + Math.round(rect.left) + '..' + Math.round(rect.right));
    if (minTap && el.matches('button:not(.link), a.button') && rect.height < minTap) problems.push(name(el) + ' is ' + Math.round(rect.height) + ' px high');
  }
  return problems;
})`;

async function layoutProblems(page: Page, size: Size): Promise<string[]> {
  return page.evaluate<string[]>(`${LAYOUT_PROBLEMS}(${size === 'phone' ? 32 : 0})`);
}

/** Nothing on the page is wider than the window (tables scroll or stack inside their box). */
async function expectNoSidewaysScroll(page: Page, what: string) {
  const widths = await page.evaluate<{ page: number; window: number }>(
    '({ page: document.documentElement.scrollWidth, window: window.innerWidth })',
  );
  expect(widths.page, `${what}: page width`).toBeLessThanOrEqual(widths.window);
}

/** The element is shown and lies within the window's width (scrolled to, if below). */
async function expectInside(page: Page, target: Locator, what: string) {
  await target.scrollIntoViewIfNeeded();
  expect(await target.isVisible(), `${what} visible`).toBe(true);
  const box = (await target.boundingBox())!;
  const width = page.viewportSize()!.width;
  expect(box.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what}: right edge`).toBeLessThanOrEqual(width);
}

async function signIn(context: BrowserContext, size: Size): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('dialog', (dialog) => void dialog.dismiss());
  await page.goto(`${base}/admin/`);
  const card = page.locator('.login-card');
  await card.waitFor();
  await expectNoSidewaysScroll(page, `${size} login`);
  await expectInside(page, page.getByRole('button', { name: 'Sign in' }), `${size} login: Sign in`);
  await page.screenshot({ path: join(ARTIFACTS, `${size}-00-login.png`), fullPage: true });
  await page.getByLabel('Username or email').fill(admin.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  return page;
}

async function checkPages(page: Page, size: Size) {
  for (const [i, check] of pages().entries()) {
    const what = `${size} ${check.name}`;
    await page.goto(`${base}/admin${check.path}`);
    await page.getByRole('heading', { level: 1, name: check.heading, exact: true }).waitFor();
    await check.content(page).waitFor();
    // The chart and the cells' labels follow the data in the next frames.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    await expectNoSidewaysScroll(page, what);
    expect(await layoutProblems(page, size), `${what}: layout`).toEqual([]);
    await expectInside(page, page.getByRole('heading', { level: 1 }), `${what}: heading`);
    await expectInside(page, check.action(page), `${what}: main action`);
    const shot = `${size}-${String(i + 1).padStart(2, '0')}-${check.name}`;
    await page.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });
    if (!check.dialog) continue;
    const dialog = await check.dialog(page);
    const viewport = page.viewportSize()!;
    const box = (await dialog.box.boundingBox())!;
    expect(box.x, `${what}: dialog left`).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, `${what}: dialog right`).toBeLessThanOrEqual(viewport.width);
    // It starts in sight (a panel under a list is scrolled to on a phone).
    const top = box.y;
    expect(top, `${what}: dialog top in sight`).toBeLessThan(viewport.height);
    expect(top, `${what}: dialog top in sight`).toBeGreaterThanOrEqual(-1);
    if ((await dialog.box.evaluate((el: { tagName: string }) => el.tagName)) === 'DIALOG') {
      expect(box.y, `${what}: dialog top`).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height, `${what}: dialog bottom`).toBeLessThanOrEqual(viewport.height);
    }
    await expectInside(page, dialog.submit, `${what}: dialog's action`);
    await expectNoSidewaysScroll(page, `${what} with its dialog`);
    expect(await layoutProblems(page, size), `${what} with its dialog: layout`).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, `${shot}-dialog.png`), fullPage: true });
    await dialog.close();
  }
}

describe.skipIf(!hasChromium)('the admin at phone and laptop widths in headless Chromium', () => {
  beforeAll(async () => {
    files = await mkdtemp(join(tmpdir(), 'admin-responsive-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // A database of its own: the dashboard, the users and the payments are shop-wide.
    ctx = await buildTestApp(
      { DATA_DIR: files, PUBLIC_URL: base, WEBHOOK_ALLOW_PRIVATE: 'true' },
      { isolated: true },
    );
    await ctx.app.listen({ port, host: '127.0.0.1' });
    await seed();
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    ctx?.app.server.closeAllConnections();
    await ctx?.close();
    if (files) await rm(files, { recursive: true, force: true });
    console.info(`[browser tests] responsive screenshots in ${ARTIFACTS}`);
  });

  it('fits a phone (390 × 844): every page, its dialog, and the menu to the next page', async () => {
    const context = await browser.newContext({
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      timezoneId: 'Asia/Kolkata',
    });
    try {
      const page = await signIn(context, 'phone');
      await checkPages(page, 'phone');

      // The sections are behind the menu button; it opens them, they lead on, it closes.
      await page.goto(`${base}/admin/`);
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Sections' });
      expect(await nav.isVisible()).toBe(false);
      const menu = page.getByRole('button', { name: /Menu/ });
      await expectInside(page, menu, 'phone menu button');
      await menu.tap();
      await nav.waitFor();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await expectNoSidewaysScroll(page, 'phone with the menu open');
      expect(await layoutProblems(page, 'phone'), 'phone menu: layout').toEqual([]);
      for (const section of await nav.getByRole('link').all()) {
        await expectInside(page, section, `phone menu: ${await section.textContent()}`);
        expect((await section.boundingBox())!.height, 'menu links are tappable').toBeGreaterThanOrEqual(36);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'phone-90-menu.png'), fullPage: false });
      await nav.getByRole('link', { name: 'Promotions' }).tap();
      await page.getByRole('heading', { level: 1, name: 'Promotions' }).waitFor();
      expect(await nav.isVisible()).toBe(false);
      expect(page.url()).toBe(`${base}/admin/promotions`);
      // Sign out stays in reach too.
      await expectInside(page, page.getByRole('button', { name: 'Sign out' }), 'phone Sign out');
    } finally {
      await context.close();
    }
  }, 90_000);

  it('keeps the laptop layout (1366 × 768): every page and its dialog, the sections always shown', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, timezoneId: 'Asia/Kolkata' });
    try {
      const page = await signIn(context, 'laptop');
      const nav = page.getByRole('navigation', { name: 'Sections' });
      expect(await nav.isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: /Menu/ }).isVisible()).toBe(false);
      // The sidebar beside the page, not above it.
      const sidebar = (await nav.boundingBox())!;
      const main = (await page.locator('main').boundingBox())!;
      expect(main.x).toBeGreaterThanOrEqual(sidebar.x + sidebar.width);
      await checkPages(page, 'laptop');
      // Tables keep their columns on a laptop: headings shown, rows not stacked.
      await page.goto(`${base}/admin/users`);
      const table = page.getByTestId('users-table');
      await table.locator('tbody tr').first().waitFor();
      expect(await table.locator('thead').isVisible()).toBe(true);
      expect(
        await page.evaluate<string>(
          `getComputedStyle(document.querySelector('[data-testid="users-table"] tbody tr')).display`,
        ),
      ).toBe('table-row');
    } finally {
      await context.close();
    }
  }, 90_000);
});

/** Content for every page: products (variants, an image, low stock), orders in several states, e-mails, webhooks… */
async function seed() {
  admin = await makeAdmin(ctx);
  const shop = await makeShop(ctx, admin);
  await makeCategory(ctx, admin, { name: 'Lamps and lanterns for the long monsoon evenings', parent: shop.categoryId });
  const name = unique('asha_');
  shopper = await makeUser(ctx, {
    username: name,
    email: `${name}.with-a-rather-long-address@mail.example`,
    first_name: 'Asha',
    last_name: 'Raghunathan-Venkataraman',
  });
  await makeAddress(ctx, shopper, { street_address: '7 Lake View Road, behind the old post office', city: 'Udaipur' });
  const lamp = await makeProduct(shop, { name: 'Hand-beaten brass lamp with a long, descriptive name', price: '1250.00', stock: 40 });
  await makeProduct(shop, { name: 'Clay diya', price: '45.00', stock: 2 });
  product = await makeProduct(shop, { name: unique('Trail shirt '), price: '799.00', stock: 12 });
  const as = { user: admin };
  ok(
    await send(ctx, 'PUT', `/api/products/${product.id}/options/`, as, {
      options: [
        { name: 'Size', values: ['S', 'M', 'L'] },
        { name: 'Colour', values: ['Red', 'Blue'] },
      ],
    }),
  );
  ok(
    await send(ctx, 'POST', `/api/products/${product.id}/variants/bulk/`, as, {
      variants: [
        { options: { Size: 'M', Colour: 'Red' }, price: '799.00', stock: 5 },
        { options: { Size: 'L', Colour: 'Blue' }, price: '849.00', stock: 1 },
      ],
    }),
    201,
  );
  const form = new FormData();
  const image = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#2957d9' } }).png().toBuffer();
  form.append('file', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'shirt.png');
  form.append('alt', 'The trail shirt, blue');
  const upload = await fetch(`${base}/api/products/${product.id}/images/`, {
    method: 'POST',
    headers: bearer(admin.access),
    body: form,
  });
  expect(upload.status, await upload.clone().text()).toBe(201);

  // Orders: pending, paid, processing, shipped, cancelled.
  const orders: Schemas['OrderDetail'][] = [];
  for (let i = 0; i < 5; i++) orders.push(await placeOrder(ctx, shopper, [[lamp.id, 1 + (i % 2)]]));
  const move = async (order: Schemas['OrderDetail'], statuses: string[]) => {
    for (const status of statuses) {
      ok(
        await send(ctx, 'PATCH', `/api/orders/${order.id}/update_status/`, as, {
          status,
          ...(status === 'paid' ? { payment: CASH } : {}),
        }),
      );
    }
  };
  await move(orders[1]!, ['paid']);
  await move(orders[2]!, ['paid', 'processing']);
  await move(orders[3]!, ['paid', 'processing', 'shipped']);
  await move(orders[4]!, ['cancelled']);
  processing = orders[2]!;

  ok(
    await send(ctx, 'POST', '/api/admin/promotions/', as, {
      code: 'MONSOON-25',
      description: 'Twenty-five percent off lamps during the monsoon sale',
      kind: 'percentage',
      value: '25',
      min_subtotal: '999.00',
      per_customer_limit: 1,
    }),
    201,
  );
  ok(await send(ctx, 'POST', '/api/admin/tax-classes/', as, { name: 'GST 5% (handicrafts)', rate: '5' }), 201);
  ok(
    await send(ctx, 'POST', '/api/admin/shipping-methods/', as, {
      name: 'Standard parcel by weight',
      kind: 'weight',
      rates: [
        { up_to_grams: 500, price: '60.00' },
        { up_to_grams: 2000, price: '120.00' },
      ],
      free_over: '1999.00',
      countries: ['IN', 'NP'],
    }),
    201,
  );

  await ctx.database.db.insert(emails).values([
    {
      to: shopper.email,
      template: 'order_shipped',
      subject: 'Your order is on its way',
      html: '<h1>On its way</h1><p>Your brass lamp left our workshop today.</p>',
      text: 'On its way\n\nYour brass lamp left our workshop today.',
      status: 'sent',
      attempts: 1,
      sentAt: new Date(),
    },
    {
      to: 'nobody-with-a-long-address@example.com',
      template: 'password_reset',
      subject: 'Reset your password',
      html: '<p>Reset</p>',
      text: 'Reset',
      status: 'failed',
      attempts: 5,
      lastError: '550 5.1.1 mailbox unavailable: the recipient address does not exist here',
    },
  ]);
  const endpoint = ok<{ id: number }>(
    await send(ctx, 'POST', '/api/admin/webhook-endpoints/', as, {
      url: 'http://127.0.0.1:9/hooks/shop/a-rather-long-path-for-the-receiver',
      event_types: ['order.placed', 'order.paid', 'order.shipped', 'product.out_of_stock'],
    }),
    201,
  );
  const eventId = randomUUID();
  await ctx.database.db.insert(webhookDeliveries).values([
    {
      endpointId: endpoint.id,
      eventId,
      eventType: 'order.paid',
      body: '{}',
      attempt: 1,
      step: 0,
      status: 'failed',
      responseStatus: 500,
      durationMs: 41,
      responseSnippet: '{"error":"internal server error while handling the event, try again later"}',
    },
    {
      endpointId: endpoint.id,
      eventId: randomUUID(),
      eventType: 'order.placed',
      body: '{}',
      attempt: 1,
      step: 0,
      status: 'succeeded',
      responseStatus: 204,
      durationMs: 12,
    },
  ]);
  await ctx.database.db.insert(webhookEvents).values({
    eventId: 'evt_' + randomUUID().replaceAll('-', ''),
    event: 'payment.captured',
    payload: { entity: 'event' },
    processed: true,
    processedAt: new Date(),
  });
}
