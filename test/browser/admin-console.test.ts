/**
 * No page the server shows a browser logs an error to its console or fails a request: the
 * admin (signed out and signed in), the home page `/` and the API docs. Each has an icon
 * (the admin's own file, `/favicon.ico` for the others), so there is no favicon 404.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeAdmin, PASSWORD, type TestUser } from '../helpers/factories.js';
import { CHROMIUM } from './build-admin.js';

const hasChromium = existsSync(CHROMIUM);

/** Screenshots of each page, for people to look at, in a temp directory. */
const ARTIFACTS = join(tmpdir(), 'shop-admin-console-screens');

let ctx: TestContext;
let base: string;
let browser: Browser;
let admin: TestUser;

/** A fresh page that records console errors, failed requests and answers of 400 and up. */
async function watchedPage(): Promise<{ page: Page; problems: string[]; icons: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  const icons: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
    if (/favicon/.test(response.url())) icons.push(`${response.status()} ${response.url()}`);
  });
  return { page, problems, icons };
}

/** The href of the page's icon link, as the browser resolved it. */
const iconHref = (page: Page) =>
  page.evaluate<string | null>('document.querySelector(\'link[rel="icon"]\')?.href ?? null');

describe.skipIf(!hasChromium)('pages in headless Chromium log no errors', () => {
  beforeAll(async () => {
    ctx = await buildTestApp({ SHOP_NAME: 'Console Check Shop' });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    admin = await makeAdmin(ctx);
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    ctx?.app.server.closeAllConnections();
    await ctx?.close();
    console.info(`[browser tests] console-check screenshots in ${ARTIFACTS}`);
  });

  it('the admin, signed out and signed in, has its icon and no console error', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${base}/admin/`);
    await page.getByLabel('Username or email').waitFor();
    const href = await iconHref(page);
    expect(href).toMatch(/\/admin\/assets\/favicon-[\w-]+\.svg$/);
    const icon = await page.request.get(href!);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    await page.screenshot({ path: join(ARTIFACTS, '01-admin-sign-in.png') });

    await page.getByLabel('Username or email').fill(admin.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(ARTIFACTS, '02-admin-dashboard.png') });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('the home page names the shop, links the admin and has an icon', async () => {
    const { page, problems, icons } = await watchedPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { level: 1, name: 'Console Check Shop' }).waitFor();
    expect(await iconHref(page)).toMatch(/\/favicon\.ico$/);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(ARTIFACTS, '03-home.png') });
    await page.getByRole('link', { name: 'Admin dashboard' }).click();
    await page.getByLabel('Username or email').waitFor();
    expect(page.url()).toMatch(/\/admin\/$/);
    expect(problems).toEqual([]);
    // Whatever icon the browser fetched, it got one.
    for (const icon of icons) expect(icon).toMatch(/^200 /);
    await page.context().close();
  });

  it('the API docs load without a failed request (no favicon 404)', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .info').waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(ARTIFACTS, '04-docs.png') });
    // Known and not this page's icon: Swagger UI sets inline style attributes, which the static
    // CSP of @fastify/swagger-ui (`staticCSP: true`: style-src with hashes) refuses.
    const inlineStyle = /^console: Applying inline style violates .*'style-src /;
    expect(problems.filter((p) => !inlineStyle.test(p))).toEqual([]);
    await page.context().close();
  });
});
