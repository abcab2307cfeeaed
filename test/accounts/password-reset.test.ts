/**
 * Password reset by e-mail, end to end through a real SMTP server: the same answer for every
 * address, a single-use hashed token valid for an hour, every session ended, limits per
 * address and per IP.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emails, passwordResetTokens } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, login, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { TestSmtpServer } from '../notifications/smtp.js';

let smtp: TestSmtpServer;
let ctx: TestContext;
beforeAll(async () => {
  smtp = await new TestSmtpServer().start();
  ctx = await buildTestApp({
    JOBS: 'on',
    SMTP_URL: smtp.url,
    SHOP_NAME: 'Test Shop',
    SHOP_URL: 'https://shop.test',
    // Every request of this file comes from one address: the per-IP limit is tested on its own app.
    LOGIN_MAX_FAILURES: '1000',
  });
});
afterAll(async () => {
  await ctx?.close();
  await smtp?.stop();
});

const requestReset = (email: string, app = ctx) =>
  app.app.inject({ method: 'POST', url: '/api/auth/password-reset/', payload: { email } });
const confirm = (token: string, new_password: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm/', payload: { token, new_password } });

/** The token of the n-th (1-based) reset e-mail to a user, from its link. */
async function resetToken(user: TestUser, n = 1): Promise<string> {
  const mails = (await smtp.waitFor(user.email, 1)).filter((m) => m.subject === 'Reset your Test Shop password');
  const all = mails.length >= n ? mails : await waitForResets(user, n);
  const text = all[n - 1]!.text!;
  const match = /https:\/\/shop\.test\/reset-password\?token=([\w-]+)/.exec(text);
  expect(match, text).not.toBeNull();
  expect(all[n - 1]!.html).toContain(`href="https://shop.test/reset-password?token=${match![1]}"`);
  return match![1]!;
}

async function waitForResets(user: TestUser, n: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const mails = smtp.to(user.email).filter((m) => m.subject === 'Reset your Test Shop password');
    if (mails.length >= n || Date.now() > deadline) return mails;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('POST /api/auth/password-reset/', () => {
  it('answers the same for a known and an unknown address, and e-mails only the known one', async () => {
    const user = await makeUser(ctx);
    const known = await requestReset(user.email.toUpperCase());
    const unknown = await requestReset(`${unique('nobody_')}@example.com`);
    expect(known.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    expect(unknown.body).toBe(known.body);
    expect(await resetToken(user)).toMatch(/^[\w-]{43}$/);
    // Stored hashed: the token itself is nowhere in the database.
    const [row] = await ctx.database.db
      .select()
      .from(passwordResetTokens)
      .where(eq(passwordResetTokens.userId, user.id));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.expiresAt.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(row!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(60 * 60_000);
  });

  it('rejects a body without an e-mail, naming the field', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/', payload: {} });
    expectProblem(res, 400, 'validation_error', 'email');
    expectProblem(
      await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm/', payload: { token: 5 } }),
      400,
      'validation_error',
      'token',
    );
  });
});

describe('POST /api/auth/password-reset/confirm/', () => {
  it('sets the password once, ends every session and e-mails that the password changed', async () => {
    const user = await makeUser(ctx);
    const other = await login(ctx, user);
    await requestReset(user.email);
    const token = await resetToken(user);

    // A rejected password does not use the token up.
    expectProblem(await confirm(token, 'short'), 400, 'validation_error', 'new_password');
    expectProblem(await confirm(token, user.username), 400, 'validation_error', 'new_password');

    const res = await confirm(token, 'Brand-New-Pass-91');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ message: expect.any(String) });

    // Single use.
    expectProblem(await confirm(token, 'Another-New-Pass-92'), 400, 'reset_token_invalid');

    // Every session ended: access tokens and refresh tokens of every login.
    for (const access of [user.access, other.access]) {
      const profile = await ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers: bearer(access) });
      expectProblem(profile, 401, 'token_invalid');
    }
    for (const refresh of [user.refresh, other.refresh]) {
      const r = await ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh } });
      expectProblem(r, 401, 'token_invalid');
    }
    // The new password logs in, the old one does not.
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/login/',
      payload: { username: user.username, password: user.password },
    });
    expectProblem(bad, 401, 'authentication_failed');
    expect((await login(ctx, { ...user, password: 'Brand-New-Pass-91' })).access).toEqual(expect.any(String));

    const changed = await smtp.waitFor(user.email, 3); // welcome, reset, changed
    const notice = changed.find((m) => m.subject === 'Your Test Shop password was changed');
    expect(notice?.text).toContain(user.username);
    expect(notice?.html).toContain('<table');
  });

  it('accepts only the newest token of a user', async () => {
    const user = await makeUser(ctx);
    await requestReset(user.email);
    const first = await resetToken(user, 1);
    await requestReset(user.email);
    const second = await resetToken(user, 2);
    expect(second).not.toBe(first);
    expectProblem(await confirm(first, 'Brand-New-Pass-93'), 400, 'reset_token_invalid');
    expect((await confirm(second, 'Brand-New-Pass-93')).statusCode).toBe(200);
  });

  it('refuses an expired token, and an unknown one', async () => {
    const user = await makeUser(ctx);
    await requestReset(user.email);
    const token = await resetToken(user);
    await ctx.database.db
      .update(passwordResetTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(passwordResetTokens.userId, user.id));
    expectProblem(await confirm(token, 'Brand-New-Pass-94'), 400, 'reset_token_invalid');
    expectProblem(await confirm('not-a-token-at-all', 'Brand-New-Pass-94'), 400, 'reset_token_invalid');
    // Nothing changed: the old password still logs in.
    expect((await login(ctx, user)).access).toEqual(expect.any(String));
  });

  it('lets one of two concurrent confirmations with one token win', async () => {
    const user = await makeUser(ctx);
    await requestReset(user.email);
    const token = await resetToken(user);
    const answers = await Promise.all([confirm(token, 'Racing-Pass-One-1'), confirm(token, 'Racing-Pass-Two-2')]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
    const changed = await ctx.database.db
      .select()
      .from(emails)
      .where(eq(emails.to, user.email))
      .then((rows) => rows.filter((r) => r.template === 'password_changed'));
    expect(changed).toHaveLength(1);
  });
});

describe('password reset limits', () => {
  let limited: TestContext;
  beforeAll(async () => {
    limited = await buildTestApp({ LOGIN_MAX_FAILURES: '2', TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await limited?.close();
  });
  const from = (ip: string, email: string) =>
    limited.app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/',
      payload: { email },
      headers: { 'x-forwarded-for': ip },
    });

  it('limits requests per address, whichever IP they come from', async () => {
    const email = `${unique('limit_')}@example.com`;
    expect((await from('10.0.0.1', email)).statusCode).toBe(200);
    expect((await from('10.0.0.2', email)).statusCode).toBe(200);
    const res = await from('10.0.0.3', email);
    expectProblem(res, 429, 'rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('limits requests per IP, whichever address they name', async () => {
    expect((await from('10.0.1.1', `${unique('a_')}@example.com`)).statusCode).toBe(200);
    expect((await from('10.0.1.1', `${unique('b_')}@example.com`)).statusCode).toBe(200);
    expectProblem(await from('10.0.1.1', `${unique('c_')}@example.com`), 429, 'rate_limited');
  });
});
