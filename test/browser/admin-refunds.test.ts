/**
 * The admin's refund dialog in headless Chromium (issue 19, "done when"): a staff member
 * refunds one item of a delivered order from a phone (390 × 844); the shopper's money and the
 * stock come back exactly once and revenue drops by exactly that amount. Also on a phone: the
 * mark-paid dialog, and a refund by amount with the API's field error shown in the dialog;
 * then the same order page on a laptop (1366 × 768). The refund job runs against the fake
 * Razorpay, and the refund settles by its webhook while the page is open.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type Request,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promotions } from '../../src/db/schema/index.js';
import { type TestContext, unique } from '../helpers/app.js';
import type { ResponseBody, Schemas } from '../helpers/client.js';
import {
  makeProduct,
  PASSWORD,
  placeOrder,
  type Shop,
  type TestUser,
} from '../helpers/factories.js';
import type { FakePayment, FakeRazorpay } from '../helpers/fake-razorpay.js';
import { closePaymentsShop, deliver, openPaymentsShop, payOrder } from '../helpers/payments.js';
import {
  createOrder,
  fillCart,
  getOrder,
  ok,
  send,
  stockOf,
  updateStatus,
} from '../helpers/shop.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each screen, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-refunds-screens');
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 768 };
/** A pending refund is read again every 2 s; the job runs within a second or so. */
const SETTLE_MS = 20_000;

type OrderDetail = Schemas['OrderDetail'];
type Dashboard = ResponseBody<'getApiAnalyticsDashboard'>;

let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let shopper: TestUser;
let admin: TestUser;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let lamp: Schemas['ProductDetail'];
let rug: Schemas['ProductDetail'];
/** Delivered, paid through Razorpay: 2 lamps with 10% off (a promotion on lamps) and a rug. */
let delivered: OrderDetail;
let payment: FakePayment;

const paise = (money: string) => Math.round(Number(money) * 100);
const rupees = (p: number) => `₹${(p / 100).toLocaleString('en-IN', { minimumFractionDigits: 2 })}`;

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

/** The dialog lies inside the window, side to side. */
async function expectFits(target: Page, dialog: Locator) {
  const box = await dialog.boundingBox();
  const width = target.viewportSize()!.width;
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(width);
}

async function dashboard(): Promise<Dashboard> {
  return ok<Dashboard>(await send(ctx, 'GET', '/api/analytics/dashboard/', { user: admin }));
}

