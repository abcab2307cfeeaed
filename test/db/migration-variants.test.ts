import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { inject } from 'vitest';
import { afterAll, describe, expect, it } from 'vitest';

// Migration 0007 on a database that has data: a shop upgraded from before variants keeps its
// products, carts and orders, each now pointing at the product's default variant, and the
// trigger keeps the product's price and stock from then on. Run on PGlite, and on a database
// of its own when the suite runs on PostgreSQL.

const MIGRATIONS = join(import.meta.dirname, '../../src/db/migrations');

/** The migrations folder as it was before 0007 (the journal cut after 0006). */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  cpSync(MIGRATIONS, dir, { recursive: true });
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag.startsWith(tag));
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

interface Target {
  query<T>(text: string): Promise<T[]>;
  /** Several statements at once. */
  exec(text: string): Promise<void>;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

async function openTarget(): Promise<Target> {
  const url = inject('databaseUrl');
  if (!url) {
    const pglite = await PGlite.create({ extensions: { pg_trgm } });
    const db = drizzlePglite(pglite);
    return {
      query: async <T>(text: string) => (await pglite.query<T>(text)).rows,
      exec: async (text) => void (await pglite.exec(text)),
      migrate: (folder) => migratePglite(db, { migrationsFolder: folder }),
      close: () => pglite.close(),
    };
  }
  const name = `${new URL(url).pathname.slice(1)}_mig_${process.pid}_${Date.now() % 100000}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: own.toString(), max: 2 });
  // Dropping the database WITH (FORCE) at the end terminates a connection the pool may still be
  // closing; the pool re-emits that client's error, which unhandled would crash the run.
  pool.on('error', () => {});
  const db = drizzlePg(pool);
  return {
    query: async <T>(text: string) => (await pool.query(text)).rows as T[],
    exec: async (text) => void (await pool.query(text)),
    migrate: (folder) => migratePg(db, { migrationsFolder: folder }),
    async close() {
      await pool.end();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

let target: Target | undefined;
let before: string | undefined;
afterAll(async () => {
  await target?.close();
  if (before) rmSync(before, { recursive: true, force: true });
});

describe('migration 0007 (variants and media) on a shop with data', () => {
  it('gives each product its default variant and points carts and orders at it', { timeout: 60_000 }, async () => {
    target = await openTarget();
    before = migrationsBefore('0007');
    await target.migrate(before);
    const longSlug = 'a'.repeat(100);
    await target.exec(`
      insert into categories (name, slug) values ('Kitchen', 'kitchen');
      insert into users (username, email, password_hash) values ('asha', 'asha@example.com', 'x');
      insert into products (name, slug, price, stock, category_id) values
        ('Steel Mug', 'steel-mug', 349.00, 20, 1), ('Long', '${longSlug}', 10.50, 0, 1);
      insert into carts (user_id) values (1);
      insert into cart_items (cart_id, product_id, quantity) values (1, 1, 2);
      insert into orders (order_number, user_id, total_amount, shipping_address)
        values ('ORD-0123456789AB', 1, 349.00, 'Somewhere 1');
      insert into order_items (order_id, product_id, product_name, quantity, price_at_purchase)
        values (1, 1, 'Steel Mug', 1, 349.00);`);

    await target.migrate(MIGRATIONS);

    const variants = await target.query<{ product_id: number; sku: string; title: string; price: string; stock: number }>(
      'select product_id, sku, title, price::text, stock from product_variants order by product_id',
    );
    expect(variants).toEqual([
      { product_id: 1, sku: 'steel-mug', title: 'Default', price: '349.00', stock: 20 },
      { product_id: 2, sku: `${'a'.repeat(52)}-2`, title: 'Default', price: '10.50', stock: 0 },
    ]);
    const [line] = await target.query<{ variant_id: number }>('select variant_id from cart_items');
    const [item] = await target.query<{ variant_id: number; sku: string; variant_title: string }>(
      'select variant_id, sku, variant_title from order_items',
    );
    const [mugVariant] = await target.query<{ id: number }>('select id from product_variants where product_id = 1');
    expect(line!.variant_id).toBe(mugVariant!.id);
    expect(item).toEqual({ variant_id: mugVariant!.id, sku: 'steel-mug', variant_title: 'Default' });
    const [product] = await target.query<{ price_max: string }>('select price_max::text from products where id = 1');
    expect(product!.price_max).toBe('349.00');

    // From now on the trigger keeps the product's figures: a second variant, then a sell-out.
    const [{ version: v0 }] = (await target.query<{ version: number }>('select version from catalog_state')) as [{ version: number }];
    await target.query(
      `insert into product_variants (product_id, sku, title, options, price, stock) values (1, 'mug-xl', 'XL', '{"Size":"XL"}', 399.00, 5)`,
    );
    await target.query(`update product_variants set stock = 0 where product_id = 1`);
    const [after] = await target.query<{ price: string; price_max: string; stock: number }>(
      'select price::text, price_max::text, stock from products where id = 1',
    );
    expect(after).toEqual({ price: '349.00', price_max: '399.00', stock: 0 });
    const [{ version: v1 }] = (await target.query<{ version: number }>('select version from catalog_state')) as [{ version: number }];
    expect(v1).toBeGreaterThan(v0);
  });
});
