import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { inject } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { buildServices, type Services, startJobs } from '../../src/services.js';
import { loadConfig } from '../../src/config.js';
import { type Database, openPglite, openPostgres } from '../../src/db/client.js';

export const onPostgres = () => inject('databaseUrl') !== '';

/**
 * Opens this run's test database: the shared PostgreSQL one, or a fresh PGlite clone.
 * `isolated` gives a PostgreSQL test a database of its own (for global figures such as
 * the dashboard's), dropped on close; PGlite clones are always isolated.
 */
export async function openTestDatabase(isolated = false): Promise<Database> {
  const url = inject('databaseUrl');
  if (url && isolated) return openIsolatedPostgres(url);
  if (url) return openPostgres(url, 20);
  const template = await readFile(inject('pgliteTemplate'));
  return openPglite({ loadDataDir: new Blob([template]) });
}

async function openIsolatedPostgres(sharedUrl: string): Promise<Database> {
  const name = `${new URL(sharedUrl).pathname.slice(1)}_iso_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: sharedUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(sharedUrl);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString(), 20);
  await database.migrate();
  return {
    ...database,
    async close() {
      await database.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export interface TestContext {
  app: App;
  database: Database;
  services: Services;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Shared Redis for the login limiter and rate limits; omitted keeps them in-process. */
  redis?: Redis;
  /** A database of its own on PostgreSQL runs (see openTestDatabase). */
  isolated?: boolean;
  /** The HTTP app's logger (default: none), for a test that reads what the server logged. */
  logger?: FastifyBaseLogger;
}

/** A whole app on the test database; `env` overrides settings as the environment would. */
export async function buildTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestContext> {
  // An app that runs jobs gets its own database: pg-boss's queue is shared by everything on
  // one database, and another file's workers would take this file's jobs.
  const database = await openTestDatabase(options.isolated ?? env.JOBS === 'on');
  // A data folder of its own: uploaded images (DATA_DIR/media) and e-mails written as files
  // (DATA_DIR/mail) stay with the test, and go with it.
  const dataDir = env.DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'shop-test-data-')));
  const config = loadConfig({
    DATABASE_URL: inject('databaseUrl') || undefined,
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    // Tests hash many passwords; production uses one of OWASP's minimum settings (12 MiB, 3 passes).
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    LOG_LEVEL: 'silent',
    // Redis outlives a test run; keys of this run's users must not meet an earlier run's.
    REDIS_KEY_PREFIX: `shop-test-${runId()}:`,
    ...env,
  });
  const log = pino({ level: 'silent' });
  const services = buildServices({
    config,
    database,
    redis: options.redis ?? null,
    log,
    // Jobs run only where a test asks for them (JOBS=on), polling fast.
    work: config.jobs && env.JOBS === 'on',
    pollingIntervalSeconds: 0.5,
  });
  await startJobs(services, log);
  const app = await buildApp({ services, logger: options.logger ?? false });
  await app.ready();
  return {
    app,
    database,
    services,
    async close() {
      await app.close();
      await services.jobs.stop();
      await database.close();
      if (env.DATA_DIR === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Identifies this test run (its database is fresh), shared by every file of the run. */
function runId(): string {
  const source = inject('databaseUrl') || inject('pgliteTemplate');
  return createHash('sha256').update(source).digest('hex').slice(0, 10);
}

/** A short unique suffix, so that tests sharing a database never collide. */
export function unique(prefix = 'u'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}
