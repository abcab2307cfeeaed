/**
 * Node CPU per call of the ways to run one hot query (the cart's lines, as every cart read
 * and checkout runs it): Drizzle's builder built each time, Drizzle's `.prepare()`d query
 * (what the cart used before src/db/sql.ts), and `namedStatement` with its row mapper. On a
 * throwaway database on PostgreSQL, so the figure is this process's CPU, not the server's:
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/sql-path.ts
 */
import { randomBytes } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { type Db, openPostgres } from '../src/db/client.js';
import { cartItems, carts, categories, products, productVariants } from '../src/db/schema/index.js';
import { insertDefaultVariants } from '../src/db/seed.js';
import { cartLines } from '../src/modules/cart/repository.js';
import { listColumns } from '../src/modules/catalog/search.js';

const CALLS = 3000;
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `shop_sql_path_${randomBytes(4).toString('hex')}`;

const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const database = openPostgres(url.toString(), 1);
try {
  await database.migrate();
  const cartId = await seedCart(database.db);
  const builder = (db: Db) =>
    db
      .select({
        id: cartItems.id,
        quantity: cartItems.quantity,
        addedAt: cartItems.addedAt,
        product: listColumns,
        variant: { id: productVariants.id, sku: productVariants.sku, title: productVariants.title, options: productVariants.options },
        unitPrice: productVariants.price,
      })
      .from(cartItems)
      .innerJoin(productVariants, eq(productVariants.id, cartItems.variantId))
      .innerJoin(products, eq(products.id, productVariants.productId))
      .innerJoin(categories, eq(categories.id, products.categoryId))
      .where(eq(cartItems.cartId, sql.placeholder('cartId')))
      .orderBy(asc(cartItems.addedAt), asc(cartItems.id));
  const prepared = builder(database.db).prepare('bench_cart_lines');
  const ways: Record<string, () => Promise<unknown[]>> = {
    'drizzle builder, built each call': () => builder(database.db).execute({ cartId }),
    'drizzle .prepare()': () => prepared.execute({ cartId }),
    'namedStatement + mapper': () => cartLines(database.db, cartId),
  };
  for (let round = 0; round < 2; round++) {
    for (const [way, run] of Object.entries(ways)) {
      const rows = await run(); // warm: the statement is prepared on the connection
      if (rows.length !== 3) throw new Error(`${way}: ${rows.length} rows`);
      const start = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) await run();
      const used = process.cpuUsage(start);
      // The first round warms the JIT; the second is the one to read.
      if (round)
        console.log(
          `${way.padEnd(36)} ${((used.user + used.system) / CALLS).toFixed(1)} µs CPU a call`,
        );
    }
  }
} finally {
  await database.close();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

async function seedCart(db: Db): Promise<number> {
  const [category] = await db
    .insert(categories)
    .values({ name: 'Bench', slug: 'bench' })
    .returning();
  const items = await db
    .insert(products)
    .values(
      [1, 2, 3].map((n) => ({
        name: `Item ${n}`,
        slug: `item-${n}`,
        price: '10.00',
        priceMax: '10.00',
        stock: 5,
        categoryId: category!.id,
      })),
    )
    .returning({ id: products.id });
  await insertDefaultVariants(db);
  const variants = await db
    .select({ id: productVariants.id, productId: productVariants.productId })
    .from(productVariants);
  const [cart] = await db
    .insert(carts)
    .values({ tokenHash: 'b'.repeat(64) })
    .returning();
  await db
    .insert(cartItems)
    .values(
      items.map((p) => ({
        cartId: cart!.id,
        productId: p.id,
        variantId: variants.find((v) => v.productId === p.id)!.id,
        quantity: 1,
      })),
    );
  return cart!.id;
}
