import type { Db, Executor } from './client.js';

/*
 * The one fast path for hand-written and hot SQL. Drizzle's query builder costs more Node
 * CPU than a small query itself (see bench/sql-path.ts), and PostgreSQL parses and plans a
 * named statement once per connection, not per call. Two shapes:
 *
 * - `namedStatement(name, text, map?)`: constant SQL text, run on the executor's own
 *   connection (inside a transaction: the transaction's), typed rows. `runOnConnection`
 *   under it runs any text there (pg-boss's SQL in the caller's transaction).
 * - `preparedFor(build)`: a Drizzle builder query prepared once per database with Drizzle's
 *   public `.prepare()`, for reads on the pool (outside transactions).
 *
 * The assumptions they make about Drizzle and the drivers are tested on PGlite and
 * PostgreSQL in test/db/sql.test.ts.
 */

/** What runs SQL on a driver connection: pg's Pool/PoolClient or PGlite (or its transaction). */
interface DriverClient {
  query(
    config: { name: string; text: string; values: unknown[] } | string,
    values?: unknown[],
  ): Promise<{ rows: unknown[] }>;
  /** PGlite's (and only PGlite's) clients have `exec`; the named-statement config is pg's alone. */
  exec?: unknown;
}

/**
 * Runs SQL text on the executor's own connection (inside a transaction: the transaction's),
 * as a named statement when `name` is given and the database is PostgreSQL. Drizzle (0.45)
 * keeps that connection, undocumented, as `session.client`: the pool or PGlite for the
 * database, the checked-out connection or PGlite's transaction for a transaction.
 */
export async function runOnConnection(
  ex: Executor,
  text: string,
  values: unknown[],
  name?: string,
) {
  const client = (ex as unknown as { session?: { client?: DriverClient } }).session?.client;
  if (!client || typeof client.query !== 'function') {
    throw new Error(
      `no driver connection on this executor (has Drizzle changed?) for: ${name ?? text}`,
    );
  }
  if (name === undefined || typeof client.exec === 'function') return client.query(text, values);
  return client.query({ name, text, values });
}

const texts = new Map<string, string>();

/**
 * A hand-written statement of constant text (lists go in as arrays: `unnest($1::int[])`),
 * run as a named statement on the executor's connection (PostgreSQL parses and plans it once
 * per connection) or, on PGlite, as a plain parameterised query. Rows come as the driver
 * gives them, keyed by the SQL's column names (R): numeric as a string, int8 as a string on
 * pg and on PGlite a number (a BigInt past 2^53), timestamptz as a Date, json parsed. `map`
 * converts each row.
 */
export function namedStatement<R>(
  name: string,
  text: string,
): (ex: Executor, values: unknown[]) => Promise<R[]>;
export function namedStatement<R, T>(
  name: string,
  text: string,
  map: (row: R) => T,
): (ex: Executor, values: unknown[]) => Promise<T[]>;
export function namedStatement<R, T>(name: string, text: string, map?: (row: R) => T) {
  // One name, one text: PostgreSQL refuses a second text under a name on a connection.
  const known = texts.get(name);
  if (known !== undefined && known !== text)
    throw new Error(`namedStatement ${name}: defined twice with different SQL`);
  texts.set(name, text);
  return async (ex: Executor, values: unknown[]): Promise<(R | T)[]> => {
    const { rows } = await runOnConnection(ex, text, values, name);
    return map ? (rows as R[]).map(map) : (rows as R[]);
  };
}

/**
 * Drizzle builder queries prepared once per database (`.prepare()` is Drizzle's public
 * API): measured ~220 µs of Node CPU per product detail built each time against ~60 µs
 * prepared. A prepared query is bound to the database it was built on, so these run on the
 * pool: use them outside transactions only (inside one, use `namedStatement`).
 */
export function preparedFor<T>(build: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (db) => {
    let prepared = cache.get(db);
    if (!prepared) {
      prepared = build(db);
      cache.set(db, prepared);
    }
    return prepared;
  };
}