async function signIn(target: Page) {
  await target.goto(`${base}/admin/`);
  await target.getByLabel('Username or email').fill(admin.username);
  await target.getByLabel('Password').fill(PASSWORD);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

describe.skipIf(!hasChromium)(
  'the admin refund dialog in headless Chromium',
  { timeout: 120_000 },
  () => {
    beforeAll(async () => {
      // JOBS=on, a database of its own: the refund job runs, the dashboard is this file's alone.
      ({ fake, ctx, shop, user: shopper, admin } = await openPaymentsShop({}, { jobs: true }));
      await ctx.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
      lamp = await makeProduct(shop, { name: unique('Brass Lamp '), price: '1249.99', stock: 10 });
      rug = await makeProduct(shop, { name: unique('Cotton Rug '), price: '499.00', stock: 10 });
      const code = unique('LAMPS');
      await ctx.database.db
        .insert(promotions)
        .values({ code, kind: 'percentage', value: '10.00', appliesProductIds: [lamp.id] });
      await fillCart(ctx, shopper, [
        [lamp.id, 2],
        [rug.id, 1],
      ]);
      ok(await send(ctx, 'POST', '/api/cart/promotion/', { user: shopper }, { code }));
      const placed = ok<OrderDetail>(await createOrder(ctx, shopper), 201);
      ({ payment } = await payOrder(ctx, fake, shopper, placed.id));
      for (const status of ['processing', 'shipped', 'delivered']) {
        ok(await updateStatus(ctx, admin, placed.id, status));
      }
      delivered = await getOrder(ctx, admin, placed.id);
      expect(delivered).toMatchObject({ status: 'delivered', payment_status: 'success' });

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
      context = await browser.newContext({ viewport: PHONE, timezoneId: 'Asia/Kolkata' });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await signIn(page);
    });

    afterAll(async () => {
      await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      ctx?.app.server.closeAllConnections();
      await closePaymentsShop({ ctx, fake });
      console.info(`[browser tests] refund screenshots in ${ARTIFACTS}`);
    });

    it('refunds one item of a delivered order from a phone: once, the paid share, stock +1, revenue − that', async () => {
      const lampItem = delivered.items.find((i) => i.product === lamp.id)!;
      const rugItem = delivered.items.find((i) => i.product === rug.id)!;
      // The promotion took 10% of the lamps' 2499.98 (250.00): a lamp was paid 1124.99.
      expect(lampItem.discount).toBe('250.00');
      const share = Math.floor(
        (paise(lampItem.price_at_purchase) * lampItem.quantity - paise(lampItem.discount)) /
          lampItem.quantity,
      );
      expect(share).toBe(112499);
      const total = paise(delivered.total_amount);
      const before = {
        dashboard: await dashboard(),
        lamps: await stockOf(shop, lamp.id),
        rugs: await stockOf(shop, rug.id),
      };
      // Razorpay answers "pending": the refund stays so until its refund.processed webhook.
      fake.refundStatus = 'pending';

      await page.goto(`${base}/admin/orders/${delivered.id}`);
      await page.getByTestId('order-number').waitFor();
      // Gone after any reload: the refund must show up without one.
      await page.evaluate('window.__sameDocument = true');
      await page.getByTestId('order-refund-action').getByRole('button', { name: 'Refund' }).click();
      const dialog = page.getByRole('dialog', { name: `Refund ${delivered.order_number}` });
      const lampLine = dialog.getByTestId(`refund-line-${lampItem.id}`);
      expect(await lampLine.getByTestId('refund-line-facts').textContent()).toBe(
        'Bought 2 · refunded 0 · refundable 2',
      );
      expect(await lampLine.getByTestId('refund-line-share').textContent()).toContain(
        `Paid ${rupees(share)} a unit`,
      );
      expect(
        await dialog
          .getByTestId(`refund-line-${rugItem.id}`)
          .getByTestId('refund-line-share')
          .textContent(),
      ).toBe('Paid ₹499.00 a unit');
      expect(await dialog.getByTestId('refund-remaining').textContent()).toContain(rupees(total));
      await lampLine.getByLabel('Units to refund').fill('1');
      await dialog.getByLabel('Put the units back in stock').check();
      await dialog.getByLabel('Reason').fill('Scratched on arrival');
      expect(await dialog.getByTestId('refund-total').textContent()).toBe(rupees(share));
      expect(await dialog.getByTestId('refund-left').textContent()).toBe(rupees(total - share));
      await expectFits(page, dialog);
      await expectNoSidewaysScroll(page);
      await shot('01-phone-refund-dialog');

      // A double click sends one refund.
      await dialog.getByRole('button', { name: `Refund ${rupees(share)}` }).dblclick();
      await dialog.waitFor({ state: 'detached' });
      const row = page.getByTestId('refunds-list').getByTestId('refund');
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.getByTestId('refund-amount').textContent()).toBe(rupees(share));
      expect(await row.getAttribute('data-status')).toBe('pending');
      expect(await row.getByTestId('refund-items').textContent()).toContain(`1 × ${lamp.name}`);
      expect(await row.getByTestId('refund-reason').textContent()).toBe('Scratched on arrival');
      await shot('02-phone-refund-pending');

      // The job asks Razorpay; the page, polling, shows Razorpay's refund id.
      const idCell = row.getByTestId('refund-razorpay-id');
      await idCell.waitFor({ timeout: SETTLE_MS });
      const razorpayRefundId = (await idCell.textContent())!;
      const settled = fake.settleRefund(razorpayRefundId, 'processed');
      const delivery = fake.webhook('refund.processed', { refund: settled, payment });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      await expect
        .poll(() => row.getAttribute('data-status'), { timeout: SETTLE_MS, interval: 200 })
        .toBe('processed');
      await expect
        .poll(() => page.locator('.facts').textContent(), { timeout: SETTLE_MS })
        .toContain('partially refunded');
      expect(await page.evaluate('window.__sameDocument')).toBe(true);
      await expectNoSidewaysScroll(page);
      await shot('03-phone-order-refunded');

      // Through the API: one refund of the lamp's paid share, processed, restocked once.
      const after = await getOrder(ctx, admin, delivered.id);
      expect(after.payment_status).toBe('partially_refunded');
      expect(after.refunds).toHaveLength(1);
      expect(after.refunds[0]).toMatchObject({
        amount: '1124.99',
        status: 'processed',
        items: [{ item_id: lampItem.id, quantity: 1, amount: '1124.99' }],
        razorpay_refund_id: razorpayRefundId,
        reason: 'Scratched on arrival',
        restock: true,
      });
      expect(await stockOf(shop, lamp.id)).toBe(before.lamps + 1);
      expect(await stockOf(shop, rug.id)).toBe(before.rugs);
      // The shopper's money: Razorpay was asked once, for exactly that amount.
      const asked = fake.refunds.filter((r) => r.payment_id === payment.id);
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ amount: share, status: 'processed' });
      // Revenue: the net drops by exactly the refund; the order still counts (partially refunded).
      const dash = await dashboard();
      expect(paise(dash.net_revenue)).toBe(paise(before.dashboard.net_revenue) - share);
      expect(paise(dash.total_refunded)).toBe(paise(before.dashboard.total_refunded) + share);
      expect(paise(dash.total_revenue)).toBe(paise(before.dashboard.total_revenue));

      // Razorpay delivers the webhook again (another event id): nothing counts twice.
      const again = fake.webhook('refund.processed', { refund: settled, payment });
      expect((await deliver(ctx, again)).statusCode).toBe(200);
      expect((await getOrder(ctx, admin, delivered.id)).refunds).toHaveLength(1);
      expect(await stockOf(shop, lamp.id)).toBe(before.lamps + 1);
      expect((await dashboard()).net_revenue).toBe(dash.net_revenue);
      fake.refundStatus = 'processed';
    });

    it('marks an unpaid order paid on a phone (method and reference), then refunds an amount of it', async () => {
      const unpaid = await placeOrder(ctx, shopper, [[rug.id, 2]]);
      const rugs = await stockOf(shop, rug.id);
      await page.goto(`${base}/admin/orders/${unpaid.id}`);
      await page.getByTestId('order-number').waitFor();
      // Not paid: nothing to refund yet.
      await page.getByTestId('order-payments').waitFor();
      expect(await page.getByRole('button', { name: 'Refund', exact: true }).count()).toBe(0);
      await page.getByTestId('order-actions').getByRole('button', { name: 'Mark paid' }).click();
      const paid = page.getByRole('dialog', { name: `Mark ${unpaid.order_number} paid` });
      await paid.getByLabel('Payment method').selectOption({ label: 'UPI' });
      await paid.getByLabel('Reference').fill('UPI-7788-1234');
      await expectFits(page, paid);
      await expectNoSidewaysScroll(page);
      await shot('04-phone-mark-paid-dialog');
      await paid.getByRole('button', { name: 'Record payment' }).click();
      await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('paid');
      const manual = page.getByTestId('order-payments').locator('tr[data-provider="manual"]');
      await expect.poll(() => manual.textContent()).toContain('Manual · upi');
      expect(await manual.textContent()).toContain('Ref. UPI-7788-1234');
      const payments = ok<ResponseBody<'getApiAdminPayments'>>(
        await send(ctx, 'GET', `/api/admin/payments/?order=${unpaid.id}`, { user: admin }),
      );
      expect(payments.results).toEqual([
        expect.objectContaining({
          provider: 'manual',
          method: 'upi',
          reference: 'UPI-7788-1234',
          amount: unpaid.total_amount,
          status: 'success',
        }),
      ]);

      // A refund by amount: the API's refusal shows under the field, and the dialog stays.
      const keys: string[] = [];
      const onRequest = (r: Request) => {
        if (r.method() === 'POST' && r.url().includes('/refunds/')) {
          keys.push(r.headers()['idempotency-key'] ?? '');
        }
      };
      page.on('request', onRequest);
      await page.getByTestId('order-refund-action').getByRole('button', { name: 'Refund' }).click();
      const dialog = page.getByRole('dialog', { name: `Refund ${unpaid.order_number}` });
      await dialog.getByRole('button', { name: 'By amount' }).click();
      await dialog.getByLabel('Amount (₹)').fill('10.005');
      await dialog.getByLabel('Reason').fill('Goodwill: late delivery');
      await dialog.getByRole('button', { name: 'Refund', exact: true }).click();
      const amountError = dialog.locator('.field-invalid .field-error');
      await amountError.waitFor();
      expect(await amountError.textContent()).toBe(
        'Use at most 2 decimal places.',
      );
      expect(await dialog.getByLabel('Amount (₹)').getAttribute('aria-invalid')).toBe('true');
      await expectFits(page, dialog);
      await expectNoSidewaysScroll(page);
      await shot('05-phone-refund-amount-error');
      expect((await getOrder(ctx, admin, unpaid.id)).refunds).toHaveLength(0);

      await dialog.getByLabel('Amount (₹)').fill('100.00');
      expect(await dialog.getByTestId('refund-left').textContent()).toBe(
        rupees(paise(unpaid.total_amount) - 10_000),
      );
      // The answer is lost on its way back: the refund is made, the dialog cannot know it and
      // stays open. Sent again, with the dialog's one key, it is answered again, not made twice.
      let lost = false;
      await page.route('**/api/orders/*/refunds/', async (route) => {
        if (lost) return route.continue();
        lost = true;
        await route.fetch();
        await route.abort('connectionreset');
      });
      const submit = dialog.getByRole('button', { name: 'Refund ₹100.00' });
      await submit.click();
      await dialog.getByTestId('refund-problem').waitFor();
      expect((await getOrder(ctx, admin, unpaid.id)).refunds).toHaveLength(1);
      await submit.click();
      await dialog.waitFor({ state: 'detached' });
      await page.unrouteAll();
      page.off('request', onRequest);
      // Every attempt of this opening (the refused one too) carried the same key.
      expect(keys.length).toBeGreaterThanOrEqual(3);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^refund-[0-9a-f]{32}$/);
      // A manual payment's refund is processed at once (the money goes back outside the shop).
      const row = page.getByTestId('refunds-list').getByTestId('refund');
      await expect.poll(() => row.getAttribute('data-status')).toBe('processed');
      expect(await row.getByTestId('refund-amount').textContent()).toBe('₹100.00');
      expect(await row.textContent()).toContain('By amount');
      await expectNoSidewaysScroll(page);
      await shot('06-phone-refund-by-amount');

      const after = await getOrder(ctx, admin, unpaid.id);
      expect(after.payment_status).toBe('partially_refunded');
      expect(after.refunds).toEqual([
        expect.objectContaining({
          amount: '100.00',
          status: 'processed',
          items: [],
          reason: 'Goodwill: late delivery',
        }),
      ]);
      expect(await stockOf(shop, rug.id)).toBe(rugs);
    });

    it('shows the same order and dialog on a laptop (1366 × 768)', async () => {
      const laptop = await context.newPage();
      await laptop.setViewportSize(LAPTOP);
      laptop.setDefaultTimeout(10_000);
      try {
        await laptop.goto(`${base}/admin/orders/${delivered.id}`);
        const row = laptop.getByTestId('refunds-list').getByTestId('refund');
        await expect.poll(() => row.getAttribute('data-status')).toBe('processed');
        await expectNoSidewaysScroll(laptop);
        await shot('07-laptop-order-refunded', laptop);

        await laptop
          .getByTestId('order-refund-action')
          .getByRole('button', { name: 'Refund' })
          .click();
        const dialog = laptop.getByRole('dialog', { name: `Refund ${delivered.order_number}` });
        const lampItem = delivered.items.find((i) => i.product === lamp.id)!;
        const lampLine = dialog.getByTestId(`refund-line-${lampItem.id}`);
        // One lamp refunded: one left, its paid share the rest of the line's.
        expect(await lampLine.getByTestId('refund-line-facts').textContent()).toBe(
          'Bought 2 · refunded 1 · refundable 1',
        );
        expect(await lampLine.getByTestId('refund-line-share').textContent()).toContain(
          'Paid ₹1,124.99 a unit',
        );
        const remaining = paise(delivered.total_amount) - 112499;
        expect(await dialog.getByTestId('refund-remaining').textContent()).toContain(
          rupees(remaining),
        );
        await lampLine.getByLabel('Units to refund').fill('2');
        expect(await lampLine.locator('.field-error').textContent()).toBe('At most 1.');
        expect(await dialog.getByRole('button', { name: 'Refund', exact: true }).isDisabled()).toBe(
          true,
        );
        await lampLine.getByLabel('Units to refund').fill('1');
        expect(await dialog.getByTestId('refund-total').textContent()).toBe('₹1,124.99');
        const box = (await dialog.boundingBox())!;
        expect(box.width).toBeLessThanOrEqual(520);
        await expectFits(laptop, dialog);
        await expectNoSidewaysScroll(laptop);
        await shot('08-laptop-refund-dialog', laptop);
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached' });
        expect((await getOrder(ctx, admin, delivered.id)).refunds).toHaveLength(1);
      } finally {
        await laptop.close();
      }
    });
  },
);
