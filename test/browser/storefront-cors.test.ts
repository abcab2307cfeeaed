import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeAdmin, makeCategory, makeProduct } from '../helpers/factories.js';
import { CHROMIUM } from './build-admin.js';

/**
 * A storefront served from another origin (another port) runs a guest cart against the API
 * in real Chromium: the browser's own preflights and exposed-header rules decide whether
 * it works. The guest token travels in X-Cart-Token (read from the first answer), never
 * in a cookie: the page's fetches omit credentials.
 */
const hasChromium = existsSync(CHROMIUM);

/** The page's script: each step's status and cart, or the error that stopped it. */
const STOREFRONT_SCRIPT = `
const api = new URLSearchParams(location.search).get('api');
const [first, second] = new URLSearchParams(location.search).get('products').split(',').map(Number);
let token = null;
const steps = [];
async function call(name, method, path, body) {
  const headers = { 'X-Request-Id': 'storefront-' + name };
  if (token) headers['X-Cart-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(api + path, {
    method, headers, credentials: 'omit', body: body === undefined ? undefined : JSON.stringify(body),
  });
  token = res.headers.get('X-Cart-Token') ?? token;
  const cart = await res.json();
  steps.push({ name, status: res.status, requestId: res.headers.get('X-Request-Id'), token: res.headers.get('X-Cart-Token'),
    lines: (cart.items ?? []).map((i) => [i.product.id, i.quantity]) });
  return cart;
}
async function run() {
  const added = await call('add', 'POST', '/api/cart/add/', { product_id: first, quantity: 1 });
  await call('add-second', 'POST', '/api/cart/add/', { product_id: second, quantity: 2 });
  const line = (cart, id) => cart.items.find((i) => i.product.id === id).id;
  await call('change', 'PATCH', '/api/cart/items/' + line(added, first) + '/', { quantity: 3 });
  const before = await call('read', 'GET', '/api/cart/');
  await call('remove', 'DELETE', '/api/cart/items/' + line(before, second) + '/');
  await call('read-after-remove', 'GET', '/api/cart/');
  await call('clear', 'DELETE', '/api/cart/clear/');
  await call('read-after-clear', 'GET', '/api/cart/');
}
run().then(
  () => { document.getElementById('result').textContent = JSON.stringify({ steps }); },
  (err) => { document.getElementById('result').textContent = JSON.stringify({ steps, error: String(err) }); },
);
`;

const STOREFRONT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Storefront</title></head>
<body><pre id="result"></pre><script src="/storefront.js"></script></body></html>`;

describe.skipIf(!hasChromium)('a storefront on another origin, in headless Chromium', () => {
  let store: Server;
  let storeOrigin: string;
  let ctx: TestContext;
  let api: string;
  let browser: Browser;
  let productIds: number[];

  beforeAll(async () => {
    store = createServer((req, res) => {
      const script = req.url === '/storefront.js';
      res.writeHead(200, { 'content-type': script ? 'text/javascript' : 'text/html; charset=utf-8' });
      res.end(script ? STOREFRONT_SCRIPT : STOREFRONT_PAGE);
    });
    await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
    storeOrigin = `http://127.0.0.1:${(store.address() as AddressInfo).port}`;
    ctx = await buildTestApp({ CORS_ORIGINS: storeOrigin });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    api = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    const admin = await makeAdmin(ctx);
    const category = await makeCategory(ctx, admin);
    productIds = [
      (await makeProduct({ ctx, admin, categoryId: category.id })).id,
      (await makeProduct({ ctx, admin, categoryId: category.id })).id,
    ];
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
  });

  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
    await new Promise((resolve) => store?.close(resolve));
  });

  it('adds, changes the quantity, removes and clears, with X-Cart-Token', async () => {
    const page = await browser.newPage();
    expect(new URL(storeOrigin).origin).not.toBe(new URL(api).origin);
    await page.goto(`${storeOrigin}/?api=${encodeURIComponent(api)}&products=${productIds.join(',')}`);
    const result = page.locator('#result');
    await result.filter({ hasText: /\S/ }).waitFor({ timeout: 20_000 });
    const { steps, error } = JSON.parse((await result.textContent())!) as {
      steps: { name: string; status: number; requestId: string | null; token: string | null; lines: number[][] }[];
      error?: string;
    };
    expect(error, JSON.stringify(steps)).toBeUndefined();
    const [first, second] = productIds as [number, number];
    const byName = Object.fromEntries(steps.map((s) => [s.name, s]));
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['add', 200],
      ['add-second', 200],
      ['change', 200],
      ['read', 200],
      ['remove', 200],
      ['read-after-remove', 200],
      ['clear', 200],
      ['read-after-clear', 200],
    ]);
    // The page could read the exposed headers: the guest token and the request id.
    expect(byName.add!.token).toMatch(/^[\w-]{16,128}$/);
    expect(byName.change!.requestId).toBe('storefront-change');
    expect(byName.read!.lines).toEqual([
      [first, 3],
      [second, 2],
    ]);
    expect(byName['read-after-remove']!.lines).toEqual([[first, 3]]);
    expect(byName['read-after-clear']!.lines).toEqual([]);
    await page.close();
  });
});
