/**
 * Issue 21 in the admin, in headless Chromium: a form wrong in several ways shows every field's
 * message under that field after one submit — the schema's findings (a band's weight that is
 * not a number, an image URL that is not http(s)) beside the rules' (prices, countries).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeCategory, PASSWORD, type TestUser } from '../helpers/factories.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each screen, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-errors-screens');

let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let admin: TestUser;
let categoryName: string;

async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A labelled field's error text, found from its input (Field puts it in the input's aria-describedby). */
async function errorOf(input: Locator): Promise<string> {
  await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
  const id = await input.getAttribute('aria-describedby');
  return page.locator(`[id="${id}"]`).innerText();
}

/** A weight band's cell error (the band inputs carry their error beside them, in the same cell). */
async function cellErrorOf(input: Locator): Promise<string> {
  await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
  return input.locator('xpath=..').locator('.field-error').innerText();
}

describe.skipIf(!hasChromium)(
  'admin forms show every wrong field at once (headless Chromium)',
  () => {
    beforeAll(async () => {
      ctx = await buildTestApp({}, { isolated: true });
      await ctx.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
      admin = await makeAdmin(ctx);
      categoryName = unique('Lamps ');
      await makeCategory(ctx, admin, { name: categoryName });
      await mkdir(ARTIFACTS, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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
    });

    it('product form: a bad image URL (schema) and a bad price and blank name (rules) after one submit', async () => {
      await page.goto(`${base}/admin/products/new`);
      await page.getByLabel('Name').fill('   ');
      await page.getByLabel('Price (₹)').fill('abc');
      await page.getByLabel('Stock').fill('3');
      await page.getByLabel('Category').selectOption({ label: categoryName });
      await page.getByLabel('Image URL').fill('ftp://example.com/lamp.png');
      await page.getByRole('button', { name: 'Create product' }).click();
      expect(await errorOf(page.getByLabel('Image URL'))).toBe('Enter a valid http(s) URL.');
      expect(await errorOf(page.getByLabel('Price (₹)'))).toBe(
        'Must be a decimal number such as 1499.50.',
      );
      expect(await errorOf(page.getByLabel('Name'))).toBe('Must not be blank.');
      await shot('01-product-all-errors');
      const list = await ctx.app.inject({
        method: 'GET',
        url: '/api/products/',
        headers: bearer(admin.access),
      });
      expect(list.json<{ count: number }>().count).toBe(0);
    });

    it('shipping method form: name, a band’s weight (schema), a band’s price, free over and countries (rules) at once', async () => {
      await page.goto(`${base}/admin/shipping-methods`);
      await page.getByRole('heading', { level: 1, name: 'Shipping methods' }).waitFor();
      await page.getByRole('button', { name: 'New shipping method' }).click();
      const form = page.getByTestId('shipping-method-form');
      await form.getByLabel('By weight').check();
      await form.getByLabel('Band 1 up to grams').fill('heavy');
      await form.getByLabel('Band 1 price').fill('40');
      await form.getByLabel('Band 2 up to grams').fill('2000');
      await form.getByLabel('Band 2 price').fill('-5');
      await form.getByLabel('Free over (₹)').fill('lots');
      await form.getByLabel('Countries').fill('XX');
      await form.getByRole('button', { name: 'Create' }).click();
      expect(await errorOf(form.getByLabel('Name'))).toBe('Must not be blank.');
      expect(await cellErrorOf(form.getByLabel('Band 1 up to grams'))).toBe(
        'Must be a whole number.',
      );
      expect(await cellErrorOf(form.getByLabel('Band 2 price'))).toBe('Must be at least 0.');
      expect(await form.getByLabel('Band 1 price').getAttribute('aria-invalid')).toBe('false');
      expect(await form.getByLabel('Band 2 up to grams').getAttribute('aria-invalid')).toBe(
        'false',
      );
      expect(await errorOf(form.getByLabel('Free over (₹)'))).toBe(
        'Must be a decimal number such as 1499.50.',
      );
      expect(await errorOf(form.getByLabel('Countries'))).toMatch(
        /^Not ISO 3166-1 alpha-2 country codes: "XX"/,
      );
      await shot('02-shipping-method-all-errors');
    });
  },
);
