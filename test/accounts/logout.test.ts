import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, login, makeUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

const logout = (access: string | null, payload: Record<string, unknown>) =>
  ctx.app.inject({
    method: 'POST',
    url: '/api/auth/logout/',
    headers: access ? bearer(access) : {},
    payload,
  });

const refresh = (token: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh: token } });

const profile = (access: string) =>
  ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers: bearer(access) });


describe('POST /api/auth/logout/', () => {
  it('revokes that session; the other session and the access token keep working', async () => {
    const user = await makeUser(ctx);
    const other = await login(ctx, user);

    const res = await logout(user.access, { refresh: user.refresh });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ message: 'Logout successful' });

    expectProblem(await refresh(user.refresh), 401, 'token_invalid');
    expect((await refresh(other.refresh)).statusCode).toBe(200);
    expect((await profile(other.access)).statusCode).toBe(200);
  });

  it('revokes the session even when given an already rotated token of it', async () => {
    const user = await makeUser(ctx);
    const rotated = (await refresh(user.refresh)).json().refresh as string;
    const res = await logout(user.access, { refresh: user.refresh });
    expect(res.statusCode, res.body).toBe(200);
    expectProblem(await refresh(rotated), 401, 'token_invalid');
  });

  it('with all: true ends every session and the current access token', async () => {
    const user = await makeUser(ctx);
    const second = await login(ctx, user);
    const third = await login(ctx, user);

    const res = await logout(user.access, { all: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ message: 'Logout successful' });

    for (const token of [user.refresh, second.refresh, third.refresh]) {
      expectProblem(await refresh(token), 401, 'token_invalid');
    }
    for (const token of [user.access, second.access, third.access]) {
      expectProblem(await profile(token), 401, 'token_invalid');
    }
    // A new login works again.
    const fresh = await login(ctx, user);
    expect((await profile(fresh.access)).statusCode).toBe(200);
  });

  it('with all: true leaves other users alone', async () => {
    const user = await makeUser(ctx);
    const bystander = await makeUser(ctx);
    expect((await logout(user.access, { all: true, refresh: user.refresh })).statusCode).toBe(200);
    expect((await profile(bystander.access)).statusCode).toBe(200);
    expect((await refresh(bystander.refresh)).statusCode).toBe(200);
  });

  it("refuses another user's refresh token (400 errors.refresh) and leaves it working", async () => {
    const user = await makeUser(ctx);
    const other = await makeUser(ctx);
    expectProblem(
      await logout(user.access, { refresh: other.refresh }),
      400,
      'validation_error',
      'refresh',
    );
    expect((await refresh(other.refresh)).statusCode).toBe(200);
  });

  it('refuses an access token or garbage in place of the refresh token', async () => {
    const user = await makeUser(ctx);
    expectProblem(
      await logout(user.access, { refresh: user.access }),
      400,
      'validation_error',
      'refresh',
    );
    expectProblem(
      await logout(user.access, { refresh: 'garbage' }),
      400,
      'validation_error',
      'refresh',
    );
  });

  it('requires refresh unless all is true', async () => {
    const user = await makeUser(ctx);
    const body = expectProblem(await logout(user.access, {}), 400, 'validation_error', 'refresh');
    expect(body.errors!.refresh).toEqual(['Required.']);
    expectProblem(await logout(user.access, { all: false }), 400, 'validation_error', 'refresh');
    // Nothing was revoked.
    expect((await refresh(user.refresh)).statusCode).toBe(200);
  });

  it('answers 401 to an anonymous caller', async () => {
    const user = await makeUser(ctx);
    const res = await logout(null, { refresh: user.refresh });
    expectProblem(res, 401, 'not_authenticated');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect((await refresh(user.refresh)).statusCode).toBe(200);
  });
});
