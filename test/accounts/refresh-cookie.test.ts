/**
 * The refresh token in an HttpOnly cookie (the admin app's flow): set on request, scoped to
 * the refresh route, rotated by it, reuse revoking the login as in the body flow, cleared by
 * logout; and the body flow of v1 exactly as before.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

const COOKIE = 'shop_refresh';
const PATH = '/api/auth/token/refresh/';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

const login = (app: TestContext, user: TestUser, extra: Record<string, unknown> = {}) =>
  app.app.inject({
    method: 'POST',
    url: '/api/auth/login/',
    payload: { username: user.username, password: user.password, ...extra },
  });

const refreshWithCookie = (value: string, payload: Record<string, unknown> = {}) =>
  ctx.app.inject({ method: 'POST', url: PATH, payload, cookies: { [COOKIE]: value } });

const profile = (access: string) =>
  ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers: bearer(access) });

function refreshCookie(res: LightMyRequestResponse) {
  const cookies = res.cookies.filter((c) => c.name === COOKIE);
  expect(cookies, JSON.stringify(res.headers['set-cookie'])).toHaveLength(1);
  return cookies[0]!;
}

/** The raw Set-Cookie header of the refresh cookie (attributes as the browser reads them). */
function rawCookie(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const all = Array.isArray(header) ? header : [header ?? ''];
  const mine = all.filter((h) => h.startsWith(`${COOKIE}=`));
  expect(mine).toHaveLength(1);
  return mine[0]!;
}

describe('login with refresh_cookie: true', () => {
  it('sets an HttpOnly, SameSite=Strict cookie for the refresh route only, and keeps the token out of the body', async () => {
    const user = await makeUser(ctx);
    const res = await login(ctx, user, { refresh_cookie: true });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.refresh).toBe('');
    expect((await profile(body.access)).statusCode).toBe(200);

    const cookie = refreshCookie(res);
    expect(cookie.value.split('.')).toHaveLength(3);
    expect(cookie).toMatchObject({ path: PATH, httpOnly: true, sameSite: 'Strict', maxAge: 7 * 24 * 3600 });
    expect(cookie.secure).toBeFalsy(); // plain http, no https PUBLIC_URL
    const raw = rawCookie(res);
    expect(raw).toContain('; HttpOnly');
    expect(raw).toContain('; SameSite=Strict');
    expect(raw).toContain(`; Path=${PATH}`);
    expect(raw).not.toContain('Secure');
    expect(raw).not.toContain('Domain=');
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const secure = await buildTestApp({ PUBLIC_URL: 'https://shop.example' });
    try {
      const user = await makeUser(secure);
      const res = await login(secure, user, { refresh_cookie: true });
      expect(res.statusCode).toBe(200);
      expect(refreshCookie(res).secure).toBe(true);
      expect(rawCookie(res)).toContain('; Secure');
    } finally {
      await secure.close();
    }
  });
});

