import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type Database, openPglite, openPostgres } from '../../src/db/client.js';

export const onPostgres = () => inject('databaseUrl') !== '';

/** Opens this run's test database: the shared PostgreSQL one, or a fresh PGlite clone. */
export async function openTestDatabase(): Promise<Database> {
  const url = inject('databaseUrl');
  if (url) return openPostgres(url, 20);
  const template = await readFile(inject('pgliteTemplate'));
  return openPglite({ loadDataDir: new Blob([template]) });
}

export interface TestContext {
  app: App;
  database: Database;
  close(): Promise<void>;
}

/** A whole app on the test database; `env` overrides settings as the environment would. */
export async function buildTestApp(env: Record<string, string> = {}): Promise<TestContext> {
  const database = await openTestDatabase();
  const config = loadConfig({
    DATABASE_URL: inject('databaseUrl') || undefined,
    DATA_DIR: '/nonexistent-test-data-dir',
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    // Tests hash many passwords; production uses OWASP's minimum (19 MiB, 2 passes).
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await buildApp({ config, database, logger: false });
  await app.ready();
  return {
    app,
    database,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

/** A short unique suffix, so that tests sharing a database never collide. */
export function unique(prefix = 'u'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export function json<T = Record<string, any>>(res: LightMyRequestResponse): T {
  return res.json() as T;
}
