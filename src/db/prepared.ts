import type { Db, Executor } from './client.js';

/**
 * Prepared statements for hot queries, built once per database. Drizzle's query builder
 * costs more CPU than the query itself on small lookups (measured: ~220 µs of Node CPU per
 * product detail built each time against ~60 µs prepared), and PostgreSQL skips parsing.
 * They run on the pool, so use them outside transactions only.
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

/**
 * Prepared statements for use inside transactions. Drizzle binds a prepared statement to
 * the client it was built on; `statements(ex)` builds the set once per driver (pg or PGlite:
 * the SQL is the same, the execution differs) and `onConnection` runs one on the
 * transaction's own connection. On PostgreSQL it is a named statement: the server parses
 * and plans it once per connection, and Node builds its SQL once, not per call.
 *
 * Every value that changes between calls must be a `sql.placeholder` (or `now()` in SQL):
 * anything else is frozen into the statement when it is first built.
 */
export function preparedInTx<T extends object>(build: (ex: Executor) => T): (ex: Executor) => T {
  const byDriver = new Map<unknown, T>();
  return (ex) => {
    const driver = sessionOf(ex)?.constructor;
    let built = byDriver.get(driver);
    if (!built) {
      built = build(ex);
      byDriver.set(driver, built);
    }
    const client = sessionOf(ex)?.client;
    if (!client) return built;
    // The same statements, each executing on this executor's connection.
    return new Proxy(built, {
      get: (target, key) => {
        const query = target[key as keyof T];
        return query && typeof query === 'object' ? Object.create(query, { client: { value: client } }) : query;
      },
    });
  };
}

function sessionOf(ex: Executor): { client?: unknown } | undefined {
  return (ex as unknown as { session?: { client?: unknown } }).session;
}

/**
 * A hand-written statement of constant text (lists go in as arrays: `unnest($1::int[])`),
 * run as a named statement on the executor's connection (PostgreSQL parses and plans it once
 * per connection) or, on PGlite, as a plain parameterised query. Rows come back as the
 * driver gives them: keyed by the SQL's column names.
 */
export function namedStatement<R>(name: string, text: string) {
  return async (ex: Executor, values: unknown[]): Promise<R[]> => {
    const client = sessionOf(ex)?.client as
      | { query: (config: unknown, values?: unknown[]) => Promise<{ rows: R[] }>; exec?: unknown }
      | undefined;
    if (!client) throw new Error(`namedStatement ${name}: no driver client on this executor`);
    const result = typeof client.exec === 'function' ? await client.query(text, values) : await client.query({ name, text, values });
    return result.rows;
  };
}
