import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildTestApp, onPostgres, unique } from '../helpers/app.js';
import { run } from '../helpers/process.js';

const dirs: string[] = [];
const tempDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'shop-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('CLI usage', () => {
  it('prints usage and exits 2 without a command, or with missing options', async () => {
    const none = await run('cli.ts', [], {});
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('npm run admin:create');
    const missing = await run('cli.ts', ['admin:create', '--username', 'x'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('admin:create needs --email, --password');
    const unknown = await run('cli.ts', ['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
  });
});

describe('CLI on the embedded database', () => {
  // Seven CLI processes, each starting tsx and the embedded database: 3–5 s each on CI.
  it('migrates, seeds idempotently and creates or promotes an admin before any server ran', async () => {
    const env = { DATA_DIR: tempDataDir() };
    const migrate = await run('cli.ts', ['migrate'], env);
    expect(migrate.stdout).toContain('Migrations applied (pglite)');
    expect(migrate.code).toBe(0);

    const seeded = await run('cli.ts', ['seed'], env);
    expect(seeded.code).toBe(0);
    const [, categories, products, created] =
      /(\d+) categories, (\d+) products \((\d+) new\)/.exec(seeded.stdout) ?? [];
    expect(Number(categories)).toBeGreaterThanOrEqual(15);
    expect(Number(products)).toBeGreaterThanOrEqual(250);
    expect(created).toBe(products);
    const again = await run('cli.ts', ['seed'], env);
    expect(again.stdout).toContain(`${products} products (0 new)`);

    const weak = await run(
      'cli.ts',
      ['admin:create', '--username', 'boss', '--email', 'boss@example.com', '--password', 'password123'],
      env,
    );
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('This password is too common.');
    const args = ['admin:create', '--username', 'boss', '--email', 'boss@example.com', '--password', 'Sup3r-Secret!'];
    const createdAdmin = await run('cli.ts', args, env);
    expect(createdAdmin.code).toBe(0);
    expect(createdAdmin.stdout).toMatch(/Created staff user "boss" \(id \d+\)/);
    const promoted = await run('cli.ts', args, env);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/User "boss" \(id \d+\) is now staff/);
  }, 90_000);

  it('refuses to touch a data folder that a live process holds', async () => {
    const dir = tempDataDir();
    writeFileSync(join(dir, 'server.pid'), String(process.pid));
    const res = await run('cli.ts', ['migrate'], { DATA_DIR: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`is in use by another process (pid ${process.pid})`);
  });
});

describe.skipIf(!onPostgres())('CLI on PostgreSQL', () => {
  it('creates a staff user who can log in as admin', async () => {
    const username = unique('admin_');
    const password = 'Sup3r-Secret-Admin!';
    const res = await run(
      'cli.ts',
      ['admin:create', '--username', username, '--email', `${username}@example.com`, '--password', password],
      { DATABASE_URL: inject('databaseUrl'), JWT_SECRET: 'y'.repeat(40) },
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const ctx = await buildTestApp();
    try {
      const login = await ctx.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        payload: { username: `${username}@example.com`, password },
      });
      expect(login.statusCode).toBe(200);
      expect(login.json().user.is_staff).toBe(true);
    } finally {
      await ctx.close();
    }
  });
});
