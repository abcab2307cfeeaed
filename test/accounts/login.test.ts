import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeUser, type TestUser } from '../helpers/factories.js';
import { expectNoSecrets, expectProblem } from '../helpers/problems.js';
import type { ResponseBody } from '../helpers/client.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

function login(target: TestContext, username: string, password: string, remoteAddress?: string) {
  return target.app.inject({
    method: 'POST',
    url: '/api/auth/login/',
    payload: { username, password },
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

/** Asserts a successful login answer for `user` and returns its body. */
function expectLoggedIn(res: Awaited<ReturnType<typeof login>>, user: TestUser) {
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(Object.keys(body).sort()).toEqual(['access', 'refresh', 'user']);
  expect(body.access).toEqual(expect.any(String));
  expect(body.refresh).toEqual(expect.any(String));
  expect(body.user).toEqual({
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: 'Test',
    last_name: 'User',
    phone: '',
    is_staff: false,
    date_joined: expect.any(String),
  });
  expectNoSecrets(res);
  return body as ResponseBody<'postApiAuthLogin'>;
}

describe('POST /api/auth/login/', () => {
  it('logs in by username, answering a working token pair and the user', async () => {
    const user = await makeUser(ctx);
    const body = expectLoggedIn(await login(ctx, user.username, user.password), user);
    const profile = await ctx.app.inject({
      method: 'GET',
      url: '/api/auth/profile/',
      headers: bearer(body.access),
    });
    expect(profile.statusCode).toBe(200);
    expect(profile.json().id).toBe(user.id);
    const refreshed = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/token/refresh/',
      payload: { refresh: body.refresh },
    });
    expect(refreshed.statusCode).toBe(200);
  });

  it('logs in by email, case-insensitively', async () => {
    const user = await makeUser(ctx);
    expectLoggedIn(await login(ctx, user.email, user.password), user);
    expectLoggedIn(await login(ctx, user.email.toUpperCase(), user.password), user);
  });

  it('matches the username case-insensitively', async () => {
    const user = await makeUser(ctx, { username: unique('MiXeD_') });
    expectLoggedIn(await login(ctx, user.username.toLowerCase(), user.password), user);
    expectLoggedIn(await login(ctx, user.username.toUpperCase(), user.password), user);
  });

  it('starts a new, independent session on each login', async () => {
    const user = await makeUser(ctx);
    const a = expectLoggedIn(await login(ctx, user.username, user.password), user);
    const b = expectLoggedIn(await login(ctx, user.username, user.password), user);
    expect(a.refresh).not.toBe(b.refresh);
    expect(a.access).not.toBe(b.access);
  });

  it('answers 401 authentication_failed for a wrong password', async () => {
    const user = await makeUser(ctx);
    const res = await login(ctx, user.username, `${user.password}x`);
    const body = expectProblem(res, 401, 'authentication_failed');
    expect(body.errors).toBeUndefined();
  });

  it('answers the same 401 for an unknown user, revealing nothing', async () => {
    const user = await makeUser(ctx);
    const wrong = expectProblem(
      await login(ctx, user.username, 'Wrong-pass-123'),
      401,
      'authentication_failed',
    );
    const unknown = expectProblem(
      await login(ctx, unique('ghost_'), 'Wrong-pass-123'),
      401,
      'authentication_failed',
    );
    expect(unknown.detail).toBe(wrong.detail);
  });

  it('answers 401 for an inactive user, even with the right password, and ends its sessions', async () => {
    const user = await makeUser(ctx);
    await ctx.database.db.update(users).set({ isActive: false }).where(eq(users.id, user.id));
    expectProblem(await login(ctx, user.username, user.password), 401, 'authentication_failed');
    expectProblem(
      await ctx.app.inject({
        method: 'GET',
        url: '/api/auth/profile/',
        headers: bearer(user.access),
      }),
      401,
      'token_invalid',
    );
    expectProblem(
      await ctx.app.inject({
        method: 'POST',
        url: '/api/auth/token/refresh/',
        payload: { refresh: user.refresh },
      }),
      401,
      'token_invalid',
    );
  });

  it('validates the body', async () => {
    const missing = expectProblem(
      await ctx.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        payload: { username: 'someone' },
      }),
      400,
      'validation_error',
      'password',
    );
    expect(missing.errors!.password).toEqual(['Required.']);
    expectProblem(
      await ctx.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { password: 'x' } }),
      400,
      'validation_error',
      'username',
    );
  });
});

