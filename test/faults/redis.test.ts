import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { onPostgres } from '../helpers/app.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { type Answer, call, type ServerProcess, startServer, until } from './support.js';

/**
 * A server process whose Redis (REDIS_URL, through a proxy) is unreachable at start, then
 * comes, goes away mid-run and returns. Redis only shares rate limits and failed-login
 * counts: without it the server serves, counts failed logins in memory and skips the rate
 * limit, and no request waits for Redis.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? '';
const MAX_FAILURES = 3;
/** No request may wait on an absent Redis: far below any reconnection or command timeout. */
const FAST_MS = 1_500;

describe.skipIf(!onPostgres() || !REDIS_URL)('Redis unreachable, then back, then gone mid-run', () => {
  let proxy: TcpProxy;
  let server: ServerProcess;
  let redis: Redis;
  const prefix = `shop-faults-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    // The proxy's port is chosen, then closed: Redis is unreachable when the server starts.
    proxy = await TcpProxy.to(REDIS_URL).start();
    await proxy.cut();
    server = await startServer({
      DATABASE_URL: inject('databaseUrl'),
      JOBS: 'off',
      REDIS_URL: proxy.rewrite(REDIS_URL),
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '100000',
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
    });
  }, 150_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.stop();
    const keys = await redis?.keys(`${prefix}*`);
    if (keys?.length) await redis.del(...keys);
    redis?.disconnect();
  });

  const keysOf = (kind: string) => redis.keys(`${prefix}${kind}:*`);

  function expectFast(answer: Answer, status: number) {
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.ms).toBeLessThan(FAST_MS);
  }

  /** Failed logins for a fresh username: 401 until the limit, then 429, every answer quick. */
  async function expectLoginLimited() {
    const username = `nobody_${randomBytes(4).toString('hex')}`;
    const attempt = () => call(server.base, 'POST', '/api/auth/login/', { body: { username, password: 'Wrong-Password-1' } });
    for (let i = 0; i < MAX_FAILURES; i++) expectFast(await attempt(), 401);
    const blocked = await attempt();
    expectFast(blocked, 429);
    expect(blocked.body).toMatchObject({ code: 'too_many_login_attempts' });
    return username;
  }

  it('starts and serves while Redis is unreachable: reads answer at once, failed logins are limited in memory', async () => {
    expect(server.alive()).toBe(true);
    for (let i = 0; i < 5; i++) expectFast(await call(server.base, 'GET', '/api/products/'), 200);
    await expectLoginLimited();
    expect(await keysOf('rate-limit')).toEqual([]);
    expect(await keysOf('login-failures')).toEqual([]);
  });

  it('picks Redis up by itself when it comes: rate limits and failed logins are counted there', async () => {
    await proxy.start();
    await until(
      async () => {
        expectFast(await call(server.base, 'GET', '/api/products/'), 200);
        return (await keysOf('rate-limit')).length > 0;
      },
      'rate-limit keys in Redis',
      20_000,
    );
    const username = await expectLoginLimited();
    expect((await keysOf('login-failures')).some((k) => k.includes(username))).toBe(true);
  });

  it('Redis going away mid-run: nothing waits for it, logins stay limited; it is used again when back', async () => {
    await proxy.cut();
    for (let i = 0; i < 5; i++) expectFast(await call(server.base, 'GET', '/api/products/'), 200);
    const offline = await expectLoginLimited();
    expect((await keysOf('login-failures')).some((k) => k.includes(offline))).toBe(false);

    const before = new Set(await keysOf('login-failures'));
    await proxy.start();
    await until(
      async () => {
        const username = `back_${randomBytes(4).toString('hex')}`;
        await call(server.base, 'POST', '/api/auth/login/', { body: { username, password: 'Wrong-Password-1' } });
        return (await keysOf('login-failures')).some((k) => !before.has(k) && k.includes(username));
      },
      'failed logins counted in Redis again',
      20_000,
    );
    expect(server.alive()).toBe(true);
  });
});
