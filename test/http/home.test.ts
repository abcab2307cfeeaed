/**
 * `GET /`: the shop's name and where the admin, docs, OpenAPI document and API are, as JSON
 * or, for a browser, HTML; `GET /favicon.ico`: the admin's icon. Both public, neither in the
 * OpenAPI document.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAVICON_SVG } from '../../src/modules/ops/home.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let ctx: TestContext;
let proxied: TestContext;
beforeAll(async () => {
  [ctx, proxied] = await Promise.all([
    buildTestApp({ SHOP_NAME: 'Tea & <Co>', MAIL_FROM: 'shop@example.com', PORT: '3456' }),
    buildTestApp({ PUBLIC_URL: 'https://api.shop.example/v' }),
  ]);
});
afterAll(async () => {
  await ctx?.close();
  await proxied?.close();
});

describe('GET /', () => {
  it('answers JSON to a client asking for it, with absolute links', async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers.vary).toMatch(/accept/i);
    expect(res.json()).toEqual({
      name: 'Tea & <Co>',
      links: {
        admin: 'http://localhost:3456/admin/',
        docs: 'http://localhost:3456/docs',
        openapi: 'http://localhost:3456/openapi.json',
        api: 'http://localhost:3456/api/',
      },
    });
  });

  it('answers JSON to a client naming no type (curl), and links under PUBLIC_URL', async () => {
    const res = await proxied.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      name: 'Shop',
      links: {
        admin: 'https://api.shop.example/v/admin/',
        docs: 'https://api.shop.example/v/docs',
        openapi: 'https://api.shop.example/v/openapi.json',
        api: 'https://api.shop.example/v/api/',
      },
    });
  });

  it('answers a browser with a page naming the shop (escaped) and linking everything', async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: BROWSER_ACCEPT },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    expect(html).toContain('<h1>Tea &#38; &#60;Co&#62;</h1>');
    expect(html).not.toContain('<Co>');
    // From the root of the address the browser used (any host name reaches the server).
    for (const href of ['/admin/', '/docs', '/openapi.json', '/api/', '/favicon.ico']) {
      expect(html).toContain(`href="${href}"`);
    }
    // No script: the CSP allows none inline.
    expect(html).not.toContain('<script');
    expect(res.headers['content-security-policy']).toEqual(expect.any(String));
  });

  it('links the page under PUBLIC_URL when it is set', async () => {
    const res = await proxied.app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: BROWSER_ACCEPT },
    });
    expect(res.statusCode).toBe(200);
    for (const href of ['/admin/', '/docs', '/openapi.json', '/api/', '/favicon.ico']) {
      expect(res.body).toContain(`href="https://api.shop.example/v${href}"`);
    }
  });

  it('needs no token, and HEAD answers too', async () => {
    const res = await ctx.app.inject({ method: 'HEAD', url: '/' });
    expect(res.statusCode).toBe(200);
  });
});

describe('GET /favicon.ico', () => {
  it('answers the admin app’s SVG icon, cacheable', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(res.body).toBe(FAVICON_SVG);
    expect(res.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('is the same drawing as the admin’s favicon file', async () => {
    expect(await readFile(new URL('../../admin/public/favicon.svg', import.meta.url), 'utf8')).toBe(
      FAVICON_SVG,
    );
  });
});

describe('the OpenAPI document', () => {
  it('leaves / and /favicon.ico out', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(doc.paths)).not.toContain('/');
    expect(Object.keys(doc.paths)).not.toContain('/favicon.ico');
    expect(Object.keys(doc.paths)).toContain('/health/live');
  });
});
