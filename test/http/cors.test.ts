import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/** CORS for a storefront on another origin (API-v2 §0): preflights and exposed headers. */
const STORE = 'https://store.example.com';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const REQUEST_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-cart-token', 'x-request-id'];
const EXPOSED = ['x-cart-token', 'x-request-id', 'retry-after', 'location'];

const list = (value: unknown) =>
  String(value ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);

describe.each([
  { origins: `${STORE},https://other.example.com`, credentials: 'true' },
  { origins: '*', credentials: undefined },
])('with CORS_ORIGINS=$origins', ({ origins, credentials }) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ CORS_ORIGINS: origins });
  });
  afterAll(async () => ctx?.close());

  const preflight = (url: string, method: string, headers: string) =>
    ctx.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin: STORE, 'access-control-request-method': method, 'access-control-request-headers': headers },
    });

  it('lets a storefront change, remove and clear cart lines (and every other method the API uses)', async () => {
    for (const [url, method] of [
      ['/api/cart/items/1/', 'PATCH'],
      ['/api/cart/items/1/', 'DELETE'],
      ['/api/cart/clear/', 'DELETE'],
      ['/api/auth/addresses/1/', 'PUT'],
      ['/api/orders/', 'POST'],
    ] as const) {
      const res = await preflight(url, method, REQUEST_HEADERS.join(', '));
      expect(res.statusCode, `${method} ${url}`).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(STORE);
      expect(res.headers['access-control-allow-credentials']).toBe(credentials);
      expect(list(res.headers['access-control-allow-methods'])).toEqual(METHODS.map((m) => m.toLowerCase()));
      expect(list(res.headers['access-control-allow-headers'])).toEqual(REQUEST_HEADERS);
    }
  });

  it('exposes X-Cart-Token, X-Request-Id, Retry-After and Location to the page', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/cart/', headers: { origin: STORE } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(STORE);
    expect(list(res.headers['access-control-expose-headers'])).toEqual(EXPOSED);
  });
});

describe('with CORS_ORIGINS naming other origins', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ CORS_ORIGINS: 'https://other.example.com' });
  });
  afterAll(async () => ctx?.close());

  it('grants a storefront that is not listed nothing', async () => {
    const res = await ctx.app.inject({
      method: 'OPTIONS',
      url: '/api/cart/items/1/',
      headers: { origin: STORE, 'access-control-request-method': 'PATCH' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
