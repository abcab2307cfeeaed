import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

const NEW_PASSWORD = 'Brand-New-Secret-77';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

const changePassword = (access: string | null, payload: Record<string, unknown>) =>
  ctx.app.inject({
    method: 'POST',
    url: '/api/auth/change-password/',
    headers: access ? bearer(access) : {},
    payload,
  });

const login = (username: string, password: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username, password } });

const refresh = (token: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh: token } });

const profile = (access: string) =>
  ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers: bearer(access) });

/** The password still works (login answers 200). */
async function expectPasswordWorks(user: TestUser, password: string) {
  const res = await login(user.username, password);
  expect(res.statusCode, res.body).toBe(200);
}

describe('POST /api/auth/change-password/', () => {
  it('changes the password, ends every old session and answers a fresh pair', async () => {
    const user = await makeUser(ctx);
    const otherSession = (await login(user.username, user.password)).json();

    const res = await changePassword(user.access, {
      old_password: user.password,
      new_password: NEW_PASSWORD,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['message', 'tokens']);
    expect(body.message).toEqual(expect.any(String));
    expect(body.tokens).toEqual({ access: expect.any(String), refresh: expect.any(String) });

    // Old access and refresh tokens, of this and of every other session, fail.
    for (const access of [user.access, otherSession.access]) {
      expectProblem(await profile(access), 401, 'token_invalid');
    }
    for (const token of [user.refresh, otherSession.refresh]) {
      expectProblem(await refresh(token), 401, 'token_invalid');
    }

    // The new pair works.
    expect((await profile(body.tokens.access)).statusCode).toBe(200);
    const rotated = await refresh(body.tokens.refresh);
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect((await profile(rotated.json().access)).statusCode).toBe(200);

    // The new password logs in; the old one does not.
    await expectPasswordWorks(user, NEW_PASSWORD);
    expectProblem(await login(user.username, user.password), 401, 'authentication_failed');
  });

  it('answers 400 errors.old_password for a wrong old password and changes nothing', async () => {
    const user = await makeUser(ctx);
    const body = expectProblem(
      await changePassword(user.access, {
        old_password: 'Not-The-Password-1',
        new_password: NEW_PASSWORD,
      }),
      400,
      'validation_error',
      'old_password',
    );
    expect(body.errors!.old_password).toEqual(['Old password is incorrect.']);
    expect((await profile(user.access)).statusCode).toBe(200);
    expect((await refresh(user.refresh)).statusCode).toBe(200);
    await expectPasswordWorks(user, user.password);
    expectProblem(await login(user.username, NEW_PASSWORD), 401, 'authentication_failed');
  });

  it.each([
    ['too short', 'Ab1-xyz', 'This password is too short. It must contain at least 8 characters.'],
    ['entirely numeric', '83920174651', 'This password is entirely numeric.'],
    ['too common', 'password123', 'This password is too common.'],
  ])('answers 400 errors.new_password for a %s password', async (_label, weak, message) => {
    const user = await makeUser(ctx);
    const body = expectProblem(
      await changePassword(user.access, { old_password: user.password, new_password: weak }),
      400,
      'validation_error',
      'new_password',
    );
    expect(body.errors!.new_password).toContain(message);
    expect(body.errors!.password).toBeUndefined();
    expect((await profile(user.access)).statusCode).toBe(200);
    await expectPasswordWorks(user, user.password);
  });

  it('answers 400 errors.new_password for a password too similar to the username', async () => {
    const user = await makeUser(ctx);
    const body = expectProblem(
      await changePassword(user.access, {
        old_password: user.password,
        new_password: `${user.username}9`,
      }),
      400,
      'validation_error',
      'new_password',
    );
    expect(body.errors!.new_password).toEqual(['The password is too similar to the username.']);
  });

  it('validates the body', async () => {
    const user = await makeUser(ctx);
    expectProblem(
      await changePassword(user.access, { new_password: NEW_PASSWORD }),
      400,
      'validation_error',
      'old_password',
    );
    expectProblem(
      await changePassword(user.access, { old_password: user.password }),
      400,
      'validation_error',
      'new_password',
    );
  });

  it('answers 401 to an anonymous caller', async () => {
    expectProblem(
      await changePassword(null, { old_password: 'x', new_password: NEW_PASSWORD }),
      401,
      'not_authenticated',
    );
  });
});
