import type { Db } from './client.js';

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
