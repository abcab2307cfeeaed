import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeUser, type TestUser } from '../helpers/factories.js';
import { expectNoSecrets, expectProblem } from '../helpers/problems.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

const send = (
  method: 'GET' | 'PUT' | 'PATCH',
  user: TestUser | null,
  payload?: Record<string, unknown>,
) =>
  ctx.app.inject({
    method,
    url: '/api/auth/profile/',
    headers: user ? bearer(user.access) : {},
    ...(payload ? { payload } : {}),
  });

describe('GET /api/auth/profile/', () => {
  it('answers the user object', async () => {
    const user = await makeUser(ctx, { phone: '98765 43210' });
    const res = await send('GET', user);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: user.id,
      username: user.username,
      email: user.email,
      first_name: 'Test',
      last_name: 'User',
      phone: '98765 43210',
      is_staff: false,
      date_joined: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expectNoSecrets(res);
  });

  it('shows is_staff for an admin', async () => {
    const admin = await makeAdmin(ctx);
    expect((await send('GET', admin)).json().is_staff).toBe(true);
  });

  it('answers 401 to an anonymous caller', async () => {
    expectProblem(await send('GET', null), 401, 'not_authenticated');
    expectProblem(await send('PATCH', null, { first_name: 'X' }), 401, 'not_authenticated');
    expectProblem(
      await send('PUT', null, { email: 'x@example.com', first_name: 'X', last_name: 'Y' }),
      401,
      'not_authenticated',
    );
  });
});

describe('PATCH /api/auth/profile/', () => {
  it('changes only the given fields', async () => {
    const user = await makeUser(ctx);
    const before = (await send('GET', user)).json();
    const res = await send('PATCH', user, { first_name: '  Meera  ' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...before, first_name: 'Meera' });
    expect((await send('GET', user)).json()).toEqual({ ...before, first_name: 'Meera' });
    expectNoSecrets(res);
  });

  it('changes email, last_name and phone', async () => {
    const user = await makeUser(ctx);
    const email = `${unique('new_')}@example.com`;
    const res = await send('PATCH', user, { email, last_name: 'Iyer', phone: '+91 1234' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      email,
      last_name: 'Iyer',
      phone: '+91 1234',
      first_name: 'Test',
    });
    // The new email logs in.
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/login/',
      payload: { username: email, password: user.password },
    });
    expect(login.statusCode).toBe(200);
  });

  it('accepts an empty body and changes nothing', async () => {
    const user = await makeUser(ctx);
    const before = (await send('GET', user)).json();
    const res = await send('PATCH', user, {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(before);
  });

  it('ignores the read-only fields id, username, is_staff and date_joined', async () => {
    const user = await makeUser(ctx);
    const other = await makeUser(ctx);
    const before = (await send('GET', user)).json();
    const res = await send('PATCH', user, {
      id: other.id,
      username: unique('renamed_'),
      is_staff: true,
      date_joined: '2000-01-01T00:00:00.000Z',
      first_name: 'Ravi',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...before, first_name: 'Ravi' });
    const [row] = await ctx.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ username: user.username, isStaff: false, firstName: 'Ravi' });
    // The other user was not touched.
    expect((await send('GET', other)).json().first_name).toBe('Test');
  });

  it("refuses another user's email, case-insensitively (400 errors.email)", async () => {
    const user = await makeUser(ctx);
    const other = await makeUser(ctx);
    const body = expectProblem(
      await send('PATCH', user, { email: other.email.toUpperCase() }),
      400,
      'validation_error',
      'email',
    );
    expect(body.errors!.email).toEqual(['A user with that email already exists.']);
    expect((await send('GET', user)).json().email).toBe(user.email);
  });

  it('accepts a change of case of your own email', async () => {
    const user = await makeUser(ctx);
    const res = await send('PATCH', user, { email: user.email.toUpperCase() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().email).toBe(user.email.toUpperCase());
  });

  it.each([
    ['email', 'not-an-email'],
    ['email', ''],
    ['first_name', ''],
    ['first_name', '   '],
    ['last_name', ''],
    ['last_name', '\t'],
    ['phone', 'call me'],
    ['phone', '1'.repeat(21)],
  ])('rejects %s = %j', async (field, value) => {
    const user = await makeUser(ctx);
    expectProblem(await send('PATCH', user, { [field]: value }), 400, 'validation_error', field);
  });
});

describe('PUT /api/auth/profile/', () => {
  it('replaces the writable fields', async () => {
    const user = await makeUser(ctx, { phone: '111' });
    const email = `${unique('put_')}@example.com`;
    const res = await send('PUT', user, { email, first_name: 'Anil', last_name: 'Kumar' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id: user.id,
      username: user.username,
      email,
      first_name: 'Anil',
      last_name: 'Kumar',
      // phone is optional in PUT; left out, it is kept
      phone: '111',
    });
  });

  it.each(['email', 'first_name', 'last_name'])('requires %s', async (field) => {
    const user = await makeUser(ctx);
    const payload: Record<string, unknown> = {
      email: `${unique()}@example.com`,
      first_name: 'A',
      last_name: 'B',
    };
    delete payload[field];
    const body = expectProblem(await send('PUT', user, payload), 400, 'validation_error', field);
    expect(body.errors![field]).toEqual(['Required.']);
    expect((await send('GET', user)).json().first_name).toBe('Test');
  });

  it("refuses another user's email and ignores read-only fields", async () => {
    const user = await makeUser(ctx);
    const other = await makeUser(ctx);
    expectProblem(
      await send('PUT', user, { email: other.email, first_name: 'A', last_name: 'B' }),
      400,
      'validation_error',
      'email',
    );
    const res = await send('PUT', user, {
      email: user.email,
      first_name: 'A',
      last_name: 'B',
      is_staff: true,
      username: 'nope',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ username: user.username, is_staff: false });
  });
});
