import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, queryRows } from '../../src/db/client.js';
import { categories } from '../../src/db/schema/index.js';
import { namedStatement } from '../../src/db/sql.js';
import { onPostgres, openTestDatabase } from '../helpers/app.js';

// What src/db/sql.ts assumes of Drizzle (session.client) and of the drivers (PGlite's exec,
// pg's named-statement config, the types rows come back in). A Drizzle or driver upgrade
// that breaks one of these fails here, on the database the suite runs on.

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

const slug = () => `sql-test-${randomBytes(6).toString('hex')}`;
const categoryBySlug = namedStatement<{ id: number; name: string }>(
  'test_sql_category_by_slug',
  'select id, name from categories where slug = $1',
);

class Rollback extends Error {}

describe(`namedStatement on ${onPostgres() ? 'PostgreSQL' : 'PGlite'}`, () => {
  it('runs on the database outside a transaction', async () => {
    const s = slug();
    await database.db.insert(categories).values({ name: 'Outside', slug: s });
    expect(await categoryBySlug(database.db, [s])).toEqual([
      { id: expect.any(Number), name: 'Outside' },
    ]);
  });

  it("runs on the transaction's own connection: it sees the transaction's uncommitted row", async () => {
    const s = slug();
    let seen: unknown[] = [];
    await expect(
      database.db.transaction(async (tx) => {
        await tx.insert(categories).values({ name: 'Uncommitted', slug: s });
        seen = await categoryBySlug(tx, [s]);
        // On PostgreSQL another connection does not see it yet (PGlite has one connection).
        if (onPostgres()) expect(await categoryBySlug(database.db, [s])).toEqual([]);
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(seen).toEqual([{ id: expect.any(Number), name: 'Uncommitted' }]);
    expect(await categoryBySlug(database.db, [s])).toEqual([]);
  });

  it('is a named statement on PostgreSQL, prepared on the connection it ran on', async () => {
    const prepared = namedStatement<{ name: string }>(
      'test_sql_prepared',
      'select name from pg_prepared_statements where name = $1',
    );
    await database.db.transaction(async (tx) => {
      const rows = await prepared(tx, ['test_sql_prepared']);
      // PGlite runs it as a plain parameterised query: nothing is prepared under its name.
      expect(rows).toEqual(onPostgres() ? [{ name: 'test_sql_prepared' }] : []);
    });
  });

  it('gives rows in the types the mappers convert from', async () => {
    const types = namedStatement<Record<string, unknown>>(
      'test_sql_types',
      `select 7::int4 as int4, 8::int8 as int8, 9007199254740993::int8 as big, 12.50::numeric(12,2) as numeric, true as bool,
              now() as timestamptz, '{"a":[1]}'::json as json, null::int4 as missing`,
    );
    const [row] = await types(database.db, []);
    expect(row).toEqual({
      int4: 7,
      // int8 needs a mapping: pg gives a string; PGlite a number, or a BigInt past 2^53.
      int8: onPostgres() ? '8' : 8,
      big: onPostgres() ? '9007199254740993' : 9007199254740993n,
      numeric: '12.50',
      bool: true,
      timestamptz: expect.any(Date),
      json: { a: [1] },
      missing: null,
    });
  });

  it('maps every row with the mapper given', async () => {
    const doubled = namedStatement(
      'test_sql_mapped',
      'select v from unnest($1::int[]) as v order by v',
      (r: { v: number }) => r.v * 2,
    );
    expect(await doubled(database.db, [[3, 1, 2]])).toEqual([2, 4, 6]);
  });

  it('refuses one name for two texts', () => {
    expect(() => namedStatement('test_sql_category_by_slug', 'select 1')).toThrow(/defined twice/);
  });

  it('queryRows gives the rows of a Drizzle sql query', async () => {
    expect(await queryRows<{ n: number }>(database.db, sql`select 1::int4 as n`)).toEqual([
      { n: 1 },
    ]);
  });
});
