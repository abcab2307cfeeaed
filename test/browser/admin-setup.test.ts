/**
 * First run in headless Chromium: the link the server prints opens the setup page, which
 * creates the first admin and loads the demo catalogue; a reload stays signed in through the
 * HttpOnly refresh cookie, and no script-readable storage holds a refresh token.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSetupLink } from '../../src/setup-link.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { PASSWORD } from '../helpers/factories.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each screen, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-setup-screens');

let ctx: TestContext;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let setupUrl: string;

async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function refreshCookie(): Promise<{ value: string; httpOnly: boolean; sameSite: string; path: string } | undefined> {
  return (await context.cookies(`${base}/api/auth/token/refresh/`)).find((c) => c.name === 'shop_refresh');
}

/** Everything script can read that survives a reload: localStorage, sessionStorage, document.cookie. */
async function scriptVisibleStorage(): Promise<string> {
  return page.evaluate<string>(
    'JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })',
  );
}

describe.skipIf(!hasChromium)('first-run setup in headless Chromium', () => {
  beforeAll(async () => {
    ctx = await buildTestApp({}, { isolated: true });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    // The link as the server prints it (for http://localhost:PORT), pointed at this test's port.
    const lines: string[] = [];
    await announceSetupLink(ctx.services, {
      info: (_obj: unknown, msg: string) => void lines.push(msg),
      warn: (_obj: unknown, msg: string) => void lines.push(msg),
    } as never);
    const printed = /http:\/\/localhost:\d+(\/admin\/setup\?token=[\w.-]+)/.exec(lines.join('\n'));
    expect(printed, lines.join('\n')).not.toBeNull();
    setupUrl = `${base}${printed![1]}`;

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
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 60_000);

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    ctx?.app.server.closeAllConnections();
    await ctx?.close();
    console.info(`[browser tests] setup screenshots in ${ARTIFACTS}`);
  });

  it('the sign-in page says the shop has no staff account yet', async () => {
    await page.goto(`${base}/admin/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expect.poll(() => page.getByRole('note').textContent()).toContain('no staff account yet');
    await shot('01-login-first-run');
  });

  it('a wrong link says so', async () => {
    await page.goto(`${base}/admin/setup?token=not-a-token`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong or has expired');
  });

  it('creates the first admin with the printed link, with the API’s field errors shown', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('status of 40')) errors.push(msg.text());
    });
    await page.goto(setupUrl);
    await page.getByRole('heading', { level: 1, name: 'Set up your shop' }).waitFor();
    await page.getByLabel('Username').fill('owner');
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password').fill('12345678');
    await page.getByRole('button', { name: 'Create admin account' }).click();
    const fieldError = (label: string) =>
      page.locator('.field-invalid', { has: page.getByLabel(label) }).locator('.field-error');
    await expect.poll(() => fieldError('Email').textContent()).toContain('valid email');
    await expect.poll(() => fieldError('Password').textContent()).toContain('entirely numeric');
    await shot('02-setup-field-errors');

    await page.getByLabel('Email').fill('owner@shop.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Your admin account is ready');
    await shot('03-setup-done-choose-catalogue');
    expect(errors).toEqual([]);

    const cookie = await refreshCookie();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth/token/refresh/' });
    expect(await scriptVisibleStorage()).not.toContain(cookie!.value);
  });

  it('loads the demo catalogue and shows its products', async () => {
    await page.getByRole('button', { name: 'Load the demo catalogue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor({ timeout: 180_000 });
    const rows = page.getByTestId('products-table').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBeGreaterThan(5);
    expect(await page.locator('.who').textContent()).toContain('owner');
    await shot('04-demo-products');
  }, 240_000);

  it('stays signed in across a reload, through the cookie, with no refresh token in storage', async () => {
    const before = (await refreshCookie())!.value;
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
    await expect.poll(() => page.getByTestId('products-table').locator('tbody tr').count()).toBeGreaterThan(5);
    expect(await page.locator('.who').textContent()).toContain('owner');
    const after = (await refreshCookie())!.value;
    expect(after).not.toBe(before); // the reload rotated it
    const storage = await scriptVisibleStorage();
    expect(storage).not.toContain(after);
    expect(storage).not.toContain(before);
    expect(storage).not.toMatch(/refresh/i);
    expect(storage).not.toContain('shop-admin-session');
    await shot('05-reloaded-signed-in');
  });

  it('a used link says setup is done; signing out ends the session for good', async () => {
    await page.goto(setupUrl);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Setup is done');
    await shot('06-link-used');
    await page.goto(`${base}/admin/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await refreshCookie()).toBeUndefined();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // No setup hint once an admin exists.
    expect(await page.getByRole('note').count()).toBe(0);
  });
});
