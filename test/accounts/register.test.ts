import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import { commonPasswords } from '../../src/modules/accounts/passwords.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeUser, PASSWORD } from '../helpers/factories.js';
import { expectNoSecrets, expectProblem } from '../helpers/problems.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

function registration(overrides: Record<string, unknown> = {}) {
  const username = unique('reg_');
  return {
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
    password2: PASSWORD,
    first_name: 'Asha',
    last_name: 'Rao',
    ...overrides,
  };
}

const register = (payload: Record<string, unknown>) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/register/', payload });

describe('POST /api/auth/register/', () => {
  it('creates the account and answers the user, a working token pair and a message', async () => {
    const payload = registration({ phone: '+91 98765-43210' });
    const res = await register(payload);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['message', 'tokens', 'user']);
    expect(body.user).toEqual({
      id: expect.any(Number),
      username: payload.username,
      email: payload.email,
      first_name: 'Asha',
      last_name: 'Rao',
      phone: '+91 98765-43210',
      is_staff: false,
      date_joined: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(Math.abs(Date.parse(body.user.date_joined) - Date.now())).toBeLessThan(60_000);
    expect(body.tokens).toEqual({ access: expect.any(String), refresh: expect.any(String) });
    expect(body.message).toEqual(expect.any(String));
    expectNoSecrets(res);

    const profile = await ctx.app.inject({
      method: 'GET',
      url: '/api/auth/profile/',
      headers: bearer(body.tokens.access),
    });
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toEqual(body.user);

    const refreshed = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/token/refresh/',
      payload: { refresh: body.tokens.refresh },
    });
    expect(refreshed.statusCode).toBe(200);
  });

  it('defaults phone to an empty string and stores a hash, not the password', async () => {
    const payload = registration();
    const res = await register(payload);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().user.phone).toBe('');
    const [row] = await ctx.database.db
      .select()
      .from(users)
      .where(eq(users.id, res.json().user.id));
    expect(row!.passwordHash).not.toContain(PASSWORD);
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('is also served without the trailing slash', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: registration(),
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('ignores is_staff (and other read-only fields) in the body', async () => {
    const payload = registration({
      is_staff: true,
      id: 1,
      date_joined: '2000-01-01T00:00:00.000Z',
    });
    const res = await register(payload);
    expect(res.statusCode, res.body).toBe(201);
    const { user } = res.json();
    expect(user.is_staff).toBe(false);
    expect(user.date_joined).not.toBe('2000-01-01T00:00:00.000Z');
    const [row] = await ctx.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.isStaff).toBe(false);
  });

  describe('username', () => {
    it('is at least 3 characters', async () => {
      expectProblem(
        await register(registration({ username: 'ab' })),
        400,
        'validation_error',
        'username',
      );
    });

    it('is at most 150 characters', async () => {
      const long = unique('l').padEnd(151, 'x');
      expectProblem(
        await register(registration({ username: long, email: `${unique()}@example.com` })),
        400,
        'validation_error',
        'username',
      );
      const exactly150 = unique('l').padEnd(150, 'x');
      const ok = await register(
        registration({ username: exactly150, email: `${unique()}@example.com` }),
      );
      expect(ok.statusCode, ok.body).toBe(201);
    });

    it.each(['has space', 'semi;colon', 'slash/name', 'star*name', 'quote"name', ''])(
      'rejects %j',
      async (bad) => {
        const name = bad && `${bad}${unique('')}`;
        expectProblem(
          await register(registration({ username: name, email: `${unique()}@example.com` })),
          400,
          'validation_error',
          'username',
        );
      },
    );

    it('accepts letters, digits and @.+-_', async () => {
      const name = `A.b+c-d_e@f${unique('')}`;
      const res = await register(
        registration({ username: name, email: `${unique()}@example.com` }),
      );
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().user.username).toBe(name);
    });

    it('is unique, case-insensitively', async () => {
      const first = await makeUser(ctx, { username: unique('Dup_') });
      const res = await register(
        registration({ username: first.username.toUpperCase(), email: `${unique()}@example.com` }),
      );
      const body = expectProblem(res, 400, 'validation_error', 'username');
      expect(body.errors!.username).toEqual(['A user with that username already exists.']);
      expect(body.errors!.email).toBeUndefined();
    });

    it('is required', async () => {
      const { username: _omit, ...payload } = registration();
      expectProblem(await register(payload), 400, 'validation_error', 'username');
    });
  });

  describe('email', () => {
    it.each(['not-an-email', 'a@', '@example.com', 'two@@example.com', 'sp ace@example.com'])(
      'rejects %j',
      async (email) => {
        expectProblem(await register(registration({ email })), 400, 'validation_error', 'email');
      },
    );

    it('is unique, case-insensitively', async () => {
      const first = await makeUser(ctx);
      const res = await register(registration({ email: first.email.toUpperCase() }));
      const body = expectProblem(res, 400, 'validation_error', 'email');
      expect(body.errors!.email).toEqual(['A user with that email already exists.']);
      expect(body.errors!.username).toBeUndefined();
    });

    it('is required', async () => {
      const { email: _omit, ...payload } = registration();
      expectProblem(await register(payload), 400, 'validation_error', 'email');
    });
  });

  it.each(['first_name', 'last_name'])('requires %s', async (field) => {
    const payload: Record<string, unknown> = registration();
    delete payload[field];
    const missing = expectProblem(await register(payload), 400, 'validation_error', field);
    expect(missing.errors![field]).toEqual(['Required.']);
    expectProblem(await register(registration({ [field]: '' })), 400, 'validation_error', field);
    // Whitespace alone is blank too (it would be trimmed to '').
    expectProblem(
      await register(registration({ [field]: ' \t ' })),
      400,
      'validation_error',
      field,
    );
  });

  it('trims the names', async () => {
    const res = await register(registration({ first_name: '  Asha ', last_name: ' Rao  ' }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().user).toMatchObject({ first_name: 'Asha', last_name: 'Rao' });
  });

  describe('password', () => {
    it('must match password2 (errors.password2)', async () => {
      const body = expectProblem(
        await register(registration({ password2: `${PASSWORD}x` })),
        400,
        'validation_error',
        'password2',
      );
      expect(body.errors!.password).toBeUndefined();
    });

    it('is at least 8 characters', async () => {
      const body = expectProblem(
        await register(registration({ password: 'Xy7$kq2', password2: 'Xy7$kq2' })),
        400,
        'validation_error',
        'password',
      );
      expect(body.errors!.password).toEqual([
        'This password is too short. It must contain at least 8 characters.',
      ]);
      const ok = await register(registration({ password: 'Xy7$kq2w', password2: 'Xy7$kq2w' }));
      expect(ok.statusCode, ok.body).toBe(201);
    });

    it('is not entirely numeric', async () => {
      const numeric = '73920581647';
      expect((await commonPasswords()).has(numeric)).toBe(false);
      const body = expectProblem(
        await register(registration({ password: numeric, password2: numeric })),
        400,
        'validation_error',
        'password',
      );
      expect(body.errors!.password).toEqual(['This password is entirely numeric.']);
    });

    it.each(['password123', 'qwerty123', 'PassWord123'])(
      'is not a common password (%s)',
      async (pwd) => {
        expect((await commonPasswords()).has(pwd.toLowerCase())).toBe(true);
        const body = expectProblem(
          await register(registration({ password: pwd, password2: pwd })),
          400,
          'validation_error',
          'password',
        );
        expect(body.errors!.password).toContain('This password is too common.');
      },
    );

    it('is not too similar to the username', async () => {
      const username = unique('kavitha_');
      const pwd = `${username}!`;
      const body = expectProblem(
        await register(
          registration({
            username,
            email: `${unique()}@example.com`,
            password: pwd,
            password2: pwd,
          }),
        ),
        400,
        'validation_error',
        'password',
      );
      expect(body.errors!.password).toEqual(['The password is too similar to the username.']);
    });

    it('is not too similar to the email', async () => {
      const local = unique('mailbox');
      const pwd = `${local}#1`;
      const body = expectProblem(
        await register(
          registration({ email: `${local}@example.com`, password: pwd, password2: pwd }),
        ),
        400,
        'validation_error',
        'password',
      );
      expect(body.errors!.password).toEqual(['The password is too similar to the email address.']);
    });

    it('reports every broken rule and every bad field at once', async () => {
      const taken = await makeUser(ctx);
      const body = expectProblem(
        await register(
          registration({
            username: taken.username,
            email: taken.email,
            password: '1234',
            password2: '12345',
          }),
        ),
        400,
        'validation_error',
      );
      expect(Object.keys(body.errors!).sort()).toEqual([
        'email',
        'password',
        'password2',
        'username',
      ]);
      expect(body.errors!.password).toEqual(
        expect.arrayContaining([
          'This password is too short. It must contain at least 8 characters.',
          'This password is entirely numeric.',
        ]),
      );
    });

    it('is required, as is password2', async () => {
      const { password: _p, password2: _p2, ...payload } = registration();
      const body = expectProblem(await register(payload), 400, 'validation_error', 'password');
      expect(body.errors!.password2).toBeDefined();
    });
  });

  it('creates nothing when validation fails', async () => {
    const payload = registration({ password: 'password123', password2: 'password123' });
    expectProblem(await register(payload), 400, 'validation_error', 'password');
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/login/',
      payload: { username: payload.username, password: 'password123' },
    });
    expectProblem(login, 401, 'authentication_failed');
  });

  it('answers 400 for a body that is not JSON and 415 for another content type', async () => {
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/register/',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expectProblem(bad, 400, 'bad_request');
    const text = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/register/',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expectProblem(text, 415, 'unsupported_media_type');
  });

  it('lets only one of two concurrent registrations of one username through', async () => {
    const username = unique('race_');
    const results = await Promise.all(
      ['a', 'b', 'c'].map((suffix) =>
        register(registration({ username, email: `${username}.${suffix}@example.com` })),
      ),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 400, 400]);
    for (const res of results.filter((r) => r.statusCode === 400)) {
      expectProblem(res, 400, 'validation_error', 'username');
    }
  });
});
