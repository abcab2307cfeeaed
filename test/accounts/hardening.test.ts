import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import { PasswordHasher } from '../../src/modules/accounts/passwords.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeUser, PASSWORD } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: '60' });
});
afterAll(async () => ctx?.close());

const login = (username: string, password: string, remoteAddress = '10.9.0.1') =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username, password }, remoteAddress });

describe('account hardening', () => {
  it('counts failed logins per account, whether the username or the email was typed', async () => {
    const user = await makeUser(ctx);
    expect((await login(user.username, 'wrong-1')).statusCode).toBe(401);
    expect((await login(user.email, 'wrong-2')).statusCode).toBe(401);
    expect((await login(user.username.toUpperCase(), 'wrong-3')).statusCode).toBe(401);
    expectProblem(await login(user.email, PASSWORD), 429, 'too_many_login_attempts');
  });

  it('never lets one string name two accounts (a username equal to another account’s email)', async () => {
    const first = await makeUser(ctx);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/register/',
      payload: {
        username: first.email.toUpperCase(),
        email: `${unique('x')}@example.com`,
        password: PASSWORD,
        password2: PASSWORD,
        first_name: 'Mallory',
        last_name: 'Doe',
      },
    });
    expectProblem(res, 400, 'validation_error', 'username');
    // And the other way round: an email equal to another account's username.
    const handle = `${unique('joe')}@shop.test`;
    await makeUser(ctx, { username: handle, email: `${unique('j')}@example.com` });
    const second = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/register/',
      payload: {
        username: unique('user_'),
        email: handle,
        password: PASSWORD,
        password2: PASSWORD,
        first_name: 'Ok',
        last_name: 'Fine',
      },
    });
    expectProblem(second, 400, 'validation_error', 'email');
  });

  it('limits guesses at the old password on change-password', async () => {
    const user = await makeUser(ctx);
    const change = (old_password: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/auth/change-password/',
        headers: bearer(user.access),
        payload: { old_password, new_password: 'Another-Strong-Passphrase-1' },
        remoteAddress: '10.9.0.2',
      });
    for (let i = 0; i < 3; i++) expectProblem(await change(`guess-${i}`), 400, 'validation_error', 'old_password');
    expectProblem(await change(PASSWORD), 429, 'too_many_login_attempts');
  });

  it('ends the logged-out session’s access token, and only that session', async () => {
    const user = await makeUser(ctx);
    const other = (await login(user.username, PASSWORD, '10.9.0.3')).json();
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/logout/',
      headers: bearer(user.access),
      payload: { refresh: user.refresh },
    });
    expect(res.statusCode).toBe(200);
    const profile = (access: string) =>
      ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers: bearer(access) });
    expectProblem(await profile(user.access), 401, 'token_invalid');
    expect((await profile(other.access)).statusCode).toBe(200);
  });

  it('upgrades a hash made under older argon2 settings at the next login', async () => {
    const user = await makeUser(ctx);
    const old = await new PasswordHasher({ memoryCost: 2048, timeCost: 2 }).hash(PASSWORD);
    await ctx.database.db.update(users).set({ passwordHash: old }).where(eq(users.id, user.id));
    expect((await login(user.username, PASSWORD, '10.9.0.4')).statusCode).toBe(200);
    const [row] = await ctx.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).not.toBe(old);
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect((await login(user.username, PASSWORD, '10.9.0.4')).statusCode).toBe(200);
  });
});
