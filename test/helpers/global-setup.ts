import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { pino } from 'pino';
import { type Database, openPglite, openPostgres } from '../../src/db/client.js';
import { type JobHandlers, JobQueue } from '../../src/modules/jobs/queue.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A fresh, migrated PostgreSQL database for this run, or '' on PGlite. */
    databaseUrl: string;
    /** A migrated PGlite data-dir tarball that each test app starts from. */
    pgliteTemplate: string;
  }
}

/** pg-boss's schema and queues, created once so that test apps only check them. */
async function createJobSchema(database: Database) {
  const queue = new JobQueue(database, pino({ level: 'silent' }), { work: false });
  await queue.start({} as JobHandlers);
  await queue.stop();
}

/**
 * With TEST_DATABASE_URL: a fresh database on that server for this run, migrated once and
 * dropped at the end. Without: one migrated PGlite, dumped as a template that each test
 * file loads (a fresh PGlite takes seconds to create; loading a dump is quick).
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL?.trim();
  if (serverUrl) {
    const name = `shop_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const database = openPostgres(url.toString(), 2);
    await database.migrate();
    await createJobSchema(database);
    await database.close();
    project.provide('databaseUrl', url.toString());
    project.provide('pgliteTemplate', '');
    return async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  }
  const database = await openPglite();
  await database.migrate();
  await createJobSchema(database);
  const dump = await database.pglite.dumpDataDir('none');
  await database.close();
  const file = join(tmpdir(), `shop-pglite-template-${process.pid}.tar`);
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('databaseUrl', '');
  project.provide('pgliteTemplate', file);
  return async () => {
    await rm(file, { force: true });
  };
}
