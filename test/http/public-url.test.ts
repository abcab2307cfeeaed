import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeAdmin, makeCategory, makeProduct } from '../helpers/factories.js';
import { productsUrl } from '../helpers/catalog.js';

/**
 * Links (`next`, `previous`) and the cart cookie's `Secure` flag follow PUBLIC_URL, or the
 * host and scheme a trusted proxy reports, never a Host or X-Forwarded-* header a client
 * typed (API-v2 §0).
 */
interface Site {
  ctx: TestContext;
  url: string;
  productId: number;
}

async function openSite(env: Record<string, string>): Promise<Site> {
  const ctx = await buildTestApp(env);
  const admin = await makeAdmin(ctx);
  const category = await makeCategory(ctx, admin);
  const product = await makeProduct({ ctx, admin, categoryId: category.id });
  await makeProduct({ ctx, admin, categoryId: category.id });
  return { ctx, url: productsUrl({ category: category.slug, page_size: 1 }), productId: product.id };
}

const FORGED = { host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' };

async function nextLink(site: Site, headers: Record<string, string> = {}, remoteAddress?: string) {
  const res = await site.ctx.app.inject({ method: 'GET', url: site.url, headers, remoteAddress });
  expect(res.statusCode, res.body).toBe(200);
  const next = new URL(res.json().next as string);
  expect(next.searchParams.get('page')).toBe('2');
  return next;
}

/** The Set-Cookie of a guest's first cart add. */
async function cartCookie(site: Site, headers: Record<string, string> = {}, remoteAddress?: string) {
  const res = await site.ctx.app.inject({
    method: 'POST',
    url: '/api/cart/add/',
    headers,
    remoteAddress,
    payload: { product_id: site.productId, quantity: 1 },
  });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = String(res.headers['set-cookie']);
  expect(cookie).toMatch(/^cart_token=/);
  return cookie;
}

describe('without PUBLIC_URL or TRUST_PROXY', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite({ PORT: '4123' });
  });
  afterAll(async () => site?.ctx.close());

  it('links to http://localhost:PORT whatever Host or X-Forwarded-* the client sends', async () => {
    for (const headers of [{}, FORGED, { host: 'shop.example.com:8080' }] as Record<string, string>[]) {
      const next = await nextLink(site, headers);
      expect(next.origin).toBe('http://localhost:4123');
      expect(next.pathname).toBe('/api/products/');
    }
  });

  it('does not mark the cart cookie Secure on a forged X-Forwarded-Proto', async () => {
    expect(await cartCookie(site, FORGED)).not.toMatch(/;\s*Secure/i);
  });
});

describe('with PUBLIC_URL', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite({ PUBLIC_URL: 'https://api.shop.example/store/', TRUST_PROXY: 'true' });
  });
  afterAll(async () => site?.ctx.close());

  it('links under PUBLIC_URL (path prefix kept), even when a trusted proxy reports another host', async () => {
    for (const headers of [{}, FORGED] as Record<string, string>[]) {
      const next = await nextLink(site, headers);
      expect(next.origin).toBe('https://api.shop.example');
      expect(next.pathname).toBe('/store/api/products/');
    }
  });

  it('marks the cart cookie Secure when PUBLIC_URL is https, although the hop itself is plain http', async () => {
    expect(await cartCookie(site)).toMatch(/;\s*Secure/i);
  });
});

describe('with TRUST_PROXY naming the proxy', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite({ TRUST_PROXY: '10.0.0.2', PORT: '4124' });
  });
  afterAll(async () => site?.ctx.close());

  const proxied = { host: 'internal:3000', 'x-forwarded-host': 'shop.example.com', 'x-forwarded-proto': 'https' };

  it('links to the host and scheme the proxy reports', async () => {
    const next = await nextLink(site, proxied, '10.0.0.2');
    expect(next.origin).toBe('https://shop.example.com');
    expect(await cartCookie(site, proxied, '10.0.0.2')).toMatch(/;\s*Secure/i);
  });

  it('ignores the same headers from a client that is not the proxy', async () => {
    const next = await nextLink(site, FORGED, '203.0.113.9');
    expect(next.origin).toBe('http://localhost:4124');
    expect(await cartCookie(site, FORGED, '203.0.113.9')).not.toMatch(/;\s*Secure/i);
  });

  it('falls back rather than write a link from a malformed host', async () => {
    const next = await nextLink(site, { ...proxied, 'x-forwarded-host': 'evil.example.com/x?' }, '10.0.0.2');
    expect(next.origin).toBe('http://localhost:4124');
  });
});

describe('with TRUST_PROXY as a hop count', () => {
  let site: Site;
  beforeAll(async () => {
    site = await openSite({ TRUST_PROXY: '1', PORT: '4125' });
  });
  afterAll(async () => site?.ctx.close());

  it('trusts no Host: a hop count cannot tell the proxy from a client (set PUBLIC_URL)', async () => {
    const next = await nextLink(site, FORGED);
    expect(next.origin).toBe('http://localhost:4125');
  });
});

describe('PUBLIC_URL setting', () => {
  const load = (value: string) => loadConfig({ DATA_DIR: '/nonexistent', JWT_SECRET: 'x'.repeat(40), PUBLIC_URL: value });

  it('is an http(s) URL without query, fragment or credentials; a trailing slash is dropped', () => {
    expect(load('https://api.shop.example/').publicUrl).toBe('https://api.shop.example');
    expect(load('http://localhost:8080/shop//').publicUrl).toBe('http://localhost:8080/shop');
    for (const bad of ['ftp://shop.example', 'shop.example', 'https://shop.example/?a=1', 'https://shop.example/#x', 'https://u:p@shop.example']) {
      expect(() => load(bad), bad).toThrow(ConfigError);
    }
  });

  it('is unset by default', () => {
    expect(loadConfig({ DATA_DIR: '/nonexistent', JWT_SECRET: 'x'.repeat(40) }).publicUrl).toBeNull();
  });
});
