import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { buildServices, type Services } from '../../src/services.js';
import { onPostgres, openTestDatabase } from '../helpers/app.js';
import { expectProblem } from '../helpers/problems.js';

/**
 * Each class of PostgreSQL error, raised for real by the database, reaching the one error
 * handler through a route: what a client sees. (The routes' own causes are fixed one by one
 * elsewhere; this holds the class, whatever route meets it next.)
 */
const FAILING_SQL: Record<string, string> = {
  '22P02': `select 'abc'::int`,
  '22003': `select 1e20::numeric(12,2)`,
  '22007': `select 'not a date'::date`,
  '22008': `select '2024-13-45'::date`,
  '22023': `select now() at time zone 'US/Pacific-New'`,
  '22P05': `select '"\\u0000"'::jsonb`,
  '22001': `do $$ declare v varchar(2); begin v := 'abc'; end $$`,
  '22012': `select 1 / 0`,
};

let database: Database;
let services: Services;
let app: App;

beforeAll(async () => {
  database = await openTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.kind === 'postgres' ? 'postgres://unused@127.0.0.1/unused' : undefined,
    DATA_DIR: '/nonexistent-test-data-dir',
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    LOG_LEVEL: 'silent',
  });
  const log = pino({ level: 'silent' });
  services = buildServices({ config, database, log, work: false });
  app = await buildApp({ services, logger: false });
  app.get('/test/sql/:state', { config: { auth: 'none' } }, async (request) => {
    const { state } = request.params as { state: string };
    if (state === '54000') {
      // An index row past btree's limit (~2.7 kB of incompressible text).
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`create temp table big_keys (k text primary key) on commit drop`);
        await tx.execute(sql`insert into big_keys select string_agg(md5(i::text), '') from generate_series(1, 200) i`);
      });
    } else if (state === '22021') {
      await database.db.execute(sql`select ${'a\u0000b'}::text`);
    } else if (state === '57P01') {
      await database.db.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
    } else if (state === 'ECONNREFUSED') {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' });
    } else {
      await database.db.execute(sql.raw(FAILING_SQL[state]!));
    }
    return { ok: true };
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

const hit = (state: string) => app.inject({ method: 'GET', url: `/test/sql/${state}` });

describe('PostgreSQL errors a client can cause are 400, not 500', () => {
  it.each([...Object.keys(FAILING_SQL), '54000', '22021'])('%s', async (state) => {
    const res = await hit(state);
    const problem = expectProblem(res, 400, 'bad_request');
    // The detail names the kind of value, never the SQL or the server's message.
    expect(problem.detail).not.toMatch(/select|syntax|postgres|relation|big_keys/i);
  });
});

describe('the database out of reach is 503 with Retry-After', () => {
  it('a refused connection', async () => {
    const res = await hit('ECONNREFUSED');
    expectProblem(res, 503, 'service_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.body).not.toContain('127.0.0.1');
  });

  it.skipIf(!onPostgres())('a connection terminated mid-query (57P01), and the next request is served', async () => {
    const res = await hit('57P01');
    expectProblem(res, 503, 'service_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The broken connection left the pool; a fresh one serves the next query.
    const again = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(again.statusCode).toBe(200);
  });
});