describe('POST /api/auth/token/refresh/ with the cookie', () => {
  it('rotates it: a new access token, a new cookie, nothing in the body', async () => {
    const user = await makeUser(ctx);
    const first = refreshCookie(await login(ctx, user, { refresh_cookie: true })).value;
    const res = await refreshWithCookie(first);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.refresh).toBe('');
    expect((await profile(body.access)).statusCode).toBe(200);
    const second = refreshCookie(res);
    expect(second.value).not.toBe(first);
    expect(second).toMatchObject({ path: PATH, httpOnly: true, sameSite: 'Strict' });
    // And again with the rotated one.
    const third = await refreshWithCookie(second.value);
    expect(third.statusCode).toBe(200);
    expect(refreshCookie(third).value).not.toBe(second.value);
  });

  it('treats a rotated cookie presented again as reuse: 401, the cookie cleared, the login revoked', async () => {
    const user = await makeUser(ctx);
    const first = refreshCookie(await login(ctx, user, { refresh_cookie: true })).value;
    const rotated = await refreshWithCookie(first);
    const successor = refreshCookie(rotated).value;
    const access = rotated.json().access;

    const reuse = await refreshWithCookie(first);
    expectProblem(reuse, 401, 'token_invalid');
    const cleared = refreshCookie(reuse);
    expect(cleared.value).toBe('');
    expect(cleared.path).toBe(PATH);
    expect(cleared.expires!.getTime()).toBeLessThanOrEqual(Date.now());
    // As in the body flow: the whole login ends, the successor and its access token too.
    expectProblem(await refreshWithCookie(successor), 401, 'token_invalid');
    expectProblem(await profile(access), 401, 'token_invalid');
    // The body flow sees the same revocation.
    expectProblem(
      await ctx.app.inject({ method: 'POST', url: PATH, payload: { refresh: successor } }),
      401,
      'token_invalid',
    );
  });

  it('asks for the refresh field when there is neither body token nor cookie', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: PATH, payload: {} });
    const body = expectProblem(res, 400, 'validation_error', 'refresh');
    expect(body.errors!.refresh).toEqual(['This field is required.']);
    expectProblem(await refreshWithCookie('not.a.token'), 401, 'token_invalid');
  });

  it('takes only JSON: a cross-site form post with the cookie is 415', async () => {
    const user = await makeUser(ctx);
    const cookie = refreshCookie(await login(ctx, user, { refresh_cookie: true })).value;
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: PATH,
        headers: { 'content-type': type },
        payload: 'refresh=x',
        cookies: { [COOKIE]: cookie },
      });
      expect(res.statusCode, `${type}: ${res.body}`).toBe(415);
    }
    // The cookie was not used up by those.
    expect((await refreshWithCookie(cookie)).statusCode).toBe(200);
  });
});

describe('logout of a cookie session', () => {
  it('with current: true revokes the session of the access token and clears the cookie', async () => {
    const user = await makeUser(ctx);
    const res = await login(ctx, user, { refresh_cookie: true });
    const cookie = refreshCookie(res).value;
    const { access } = res.json();

    const out = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/logout/',
      headers: bearer(access),
      payload: { current: true },
    });
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json()).toEqual({ message: 'Logout successful' });
    const cleared = refreshCookie(out);
    expect(cleared.value).toBe('');
    expect(cleared.path).toBe(PATH);
    expect(rawCookie(out)).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);

    expectProblem(await refreshWithCookie(cookie), 401, 'token_invalid');
    expectProblem(await profile(access), 401, 'token_invalid');
    // The user's other session (the one makeUser's registration opened) lives on.
    expect((await profile(user.access)).statusCode).toBe(200);
  });
});

describe('the body flow (v1) is unchanged', () => {
  it('login, refresh and logout with tokens in the body set no cookie', async () => {
    const user = await makeUser(ctx);
    const res = await login(ctx, user);
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    const { access, refresh } = res.json();
    expect(refresh.split('.')).toHaveLength(3);

    const rotated = await ctx.app.inject({ method: 'POST', url: PATH, payload: { refresh } });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.headers['set-cookie']).toBeUndefined();
    const pair = rotated.json();
    expect(Object.keys(pair).sort()).toEqual(['access', 'refresh']);
    expect(pair.refresh.split('.')).toHaveLength(3);

    const out = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/logout/',
      headers: bearer(access),
      payload: { refresh: pair.refresh },
    });
    expect(out.statusCode).toBe(200);
    expect(out.headers['set-cookie']).toBeUndefined();
    expectProblem(await ctx.app.inject({ method: 'POST', url: PATH, payload: { refresh } }), 401, 'token_invalid');
    // Logout still needs refresh (or all, or current).
    expectProblem(
      await ctx.app.inject({ method: 'POST', url: '/api/auth/logout/', headers: bearer(user.access), payload: {} }),
      400,
      'validation_error',
      'refresh',
    );
  });

  it('a refresh token in the body wins over a cookie, and is answered in the body', async () => {
    const user = await makeUser(ctx);
    const cookie = refreshCookie(await login(ctx, user, { refresh_cookie: true })).value;
    const res = await refreshWithCookie(cookie, { refresh: user.refresh });
    expect(res.statusCode).toBe(200);
    expect(res.json().refresh.split('.')).toHaveLength(3);
    expect(res.headers['set-cookie']).toBeUndefined();
    // The cookie's session was not touched.
    expect((await refreshWithCookie(cookie)).statusCode).toBe(200);
  });
});
