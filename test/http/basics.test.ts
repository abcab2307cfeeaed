import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityOptions } from '../../src/http/plugins/security-headers.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

const login = (payload: string, contentType = 'application/json') =>
  ctx.app.inject({
    method: 'POST',
    url: '/api/auth/login/',
    headers: { 'content-type': contentType },
    payload,
  });

describe('operations', () => {
  it('answers liveness and readiness', async () => {
    const live = await ctx.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await ctx.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics per route pattern', async () => {
    await ctx.app.inject({ method: 'GET', url: '/api/auth/addresses/12345/' });
    const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(
      /http_requests_total\{method="GET",route="\/api\/auth\/addresses\/:id\/",status_code="401"\} \d+/,
    );
    expect(res.body).toContain('http_request_duration_seconds_bucket');
    expect(res.body).toContain('process_resident_memory_bytes');
    expect(res.body).not.toContain('/12345/');
  });

  it('asks for METRICS_TOKEN when one is set, and still answers the health checks', async () => {
    const token = 'metrics-scrape-token-0123456789';
    const guarded = await buildTestApp({ METRICS_TOKEN: token });
    try {
      const metrics = (authorization?: string) =>
        guarded.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      for (const wrong of [undefined, 'Bearer nope', `Bearer ${token}x`, token]) {
        const res = await metrics(wrong);
        expect(res.statusCode, String(wrong)).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json().code).toBe('not_authenticated');
      }
      const ok = await metrics(`Bearer ${token}`);
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('http_requests_total');
      expect((await guarded.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('problem+json errors', () => {
  it('renders an unknown route as 404 problem with the request id', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/nothing-here/' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status: 404, code: 'route_not_found', title: 'Not Found' });
    expect(body.request_id).toBe(res.headers['x-request-id']);
    expect(body.type).toBe('urn:shop:problem:route_not_found');
  });

  it('names each invalid field', async () => {
    const res = await login(JSON.stringify({ username: '' }));
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('validation_error');
    expect(body.errors).toEqual({
      username: ['Must not be blank.'],
      password: ['Required.'],
    });
    expect(body.detail).toBe('Fix these fields: password: Required. username: Must not be blank.');
  });

  it('rejects a body that is not JSON with 415', async () => {
    const res = await login('username=a&password=b', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('unsupported_media_type');
    const text = await login('hello', 'text/plain');
    expect(text.statusCode).toBe(415);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await login('{"username": ');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('bad_request');
  });

  it('rejects a body over 1 MiB with 413', async () => {
    const big = JSON.stringify({ username: 'x'.repeat(1024 * 1024), password: 'y' });
    const res = await login(big);
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });
});

describe('request handling', () => {
  it('echoes a valid X-Request-Id and generates one otherwise', async () => {
    const echoed = await ctx.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'abc-123.trace' },
    });
    expect(echoed.headers['x-request-id']).toBe('abc-123.trace');
    const generated = await ctx.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts every route with and without the trailing slash', async () => {
    for (const url of ['/api/auth/profile', '/api/auth/profile/', '/api/auth//profile/']) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
    }
    const res = await ctx.app.inject({ method: 'GET', url: '/health/live/' });
    expect(res.statusCode).toBe(200);
  });

  it('sends the security headers', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it("sends on every reply, an error's too, exactly the headers helmet's own middleware sends", async () => {
    // helmet as middleware of a plain node:http server, with the shop's options (as in app.ts
    // without PUBLIC_URL or MEDIA_PUBLIC_URL): what the app must send, computed once or not.
    const server = createServer((req, res) =>
      helmet(securityOptions([]))(req, res, () => {
        res.end('{}');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const expected = Object.fromEntries((await fetch(`http://127.0.0.1:${port}/`)).headers);
      const own = ['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding'];
      const helmets = Object.keys(expected).filter((name) => !own.includes(name));
      expect(helmets).toContain('strict-transport-security');
      for (const url of ['/health/live', '/api/products/999999999/', '/api/auth/profile/']) {
        const res = await ctx.app.inject({ method: 'GET', url });
        for (const name of helmets) expect(res.headers[name], `${url} ${name}`).toBe(expected[name]);
        expect(res.headers['x-powered-by'], url).toBeUndefined();
      }
    } finally {
      server.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents every accounts route with its schemas and the error codes', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.description).toContain('`insufficient_stock` (400)');
    const expected: Record<string, string[]> = {
      '/api/auth/register/': ['post'],
      '/api/auth/login/': ['post'],
      '/api/auth/token/refresh/': ['post'],
      '/api/auth/logout/': ['post'],
      '/api/auth/profile/': ['get', 'put', 'patch'],
      '/api/auth/change-password/': ['post'],
      '/api/auth/addresses/': ['get', 'post'],
      '/api/auth/addresses/{id}/': ['get', 'put', 'patch', 'delete'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      for (const method of methods) {
        const op = doc.paths[path]?.[method];
        expect(op, `${method} ${path}`).toBeDefined();
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(1);
        if (['post', 'put', 'patch'].includes(method)) expect(op.requestBody, `${method} ${path}`).toBeDefined();
      }
    }
    expect(doc.paths['/api/auth/profile/'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/auth/profile/'].get.responses['401']).toBeDefined();
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(doc.components.schemas.User.properties).not.toHaveProperty('password_hash');
  });

  it('gives every operation a unique operationId and declared security, one path per resource, and a server', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.servers).toEqual([{ url: '/', description: 'This server' }]);
    const ids = new Map<string, string>();
    const shapes = new Map<string, string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
      // Paths that differ only by a parameter's name are one path to a client generator.
      const shape = path.replace(/\{[^}]+\}/g, '{}');
      expect(shapes.get(shape), `${path} and ${shapes.get(shape)}`).toBeUndefined();
      shapes.set(shape, path);
      for (const [method, op] of Object.entries(item)) {
        const where = `${method} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z]+[A-Za-z0-9]+$/);
        expect(ids.get(op.operationId as string), `${where} repeats an operationId`).toBeUndefined();
        ids.set(op.operationId as string, where);
        expect(op.security, where).toBeDefined();
      }
    }
    expect(doc.paths['/api/products/{id}/'].get.operationId).toBe('getApiProductsId');
    expect(doc.paths['/api/products/{id}/'].get.security).toEqual([{ bearerAuth: [] }, {}]);
    expect(doc.paths['/api/auth/login/'].post.security).toEqual([]);
    expect(doc.paths['/api/orders'].post.operationId).not.toBe(doc.paths['/api/orders/create_order/'].post.operationId);
  });

  it('serves the interactive docs', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('CORS and rate limits', () => {
  it('allows only the configured origins', async () => {
    const app = await buildTestApp({ CORS_ORIGINS: 'https://shop.example.com' });
    try {
      const preflight = (origin: string) =>
        app.app.inject({
          method: 'OPTIONS',
          url: '/api/auth/login/',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
      const allowed = await preflight('https://shop.example.com');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      const other = await preflight('https://evil.example.com');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('limits requests per IP when configured, but never health checks', async () => {
    const app = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const get = (remoteAddress: string, url = '/api/auth/profile/') =>
        app.app.inject({ method: 'GET', url, remoteAddress });
      for (let i = 0; i < 3; i++) expect((await get('10.0.0.1')).statusCode).toBe(401);
      const limited = await get('10.0.0.1');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await get('10.0.0.2')).statusCode).toBe(401);
      for (let i = 0; i < 5; i++) expect((await get('10.0.0.1', '/health/live')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('unexpected failures', () => {
  it('answers a generic 500 without internals, and readiness 503, when the database is gone', async () => {
    const app = await buildTestApp();
    try {
      const user = await app.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        payload: { username: 'nobody', password: 'whatever-123' },
      });
      expect(user.statusCode).toBe(401);
      await app.database.close();
      const res = await app.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        payload: { username: 'nobody', password: 'whatever-123' },
      });
      expect(res.statusCode).toBe(500);
      const body = res.json();
      expect(body.code).toBe('internal_error');
      expect(body.detail).toContain(body.request_id);
      expect(res.body).not.toMatch(/stack|at .*\.ts|pool|PGlite/i);
      const ready = await app.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().code).toBe('service_unavailable');
    } finally {
      await app.app.close();
    }
  });
});
