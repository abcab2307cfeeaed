import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema/index.js';

type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Repositories take an Executor: the database itself or the caller's transaction. */
export type Executor = Db | Tx;

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** An open database: PostgreSQL through a pool, or the embedded PGlite. */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  ping(): Promise<void>;
  poolStats(): PoolStats | null;
  migrate(): Promise<void>;
  /**
   * Runs start-up DDL (migrations, the job queue's schema) while holding a lock shared by
   * every instance on the database, so that instances starting together take turns.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Raised when the embedded data folder is held by another process. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

// The planner's default random_page_cost (4) models spinning disks; on SSD or a cached
// data set it makes trigram-indexed searches look dearer than a sequential scan, which
// they are not (8 ms against 90 ms at 100,000 products). 1.1 is the usual SSD setting.
const RANDOM_PAGE_COST = 1.1;
const STARTUP_LOCK_KEY = 727_001; // pg_advisory_lock key shared by every instance
const migrationsFolder = join(findPackageRoot(), 'src', 'db', 'migrations');

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + import.meta.url);
    dir = parent;
  }
  return dir;
}

/** Rows of a raw `db.execute` result, whichever driver produced it. */
export async function queryRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * How long a request waits for a new connection before it is answered 503: PostgreSQL that
 * does not answer (a failover, a black-holed network) must not hold requests for good.
 */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A pool whose checked-out clients are given back when their connection breaks. Drizzle's
 * `transaction()` (0.45) sends BEGIN before its try/finally: when BEGIN fails because the
 * connection just died, it never releases the client, and after a few such failures every
 * request waits for a connection that never comes. Here a client that emits 'error' while
 * checked out is released at once with that error (pg-pool discards it, and its slot is free
 * for a fresh connection), and its owner's later release() does nothing.
 */
class SelfHealingPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    // pool.query() and pg-boss use the callback form and release the client themselves.
    if (callback) return super.connect(callback);
    return super.connect().then((client) => {
      const release = client.release.bind(client);
      let released = false;
      const releaseOnce = (err?: Error | boolean) => {
        if (released) return;
        released = true;
        client.removeListener('error', onBroken);
        release(err);
      };
      const onBroken = (err: Error) => releaseOnce(err);
      client.on('error', onBroken);
      client.release = releaseOnce;
      return client;
    });
  }
}

export function openPostgres(url: string, poolMax = 10, onError?: (err: Error) => void): Database {
  const pool = new SelfHealingPool({
    connectionString: url,
    max: poolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Notices a peer that vanished without closing the connection (a host or network failure).
    keepAlive: true,
    options: `-c random_page_cost=${RANDOM_PAGE_COST}`,
  });
  // A connection that breaks (pg_terminate_backend, a restart, a failover) makes its client
  // emit 'error'. The pool listens only while a client is idle; one checked out by a request
  // or a transaction would have no listener, and Node would end the process. Each client
  // gets a listener of its own for its whole life: the query in flight fails with the error
  // (answered 503), and pg-pool drops a client that is no longer queryable when it is
  // released, so the pool refills with fresh connections by itself.
  pool.on('connect', (client) => client.on('error', (err) => onError?.(err)));
  pool.on('error', () => {}); // an idle client's error: already reported by its own listener
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // A connection of its own (not the pool's: DB_POOL_MAX may be 1) holds a session
    // advisory lock while fn runs on the pool; closing it releases the lock.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // Losing it mid-way releases the lock; fn's own statements then fail on their own.
    client.on('error', (err) => onError?.(err));
    await client.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [STARTUP_LOCK_KEY]);
      return await fn();
    } finally {
      await client.end();
    }
  }
  return {
    kind: 'postgres',
    db,
    async ping() {
      await pool.query('select 1');
    },
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
    exclusive,
    async migrate() {
      await exclusive(() => migratePg(db as unknown as Parameters<typeof migratePg>[0], { migrationsFolder }));
    },
    close: () => pool.end(),
  };
}

export interface PgliteOptions {
  /** Folder of the data; omitted for an in-memory database. */
  dataDir?: string;
  /** A tarball from `dumpDataDir` to start from (tests clone a migrated template). */
  loadDataDir?: Blob | File;
}

/** Opens the embedded database, taking the data folder's lock first. */
export async function openPglite(options: PgliteOptions = {}): Promise<Database & { pglite: PGlite }> {
  const release = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      dataDir: options.dataDir ? join(options.dataDir, 'pglite') : undefined,
      loadDataDir: options.loadDataDir,
      extensions: { pg_trgm },
      relaxedDurability: !options.dataDir,
    });
  } catch (err) {
    release();
    throw err;
  }
  await pglite.exec(`set random_page_cost = ${RANDOM_PAGE_COST}`);
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    pglite,
    async ping() {
      await pglite.query('select 1');
    },
    poolStats: () => null,
    exclusive: (fn) => fn(),
    async migrate() {
      await migratePglite(drizzlePglite(pglite), { migrationsFolder });
    },
    async close() {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        release();
      }
    },
  };
}

/**
 * The embedded database belongs to one process: a pid file in the data folder says which.
 * A stale file (its process is gone) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'server.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new DataDirLockedError(
          `The embedded database in ${dataDir} is in use by another process (pid ${pid}); ` +
            'stop it first, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DataDirLockedError(`Could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens the configured database and applies pending migrations. */
export async function openDatabase(
  config: { databaseUrl: string | null; dataDir: string; dbPoolMax: number },
  onError?: (err: Error) => void,
): Promise<Database> {
  const database = config.databaseUrl
    ? openPostgres(config.databaseUrl, config.dbPoolMax, onError)
    : await openPglite({ dataDir: config.dataDir });
  try {
    await database.migrate();
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}
