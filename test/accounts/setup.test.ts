/**
 * First-run setup: the printed link, the routes that create the first admin with it, the
 * refusals (bad, expired or foreign token; wrong fields; staff exists), the race between
 * setups, and the demo catalogue route the setup page offers. Each app has a database of its
 * own: "no staff account exists" is a shop-wide fact.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import { TokenSigner } from '../../src/modules/accounts/index.js';
import { announceSetupLink } from '../../src/setup-link.js';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeUser, PASSWORD } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** The setup link the server would print, and what the logger received. */
async function printedLink(ctx: TestContext): Promise<{ url: URL | null; lines: string[] }> {
  const lines: string[] = [];
  const logger = {
    info: (obj: object, msg: string) => void lines.push(`${msg} ${JSON.stringify(obj)}`),
    warn: (obj: object, msg: string) => void lines.push(`WARN ${msg}`),
  };
  await announceSetupLink(ctx.services, logger as never);
  const found = /(http:\/\/\S+\/admin\/setup\?token=[\w.-]+)/.exec(lines.join('\n'));
  return { url: found ? new URL(found[1]!) : null, lines };
}

function tokenOf(url: URL | null): string {
  const token = url?.searchParams.get('token');
  expect(token).toEqual(expect.any(String));
  return token!;
}

const status = (ctx: TestContext, token?: string) =>
  ctx.app.inject({ method: 'GET', url: '/api/auth/setup/', query: token === undefined ? {} : { token } });

const setup = (ctx: TestContext, payload: Record<string, unknown>) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/setup/', payload });

function adminFields(token: string) {
  const username = unique('boss_');
  return { token, username, email: `${username}@shop.example`, password: PASSWORD };
}

async function staffCount(ctx: TestContext): Promise<number> {
  const [row] = await ctx.database.db.select({ n: count() }).from(users).where(eq(users.isStaff, true));
  return row!.n;
}

describe('first-run setup', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({}, { isolated: true });
  });
  afterAll(async () => ctx?.close());

  it('prints a link while no staff exists, and says setup is needed', async () => {
    const { url, lines } = await printedLink(ctx);
    expect(url?.origin).toBe('http://localhost:3000');
    expect(url?.pathname).toBe('/admin/setup');
    expect(lines.join('\n')).toContain('no staff account yet');
    const token = tokenOf(url);
    expect(token).toMatch(/^\d+\.[\w-]{43}\.[\w-]{43}$/);

    const open = await status(ctx);
    expect(open.statusCode, open.body).toBe(200);
    expect(open.json()).toEqual({ setup_needed: true, token_valid: null });
    expect((await status(ctx, token)).json()).toEqual({ setup_needed: true, token_valid: true });
    expect((await status(ctx, 'nope')).json()).toEqual({ setup_needed: true, token_valid: false });
    // Each start prints a new link; the earlier ones stay valid until they expire.
    const again = tokenOf((await printedLink(ctx)).url);
    expect(again).not.toBe(token);
    expect((await status(ctx, token)).json()).toMatchObject({ token_valid: true });
  });

  it('refuses a wrong, expired, foreign or tampered token with 400 setup_token_invalid', async () => {
    const good = tokenOf((await printedLink(ctx)).url);
    const signer = new TokenSigner(JWT_SECRET, 900, 3600);
    const expired = signer.signSetup(3600, Math.floor(Date.now() / 1000) - 7200);
    const foreign = new TokenSigner('another-secret-that-is-long-enough-0123456789', 900, 3600).signSetup(3600);
    const [exp, nonce, mac] = good.split('.');
    const tampered = `${Number(exp) + 86_400}.${nonce}.${mac}`;
    const jwt = await signer.signAccess(1, 0, 'family');
    for (const token of ['garbage', expired, foreign, tampered, jwt]) {
      expectProblem(await setup(ctx, adminFields(token)), 400, 'setup_token_invalid');
      expect((await status(ctx, token)).json()).toMatchObject({ token_valid: false });
    }
    expect(await staffCount(ctx)).toBe(0);
  });

  it('names every wrong field at once, and leaves the token usable', async () => {
    const token = tokenOf((await printedLink(ctx)).url);
    const taken = await makeUser(ctx);
    const body = expectProblem(
      await setup(ctx, { token, username: 'no spaces!', email: 'not-an-email', password: '12345678' }),
      400,
      'validation_error',
    );
    expect(Object.keys(body.errors!).sort()).toEqual(['email', 'password', 'username']);
    // Names another account holds, and a password like the username, together.
    const again = expectProblem(
      await setup(ctx, { token, username: taken.username, email: taken.email, password: taken.username }),
      400,
      'validation_error',
    );
    expect(again.errors!.username).toEqual(['A user with that username already exists.']);
    expect(again.errors!.email).toEqual(['A user with that email already exists.']);
    expect(again.errors!.password!.join(' ')).toMatch(/too similar|too common|too short/);
    expectProblem(await setup(ctx, { token }), 400, 'validation_error');
    expect(await staffCount(ctx)).toBe(0);
    expect((await status(ctx, token)).json()).toMatchObject({ token_valid: true });
  });

  it('creates a staff admin with a good token, signed in, who can use admin routes', async () => {
    const token = tokenOf((await printedLink(ctx)).url);
    const fields = adminFields(token);
    const res = await setup(ctx, { ...fields, email: ` ${fields.email} ` });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({ username: fields.username, email: fields.email, is_staff: true });
    expect(body.refresh).toEqual(expect.any(String));
    expect(res.cookies).toEqual([]); // no cookie unless asked for
    expect(res.body).not.toMatch(/password_hash|\$argon2/);

    const admin = await ctx.app.inject({ method: 'GET', url: '/api/admin/users/', headers: bearer(body.access) });
    expect(admin.statusCode, admin.body).toBe(200);
    const refreshed = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/token/refresh/',
      payload: { refresh: body.refresh },
    });
    expect(refreshed.statusCode).toBe(200);
    // The password works for a normal login too.
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/login/',
      payload: { username: fields.username, password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    expect(await staffCount(ctx)).toBe(1);
  });

  it('is over for good once a staff account exists: 410, and no link is printed', async () => {
    const { url, lines } = await printedLink(ctx);
    expect(url).toBeNull();
    expect(lines).toEqual([]);
    const signer = new TokenSigner(JWT_SECRET, 900, 3600);
    const token = signer.signSetup(3600);
    expectProblem(await status(ctx), 410, 'setup_complete');
    expectProblem(await status(ctx, token), 410, 'setup_complete');
    expectProblem(await setup(ctx, adminFields(token)), 410, 'setup_complete');
    expectProblem(await setup(ctx, adminFields('garbage')), 410, 'setup_complete');
    expect(await staffCount(ctx)).toBe(1);
  });
});

