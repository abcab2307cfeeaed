/**
 * A whole app whose HTTP layer and services log, as JSON lines, to a list the test reads:
 * buildTestApp's services log nowhere, and business events are logged by both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { buildServices, startJobs } from '../../src/services.js';
import { openTestDatabase, type TestContext } from '../helpers/app.js';

export type LogLine = Record<string, unknown> & {
  level: number;
  time: string;
  msg: string;
  reqId?: string;
};

export interface LoggedApp extends TestContext {
  /** Every line logged so far, parsed. */
  lines(): LogLine[];
  /** The raw text logged so far. */
  text(): string;
}

export async function buildLoggedApp(env: Record<string, string> = {}): Promise<LoggedApp> {
  const database = await openTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'shop-test-logs-'));
  const config = loadConfig({
    DATABASE_URL: inject('databaseUrl') || undefined,
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...env,
  });
  const written: string[] = [];
  const logger = createLogger(config, {
    stream: { write: (line: string) => void written.push(line) },
  });
  const services = buildServices({ config, database, log: logger, work: false });
  await startJobs(services, logger);
  const app = await buildApp({ services, logger });
  await app.ready();
  return {
    app,
    database,
    services,
    text: () => written.join(''),
    lines: () =>
      written
        .flatMap((chunk) => chunk.split('\n').filter(Boolean))
        .map((l) => JSON.parse(l) as LogLine),
    async close() {
      await app.close();
      await services.jobs.stop();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
