/** REFRESH_REUSE_GRACE_SECONDS: a just-rotated refresh token yields its successor again, briefly. */
import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import type { ResponseBody } from '../helpers/client.js';

const GRACE = 30;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp({ REFRESH_REUSE_GRACE_SECONDS: String(GRACE) });
});
afterAll(async () => ctx?.close());

const refresh = (token: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh: token } });
const profile = (access: string) =>
  ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers: bearer(access) });

async function rotate(token: string): Promise<{ access: string; refresh: string }> {
  const res = await refresh(token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Moves a token's rotation back in time, as if it had happened `seconds` ago. */
async function rotatedAgo(token: string, seconds: number) {
  const id = decodeJwt(token).jti!;
  await ctx.database.db
    .update(refreshTokens)
    .set({ revokedAt: new Date(Date.now() - seconds * 1000) })
    .where(eq(refreshTokens.id, id));
}

describe(`POST /api/auth/token/refresh/ with REFRESH_REUSE_GRACE_SECONDS=${GRACE}`, () => {
  it('answers a rotated token presented again within the grace with the same successor pair', async () => {
    const user = await makeUser(ctx);
    const pair = await rotate(user.refresh);
    await rotatedAgo(user.refresh, GRACE - 2);
    expect(await rotate(user.refresh)).toEqual(pair);
    expect(await rotate(user.refresh)).toEqual(pair);
    // The successor is the one live token of the login, and it works.
    expect((await profile(pair.access)).statusCode).toBe(200);
    const next = await rotate(pair.refresh);
    expect((await profile(next.access)).statusCode).toBe(200);
  });

  it('takes reuse past the grace as theft: the login ends', async () => {
    const user = await makeUser(ctx);
    const pair = await rotate(user.refresh);
    await rotatedAgo(user.refresh, GRACE + 1);
    const reuse = expectProblem(await refresh(user.refresh), 401, 'token_invalid');
    expect(reuse.detail).toMatch(/already used/);
    expectProblem(await refresh(pair.refresh), 401, 'token_invalid');
    expectProblem(await profile(pair.access), 401, 'token_invalid');
  });

  it('never hands out a successor that was rotated in turn: that reuse ends the login', async () => {
    const user = await makeUser(ctx);
    const second = await rotate(user.refresh);
    const third = await rotate(second.refresh);
    expectProblem(await refresh(user.refresh), 401, 'token_invalid');
    expectProblem(await refresh(third.refresh), 401, 'token_invalid');
    expectProblem(await profile(third.access), 401, 'token_invalid');
  });

  it('does not bring back a session that was logged out within the grace', async () => {
    const user = await makeUser(ctx);
    const pair = await rotate(user.refresh);
    const out = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/logout/',
      headers: bearer(pair.access),
      payload: { refresh: pair.refresh },
    });
    expect(out.statusCode, out.body).toBe(200);
    expectProblem(await refresh(user.refresh), 401, 'token_invalid');
    expectProblem(await refresh(pair.refresh), 401, 'token_invalid');
  });

  it('keeps the grace per login: another session of the user is untouched by a reuse', async () => {
    const user = await makeUser(ctx);
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/login/',
      payload: { username: user.username, password: user.password },
    });
    const other = login.json<ResponseBody<'postApiAuthLogin'>>();
    await rotate(user.refresh);
    await rotatedAgo(user.refresh, GRACE + 1);
    expectProblem(await refresh(user.refresh), 401, 'token_invalid');
    expect((await refresh(other.refresh)).statusCode).toBe(200);
  });
});
