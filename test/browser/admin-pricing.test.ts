import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeAdmin, makeProduct, makeShop, PASSWORD, type Shop, type TestUser } from '../helpers/factories.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each screen, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-pricing-screens');

let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let admin: TestUser;
let shop: Shop;

async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** What the API holds now (staff's view). */
async function apiGet<T>(url: string): Promise<T> {
  const res = await ctx.app.inject({ method: 'GET', url, headers: bearer(admin.access) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

/** A labelled field's error text, found from its input (Field puts it in the input's aria-describedby). */
async function errorOf(input: Locator): Promise<string> {
  expect(await input.getAttribute('aria-invalid')).toBe('true');
  const id = await input.getAttribute('aria-describedby');
  return page.locator(`[id="${id}"]`).innerText();
}

const row = (table: string, attr: string, value: string) => page.getByTestId(table).locator(`tbody tr[${attr}="${value}"]`);

describe.skipIf(!hasChromium)('admin pricing pages (promotions, tax classes, shipping methods) in headless Chromium', () => {
  beforeAll(async () => {
    // A database of its own: the lists are shop-wide.
    ctx = await buildTestApp({}, { isolated: true });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const address = ctx.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    admin = await makeAdmin(ctx);
    shop = await makeShop(ctx, admin);
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

  it('promotions: every wrong field shown under it at once, then created, used, deactivated, edited and deleted', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Promotions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Promotions' }).waitFor();
    await page.getByText('No promotions yet').waitFor();

    await page.getByRole('button', { name: 'New promotion' }).click();
    const form = page.getByTestId('promotion-form');
    await form.getByLabel('Code').fill('TEN OFF!');
    await form.getByLabel('Kind').selectOption('percentage');
    await form.getByLabel('Percentage off').fill('150');
    await form.getByLabel('Starts').fill('2027-02-01T10:00');
    await form.getByLabel('Ends').fill('2027-01-01T10:00');
    await form.getByLabel('Usage limit').fill('0');
    await form.getByRole('button', { name: 'Create' }).click();
    // The API names each wrong field in one answer; each message sits under its field.
    await expect.poll(() => form.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf(form.getByLabel('Code'))).toMatch(/letters, digits/i);
    expect(await errorOf(form.getByLabel('Percentage off'))).toMatch(/100/);
    expect(await errorOf(form.getByLabel('Ends'))).toMatch(/later than starts_at/);
    expect(await errorOf(form.getByLabel('Usage limit'))).toMatch(/1/);
    await shot('01-promotion-errors');

    await form.getByLabel('Code').fill('TEN-OFF');
    await form.getByLabel('Percentage off').fill('10');
    await form.getByLabel('Starts').fill('');
    await form.getByLabel('Ends').fill('');
    await form.getByLabel('Usage limit').fill('5');
    await form.getByLabel('Per customer').fill('1');
    await form.getByLabel('Minimum subtotal (₹)').fill('499');
    await form.getByRole('button', { name: 'Create' }).click();
    const ten = row('promotions-table', 'data-code', 'TEN-OFF');
    await ten.waitFor();
    expect(await ten.getByTestId('times-used').innerText()).toBe('0 / 5');
    expect(await ten.getByTestId('promotion-state').innerText()).toBe('active');
    expect(await ten.innerText()).toContain('10% off');
    expect(await ten.innerText()).toContain('Orders from ₹499.00');
    const [created] = (await apiGet<{ results: { id: number; value: string; usage_limit: number; per_customer_limit: number }[] }>(
      '/api/admin/promotions/?search=ten',
    )).results;
    expect(created).toMatchObject({ value: '10.00', usage_limit: 5, per_customer_limit: 1 });

    // A second code, free shipping (no value), then a duplicate of the first in another case.
    await page.getByRole('button', { name: 'New promotion' }).click();
    await form.getByLabel('Code').fill('SHIPFREE');
    await form.getByLabel('Kind').selectOption('free_shipping');
    await form.getByRole('button', { name: 'Create' }).click();
    await row('promotions-table', 'data-code', 'SHIPFREE').waitFor();
    expect(await row('promotions-table', 'data-code', 'SHIPFREE').innerText()).toContain('Free shipping');
    await page.getByRole('button', { name: 'New promotion' }).click();
    await form.getByLabel('Code').fill('ten-off');
    await form.getByLabel('Percentage off').fill('5');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => form.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf(form.getByLabel('Code'))).toMatch(/already|taken|exists/i);
    await form.getByRole('button', { name: 'Cancel' }).click();

    // Orders used it three times (as checkouts record a use): the list says so.
    await ctx.database.db.execute(sql`update promotions set times_used = 3 where id = ${created!.id}`);
    await page.reload();
    await ten.waitFor();
    expect(await ten.getByTestId('times-used').innerText()).toBe('3 / 5');

    await ten.getByRole('button', { name: 'Deactivate TEN-OFF' }).click();
    await expect.poll(() => ten.getByTestId('promotion-state').innerText()).toBe('inactive');
    expect((await apiGet<{ is_active: boolean }>(`/api/admin/promotions/${created!.id}/`)).is_active).toBe(false);
    await page.getByLabel('Status').selectOption('false');
    await expect.poll(() => page.getByTestId('promotions-table').locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Status').selectOption('');
    await ten.getByRole('button', { name: 'Activate TEN-OFF' }).click();
    await expect.poll(() => ten.getByTestId('promotion-state').innerText()).toBe('active');

    await ten.getByRole('button', { name: 'Edit TEN-OFF' }).click();
    await form.getByLabel('Percentage off').fill('15');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => ten.innerText()).toContain('15% off');
    expect(await ten.getByTestId('times-used').innerText()).toBe('3 / 5');
    await shot('02-promotions-list');

    await row('promotions-table', 'data-code', 'SHIPFREE').getByRole('button', { name: 'Delete SHIPFREE' }).click();
    await expect.poll(() => row('promotions-table', 'data-code', 'SHIPFREE').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('tax classes: the default first, a new class with its errors, made the default; the default cannot be deleted', async () => {
    await page.goto(`${base}/admin/tax-classes`);
    await page.getByRole('heading', { level: 1, name: 'Tax classes' }).waitFor();
    const gst18 = row('tax-classes-table', 'data-name', 'GST 18%');
    await gst18.getByTestId('default-badge').waitFor();
    expect(await gst18.innerText()).toContain('18.00%');

    await page.getByRole('button', { name: 'New tax class' }).click();
    const form = page.getByTestId('tax-class-form');
    await form.getByLabel('Name').fill('gst 18%');
    await form.getByLabel('Rate (%)').fill('101');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf(form.getByLabel('Name'))).toMatch(/already|taken|exists/i);
    expect(await errorOf(form.getByLabel('Rate (%)'))).toMatch(/100/);
    await shot('03-tax-class-errors');
    await form.getByLabel('Name').fill('GST 5%');
    await form.getByLabel('Rate (%)').fill('5');
    await form.getByRole('button', { name: 'Create' }).click();
    const gst5 = row('tax-classes-table', 'data-name', 'GST 5%');
    await gst5.waitFor();
    expect(await gst5.innerText()).toContain('5.00%');

    await gst5.getByRole('button', { name: 'Make GST 5% the default' }).click();
    await gst5.getByTestId('default-badge').waitFor();
    await expect.poll(() => gst18.getByTestId('default-badge').count()).toBe(0);
    expect(await gst5.getByRole('button', { name: 'Delete GST 5%' }).isDisabled()).toBe(true);
    const classes = await apiGet<{ results: { id: number; name: string; is_default: boolean }[] }>('/api/admin/tax-classes/');
    expect(classes.results.filter((c) => c.is_default).map((c) => c.name)).toEqual(['GST 5%']);
    await shot('04-tax-classes');

    // A product sold under GST 18%, which is no longer the default: chosen in its editor.
    const product = await makeProduct(shop, { name: 'Taxed kettle', price: '1180.00' });
    await page.goto(`${base}/admin/products/${product.id}`);
    const select = page.getByLabel('Tax class');
    await expect.poll(() => select.locator('option').count()).toBe(3);
    expect(await select.locator('option').first().innerText()).toBe('The default class (GST 5%)');
    await select.selectOption({ label: 'GST 18% (18.00%)' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    const gst18Id = classes.results.find((c) => c.name === 'GST 18%')!.id;
    await expect.poll(async () => (await apiGet<{ tax_class: number | null }>(`/api/products/${product.id}/`)).tax_class).toBe(gst18Id);
  });

  it('shipping methods: a flat method, a weight method whose wrong bands are named under their cells, deactivated', async () => {
    await page.goto(`${base}/admin/shipping-methods`);
    await page.getByRole('heading', { level: 1, name: 'Shipping methods' }).waitFor();
    await page.getByRole('button', { name: 'New shipping method' }).click();
    const form = page.getByTestId('shipping-method-form');
    await form.getByLabel('Name').fill('Standard');
    await form.getByLabel('Price (₹)').fill('60');
    await form.getByLabel('Free over (₹)').fill('999');
    await form.getByLabel('Countries').fill('india');
    await form.getByRole('button', { name: 'Create' }).click();
    const standard = row('shipping-methods-table', 'data-name', 'Standard');
    await standard.waitFor();
    expect(await standard.innerText()).toMatch(/₹60\.00[\s\S]*₹999\.00[\s\S]*IN/);

    await page.getByRole('button', { name: 'New shipping method' }).click();
    await form.getByLabel('Name').fill('Express');
    await form.getByLabel('By weight').check();
    await form.getByLabel('Band 1 up to grams').fill('500');
    await form.getByLabel('Band 1 price').fill('80');
    await form.getByLabel('Band 2 up to grams').fill('500');
    await form.getByLabel('Band 2 price').fill('12.345');
    await form.getByRole('button', { name: '+ Add band' }).click();
    await form.getByLabel('Band 3 up to grams').fill('5000');
    await form.getByLabel('Band 3 price').fill('200');
    await form.getByLabel('Countries').fill('IN, XX1');
    await form.getByRole('button', { name: 'Create' }).click();
    const band2 = form.getByLabel('Band 2 up to grams');
    await expect.poll(() => band2.getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Band 2 price').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Band 1 up to grams').getAttribute('aria-invalid')).toBe('false');
    expect(await errorOf(form.getByLabel('Countries'))).not.toBe('');
    await shot('05-shipping-band-errors');

    await band2.fill('2000');
    await form.getByLabel('Band 2 price').fill('120');
    await form.getByLabel('Countries').fill('IN');
    await form.getByRole('button', { name: 'Create' }).click();
    const express = row('shipping-methods-table', 'data-name', 'Express');
    await express.waitFor();
    expect(await express.getByTestId('shipping-price').innerText()).toBe(
      'up to 500 g: ₹80.00 · up to 2 kg: ₹120.00 · up to 5 kg: ₹200.00',
    );
    const methods = await apiGet<{ results: { name: string; kind: string; rates: unknown[] }[] }>('/api/admin/shipping-methods/');
    expect(methods.results.find((m) => m.name === 'Express')).toMatchObject({
      kind: 'weight',
      rates: [
        { up_to_grams: 500, price: '80.00' },
        { up_to_grams: 2000, price: '120.00' },
        { up_to_grams: 5000, price: '200.00' },
      ],
    });

    // Editing keeps the bands; a band removed is gone.
    await express.getByRole('button', { name: 'Edit Express' }).click();
    await form.getByRole('button', { name: 'Remove band 3' }).click();
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => express.getByTestId('shipping-price').innerText()).toBe('up to 500 g: ₹80.00 · up to 2 kg: ₹120.00');

    await standard.getByRole('button', { name: 'Deactivate Standard' }).click();
    await expect.poll(() => standard.innerText()).toContain('inactive');
    await shot('06-shipping-methods');
  });
});