describe('setup with a staff account made otherwise (admin:create, promotion)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({}, { isolated: true });
  });
  afterAll(async () => ctx?.close());

  it('answers 410 and prints no link', async () => {
    const token = new TokenSigner(JWT_SECRET, 900, 3600).signSetup(3600);
    expect((await status(ctx, token)).json()).toMatchObject({ token_valid: true });
    await makeAdmin(ctx);
    expectProblem(await status(ctx, token), 410, 'setup_complete');
    expectProblem(await setup(ctx, adminFields(token)), 410, 'setup_complete');
    expect((await printedLink(ctx)).url).toBeNull();
  });
});

describe(`racing setups (${onPostgres() ? 'PostgreSQL, parallel connections' : 'PGlite'})`, () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({}, { isolated: true });
  });
  afterAll(async () => ctx?.close());

  it('creates exactly one admin; the others get 410', async () => {
    const token = tokenOf((await printedLink(ctx)).url);
    const racers = Array.from({ length: 8 }, () => adminFields(token));
    const answers = await Promise.all(racers.map((fields) => setup(ctx, fields)));
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses, answers.map((r) => r.body).join('\n')).toEqual([201, 410, 410, 410, 410, 410, 410, 410]);
    for (const r of answers.filter((a) => a.statusCode === 410)) expectProblem(r, 410, 'setup_complete');
    expect(await staffCount(ctx)).toBe(1);
    const winner = answers.find((r) => r.statusCode === 201)!.json();
    const [row] = await ctx.database.db.select().from(users).where(eq(users.isStaff, true));
    expect(row!.username).toBe(winner.user.username);
  });
});

describe('POST /api/admin/demo-catalog/', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({}, { isolated: true });
  });
  afterAll(async () => ctx?.close());

  const load = (access?: string) =>
    ctx.app.inject({ method: 'POST', url: '/api/admin/demo-catalog/', headers: access ? bearer(access) : {} });

  it('is for staff only', async () => {
    expectProblem(await load(), 401, 'not_authenticated');
    const customer = await makeUser(ctx);
    expectProblem(await load(customer.access), 403, 'permission_denied');
  });

  it('loads the seed’s catalogue into an empty shop, then refuses with 409', async () => {
    const admin = await makeAdmin(ctx);
    // The product list's count is cached: it must not stay at the empty shop's 0.
    const before = await ctx.app.inject({ url: '/api/products/' });
    expect(before.json().count).toBe(0);
    const res = await load(admin.access);
    expect(res.statusCode, res.body).toBe(201);
    const loaded = res.json();
    expect(loaded.categories).toBeGreaterThanOrEqual(15);
    expect(loaded.products).toBeGreaterThanOrEqual(250);
    const after = await ctx.app.inject({ url: '/api/products/' });
    expect(after.json().count).toBe(loaded.products);
    expectProblem(await load(admin.access), 409, 'conflict');
  }, 180_000);

  it('refuses a shop that has a category of its own', async () => {
    const other = await buildTestApp({}, { isolated: true });
    try {
      const admin = await makeAdmin(other);
      const made = await other.app.inject({
        method: 'POST',
        url: '/api/categories/',
        headers: bearer(admin.access),
        payload: { name: 'Own things' },
      });
      expect(made.statusCode, made.body).toBe(201);
      const res = await other.app.inject({ method: 'POST', url: '/api/admin/demo-catalog/', headers: bearer(admin.access) });
      const body = expectProblem(res, 409, 'conflict');
      expect(body.detail).toContain('not empty');
    } finally {
      await other.close();
    }
  });
});