describe('login protection (LOGIN_MAX_FAILURES=3, LOGIN_WINDOW_SECONDS=60)', () => {
  let limited: TestContext;
  beforeAll(async () => {
    limited = await buildTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: '60' });
  });
  afterAll(async () => limited?.close());

  async function fail(user: TestUser, times: number, remoteAddress?: string) {
    for (let i = 0; i < times; i++) {
      expectProblem(
        await login(limited, user.username, 'Wrong-pass-123', remoteAddress),
        401,
        'authentication_failed',
      );
    }
  }

  it('answers 429 with Retry-After after 3 failures, even for the right password', async () => {
    const user = await makeUser(limited);
    await fail(user, 3);
    const blocked = await login(limited, user.username, user.password);
    const body = expectProblem(blocked, 429, 'too_many_login_attempts');
    expect(body.detail).toMatch(/Try again in \d+ seconds/);
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Still blocked: a blocked attempt does not get through or reset anything.
    expectProblem(
      await login(limited, user.username, user.password),
      429,
      'too_many_login_attempts',
    );
  });

  it('counts the username case-insensitively', async () => {
    const user = await makeUser(limited, { username: unique('Case_') });
    await fail({ ...user, username: user.username.toUpperCase() }, 2);
    await fail({ ...user, username: user.username.toLowerCase() }, 1);
    expectProblem(
      await login(limited, user.username, user.password),
      429,
      'too_many_login_attempts',
    );
  });

  it('does not block another username from the same IP', async () => {
    const victim = await makeUser(limited);
    const other = await makeUser(limited);
    await fail(victim, 3);
    expectProblem(
      await login(limited, victim.username, victim.password),
      429,
      'too_many_login_attempts',
    );
    expectLoggedIn(await login(limited, other.username, other.password), other);
  });

  it('does not block the same username from another IP', async () => {
    const user = await makeUser(limited);
    await fail(user, 3, '198.51.100.7');
    expectProblem(
      await login(limited, user.username, user.password, '198.51.100.7'),
      429,
      'too_many_login_attempts',
    );
    expectLoggedIn(await login(limited, user.username, user.password, '198.51.100.8'), user);
    expectLoggedIn(await login(limited, user.username, user.password), user);
  });

  it('resets the count on a successful login', async () => {
    const user = await makeUser(limited);
    await fail(user, 2);
    expectLoggedIn(await login(limited, user.username, user.password), user);
    await fail(user, 2);
    expectLoggedIn(await login(limited, user.username, user.password), user);
  });

  it('lets no more than 3 of many concurrent wrong guesses through to the password check', async () => {
    const user = await makeUser(limited);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => login(limited, user.username, 'Wrong-pass-123')),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([...Array<number>(3).fill(401), ...Array<number>(9).fill(429)]);
    for (const res of results.filter((r) => r.statusCode === 429)) {
      expectProblem(res, 429, 'too_many_login_attempts');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expectProblem(
      await login(limited, user.username, user.password),
      429,
      'too_many_login_attempts',
    );
  });

  it('counts failures for unknown usernames too', async () => {
    const ghost = unique('ghost_');
    for (let i = 0; i < 3; i++) {
      expectProblem(await login(limited, ghost, 'Wrong-pass-123'), 401, 'authentication_failed');
    }
    expectProblem(await login(limited, ghost, 'Wrong-pass-123'), 429, 'too_many_login_attempts');
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)('login protection shared through Redis', () => {
  const windowSeconds = 20;
  let redis: Redis;
  let a: TestContext;
  let b: TestContext;
  const usernames: string[] = [];

  beforeAll(async () => {
    redis = new Redis(process.env.TEST_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const env = { LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: String(windowSeconds) };
    a = await buildTestApp(env, { redis });
    b = await buildTestApp(env, { redis });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (redis) {
      const keys = (
        await Promise.all(
          usernames.map((u) => redis.keys(`${a.services.config.redisKeyPrefix}login-failures:${u.toLowerCase()}|*`)),
        )
      ).flat();
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  /** On PostgreSQL both instances share one database; on PGlite each has its own. */
  async function registerOnBoth(username: string): Promise<[TestUser, TestUser]> {
    const onA = await makeUser(a, { username });
    const onB = onPostgres() ? onA : await makeUser(b, { username });
    // The limiter counts per account: remember its keys for the clean-up.
    usernames.push(`#${onA.id}`, `#${onB.id}`);
    return [onA, onB];
  }

  it('shares the failure count between two app instances', async () => {
    const username = unique('shared_');
    usernames.push(username);
    const [onA, onB] = await registerOnBoth(username);

    await login(a, username, 'Wrong-pass-123').then((r) =>
      expectProblem(r, 401, 'authentication_failed'),
    );
    await login(b, username, 'Wrong-pass-123').then((r) =>
      expectProblem(r, 401, 'authentication_failed'),
    );
    await login(a, username, 'Wrong-pass-123').then((r) =>
      expectProblem(r, 401, 'authentication_failed'),
    );

    for (const [target, user] of [
      [a, onA],
      [b, onB],
    ] as const) {
      const blocked = await login(target, username, user.password);
      expectProblem(blocked, 429, 'too_many_login_attempts');
      const retryAfter = Number(blocked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
    }
    // Failures are counted per account (whether the username or the email was typed).
    const ttl = await redis.ttl(`${a.services.config.redisKeyPrefix}login-failures:#${onA.id}|127.0.0.1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(windowSeconds);
  });

  it('lets no more than 3 concurrent guesses through across both instances', async () => {
    const username = unique('shared_');
    usernames.push(username);
    await registerOnBoth(username);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => login(i % 2 ? a : b, username, 'Wrong-pass-123')),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([...Array<number>(3).fill(401), ...Array<number>(7).fill(429)]);
  });

  it('resets the shared count on a success at either instance', async () => {
    const username = unique('shared_');
    usernames.push(username);
    const [onA, onB] = await registerOnBoth(username);
    await login(a, username, 'Wrong-pass-123').then((r) =>
      expectProblem(r, 401, 'authentication_failed'),
    );
    await login(b, username, 'Wrong-pass-123').then((r) =>
      expectProblem(r, 401, 'authentication_failed'),
    );
    expectLoggedIn(await login(b, username, onB.password), onB);
    await login(a, username, 'Wrong-pass-123').then((r) =>
      expectProblem(r, 401, 'authentication_failed'),
    );
    await login(b, username, 'Wrong-pass-123').then((r) =>
      expectProblem(r, 401, 'authentication_failed'),
    );
    expectLoggedIn(await login(a, username, onA.password), onA);
  });
});
