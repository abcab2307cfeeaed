/**
 * EXPLAIN ANALYZE of every catalog list query shape on a large catalog (default 100,000
 * products), to check that each filter and ordering is served by an index.
 *   EXPLAIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx scripts/explain-catalog.ts [count]
 * It creates (and keeps, for re-runs) the database `shop_explain` on that server.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openPostgres, queryRows, type Db } from '../src/db/client.js';
import * as schema from '../src/db/schema/index.js';
import { findProducts, type ProductFilter } from '../src/modules/catalog/search.js';
import { generateCatalog } from './catalog-data.js';

const serverUrl = process.env.EXPLAIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const count = Number(process.argv[2] ?? 100_000);
const url = new URL(serverUrl);
url.pathname = '/shop_explain';

const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
const exists = await admin.query(`select 1 from pg_database where datname = 'shop_explain'`);
if (!exists.rowCount) await admin.query('create database shop_explain');
await admin.end();

const database = openPostgres(url.toString(), 2);
await database.migrate();
const [{ n }] = (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from products`)) as [
  { n: number },
];
if (n < count) {
  console.log(`generating ${count} products…`);
  await generateCatalog(database.db, count);
}

const captured: { query: string; params: unknown[] }[] = [];
const pool = new pg.Pool({ connectionString: url.toString(), max: 1, options: '-c random_page_cost=1.1' });
const logged = drizzle(pool, {
  schema,
  logger: { logQuery: (query, params) => captured.push({ query, params }) },
}) as unknown as Db;

const shapes: [string, ProductFilter, number][] = [
  ['default list, page 1', {}, 0],
  ['default list, deep page', {}, 40_000],
  ['ordering=price, page 50', { ordering: 'price' }, 2_450],
  ['ordering=-name', { ordering: '-name' }, 0],
  ['category (root + descendants)', { categorySlug: 'gen-department-3' }, 0],
  ['price range + in stock', { minPrice: '500.00', maxPrice: '900.00', inStock: true }, 0],
  ['search one term', { search: 'headphones' }, 0],
  ['search two terms', { search: 'wireless kettle' }, 0],
  ['search typo (fallback)', { search: 'hedphones' }, 0],
];
for (const [label, filter, offset] of shapes) {
  captured.length = 0;
  const started = performance.now();
  const result = await findProducts(logged, filter, { limit: 50, offset });
  const ms = (performance.now() - started).toFixed(1);
  console.log(`\n### ${label}: ${result.count} matches, ${result.rows.length} rows, ${captured.length} queries, ${ms} ms`);
  for (const { query, params } of captured) {
    const plan = await pool.query(`explain (analyze, costs off, timing off, summary on) ${query}`, params);
    console.log(plan.rows.map((r: Record<string, string>) => '    ' + r['QUERY PLAN']).join('\n'));
  }
}
await pool.end();
await database.close();
