/**
 * First-run setup: the printed link, the routes that create the first admin with it, the
 * refusals (bad, expired or foreign token; wrong fields; staff exists), the race between
 * setups, and the demo catalogue route the setup page offers. Each app has a database of its
 * own: "no staff account exists" is a shop-wide fact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { users } from '../../src/db/schema/index.js';
import { TokenSigner } from '../../src/modules/accounts/index.js';
import { buildServices } from '../../src/services.js';
import { announceSetupLink } from '../../src/setup-link.js';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeUser, PASSWORD } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { freePort, run, start, waitForReady } from '../helpers/process.js';

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
    expect((await status(ctx)).json()).toEqual({ setup_needed: false, token_valid: null });
    expect((await status(ctx, token)).json()).toEqual({ setup_needed: false, token_valid: false });
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

  it('is over: 410, and no link is printed', async () => {
    const token = new TokenSigner(JWT_SECRET, 900, 3600).signSetup(3600);
    expect((await status(ctx, token)).json()).toMatchObject({ token_valid: true });
    await makeAdmin(ctx);
    expect((await status(ctx, token)).json()).toEqual({ setup_needed: false, token_valid: false });
    expectProblem(await setup(ctx, adminFields(token)), 410, 'setup_complete');
    expect((await printedLink(ctx)).url).toBeNull();
  });
});

describe(`racing setups on two instances (${onPostgres() ? 'PostgreSQL, parallel connections' : 'PGlite'})`, () => {
  let ctx: TestContext;
  /** Another instance on the same database and settings, as a cluster's second worker. */
  let other: App;
  beforeAll(async () => {
    ctx = await buildTestApp({}, { isolated: true });
    const services = buildServices({ config: ctx.services.config, database: ctx.database, log: pino({ level: 'silent' }), work: false });
    other = await buildApp({ services, logger: false });
    await other.ready();
  });
  afterAll(async () => {
    await other?.close();
    await ctx?.close();
  });

  it('takes the link one instance printed on the other, and creates exactly one admin; the others get 410', async () => {
    const token = tokenOf((await printedLink(ctx)).url);
    const onOther = await other.inject({ method: 'GET', url: '/api/auth/setup/', query: { token } });
    expect(onOther.json()).toEqual({ setup_needed: true, token_valid: true });
    const racers = Array.from({ length: 8 }, () => adminFields(token));
    const answers = await Promise.all(
      racers.map((fields, i) =>
        i % 2 ? other.inject({ method: 'POST', url: '/api/auth/setup/', payload: fields }) : setup(ctx, fields),
      ),
    );
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
    expect(after.json().count).toBeGreaterThanOrEqual(250);
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

describe('issue 21: npm start on a new shop, then the admin made while it runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shop-setup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the link once at start-up; the link makes the admin; the CLI points to the setup page', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = start('server.ts', [], { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'info' });
    let output = '';
    server.stdout.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('close', resolve));
    try {
      await waitForReady(base, () => output);
      const until = Date.now() + 10_000;
      while (!output.includes('/admin/setup?token=') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      // One JSON log line at info, with the link as a field and in the message.
      const lines = output.split('\n').filter((l) => l.includes('/admin/setup?token='));
      expect(lines, output).toHaveLength(1);
      const logged = JSON.parse(lines[0]!) as { level: number; msg: string; setupUrl: string };
      expect(logged.level).toBe(30);
      expect(logged.setupUrl).toMatch(new RegExp(`^http://localhost:${port}/admin/setup\\?token=[\\w.-]+$`));
      expect(logged.msg).toContain(logged.setupUrl);
      const token = new URL(logged.setupUrl).searchParams.get('token')!;

      // The CLI cannot open the embedded database the server holds: it says what to do instead.
      const seed = await run('cli.ts', ['seed'], { DATA_DIR: dir });
      expect(seed.code).toBe(1);
      expect(seed.stderr).toContain('in use by another process');
      expect(seed.stderr).toContain('/admin/setup');
      const create = await run('cli.ts', ['admin:create', '--username', 'x', '--email', 'x@y.z', '--password', 'p'], {
        DATA_DIR: dir,
      });
      expect(create.code).toBe(1);
      expect(create.stderr).toContain('setup link');

      const post = (body: object) =>
        fetch(`${base}/api/auth/setup/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const made = await post({ token, username: 'owner', email: 'owner@shop.example', password: PASSWORD });
      expect(made.status, await made.clone().text()).toBe(201);
      const { access } = (await made.json()) as { access: string };
      const users = await fetch(`${base}/api/admin/users/`, { headers: bearer(access) });
      expect(users.status).toBe(200);
      expect((await post({ token, username: 'second', email: 'second@shop.example', password: PASSWORD })).status).toBe(410);

      server.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      server.kill('SIGKILL');
    }
  }, 120_000);
});
