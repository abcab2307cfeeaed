/**
 * The benchmark's database: created on first use and kept for the next run. One database
 * per catalogue size (shop_bench for 100,000 products, shop_bench_10k for 10,000, …), each
 * with its own users and orders, so that switching sizes never re-seeds another one.
 */
import { hash } from '@node-rs/argon2';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { openPostgres, queryRows } from '../src/db/client.js';
import { rebuildStats } from '../src/modules/orders/stats.js';
import { generateCatalog, generateImages, generateVariants } from '../scripts/catalog-data.js';
import { generateOrders } from '../scripts/orders-data.js';

export const PASSWORD = 'Bench-Password-2026';
export const DEPARTMENTS = 10; // generateCatalog makes gen-department-1 … 10

/**
 * shop_bench for the default 100,000 products; shop_bench_10k, shop_bench_2500, … otherwise;
 * with `_v3` (…) after it for a catalog of three variants (and images) per product.
 */
export function databaseName(products: number, variants = 1): string {
  const base = products === 100_000 ? 'shop_bench' : `shop_bench_${products % 1000 === 0 ? `${products / 1000}k` : products}`;
  return variants > 1 ? `${base}_v${variants}` : base;
}

/**
 * The argon2id cost the server will use: its defaults, or ARGON2_MEMORY_KIB and
 * ARGON2_ITERATIONS from the environment (which the server inherits).
 */
export function serverArgon2(): { memoryCost: number; timeCost: number } {
  return loadConfig({
    DATABASE_URL: 'postgres://bench@127.0.0.1/bench',
    JWT_SECRET: 'x'.repeat(32),
    ARGON2_MEMORY_KIB: process.env.ARGON2_MEMORY_KIB,
    ARGON2_ITERATIONS: process.env.ARGON2_ITERATIONS,
  }).argon2;
}

const costOf = (passwordHash: string | undefined) => {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$/.exec(passwordHash ?? '');
  return match ? { memoryCost: Number(match[1]), timeCost: Number(match[2]) } : null;
};

export interface BenchData {
  counts: { products: number; users: number; orders: number; orderItems: number };
  /** The cost of the bench users' password hashes (the server's own setting) */
  argon2: { memoryCost: number; timeCost: number };
  /** Active products, for detail ids */
  activeIds: number[];
  /** Pages of the default list (active products, 50 a page) */
  listPages: number;
  /** Pages of `?category=gen-department-N&ordering=price&in_stock=true`, by N */
  filteredPages: Map<number, number>;
  /** Products that checkout may take from without running out (stock ≥ 100,000) */
  checkoutProducts: number[];
  /** Their variants with that stock, pairwise (the product of checkoutVariants[i] is checkoutProducts[i]) */
  checkoutVariants: number[];
  /** Variants per product (1: the default variant only; cart adds name the product) */
  variants: number;
  /** Users bench2 …, one per connection of the cart and checkout scenarios */
  shoppers: { id: number; username: string }[];
}

export async function prepareData(options: {
  serverUrl: string;
  databaseUrl: string;
  database: string;
  products: number;
  users: number;
  orders: number;
  shoppers: number;
  variants: number;
}): Promise<BenchData> {
  const admin = new pg.Client({ connectionString: options.serverUrl });
  await admin.connect();
  const exists = await admin.query(`select 1 from pg_database where datname = $1`, [options.database]);
  if (!exists.rowCount) await admin.query(`create database "${options.database}"`);
  await admin.end();

  const database = openPostgres(options.databaseUrl, 4);
  try {
    await database.migrate();
    // The bare server's search (bench/bare.ts, the reference of issue 17) is ILIKE on
    // name || ' ' || description, on this trigram index; the project's own search reads
    // product_search instead (migrations 0012 and 0015 dropped this index from the schema),
    // so the bench database keeps it for the bare server alone.
    await database.db.execute(
      sql.raw(
        `create index if not exists bare_search_trgm_idx on products using gin ((name::text || ' ' || description) gin_trgm_ops)`,
      ),
    );
    const { db } = database;
    const count = async (table: string) =>
      (await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;
    const started = Date.now();
    if ((await count('products')) < options.products) {
      console.log(`seeding ${options.products} products into ${options.database}…`);
      await generateCatalog(db, options.products, 'gen');
      if (options.variants > 1) {
        await generateVariants(db, options.variants, 'gen');
        await generateImages(db, 2, 'gen');
      }
      // Checkout must never run out of stock during the run (the trigger sums it up into products).
      await db.execute(sql`update products set is_active = true where slug like 'gen-product-%' and id % 10 = 0`);
      await db.execute(
        sql`update product_variants v set stock = 1000000 from products p
            where p.id = v.product_id and p.slug like 'gen-product-%' and p.id % 10 = 0`,
      );
    }
    // The users' password hashes are made with the server's own argon2id setting: with any
    // other, every first login would also re-hash the password (the server upgrades old
    // hashes), and login would measure that instead.
    const argon2 = serverArgon2();
    const passwordHash = () => hash(PASSWORD, { algorithm: 2, ...argon2, parallelism: 1 });
    if ((await count('orders')) < options.orders) {
      console.log(`seeding ${options.users} users and ${options.orders} orders into ${options.database}…`);
      await generateOrders(db, options.users, options.orders, await passwordHash());
      await db.transaction((tx) => rebuildStats(tx));
      await db.execute(sql`vacuum analyze`);
    }
    const [sample] = await queryRows<{ password_hash: string }>(
      db,
      sql`select password_hash from users where username = 'bench1'`,
    );
    const cost = costOf(sample?.password_hash);
    if (cost?.memoryCost !== argon2.memoryCost || cost.timeCost !== argon2.timeCost) {
      console.log(`re-hashing the bench users' password at m=${argon2.memoryCost} KiB, t=${argon2.timeCost} (the server's setting)…`);
      await db.execute(sql`update users set password_hash = ${await passwordHash()} where username like 'bench%'`);
    }
    if ((await count('users where is_staff')) === 0) {
      await db.execute(sql`update users set is_staff = true where username = 'bench1'`);
    }
    const counts = {
      products: await count('products'),
      users: await count('users'),
      orders: await count('orders'),
      orderItems: await count('order_items'),
    };
    console.log(
      `data (${options.database}): ${counts.products} products, ${counts.users} users, ${counts.orders} orders, ` +
        `${counts.orderItems} order items (${((Date.now() - started) / 1000).toFixed(0)} s to prepare)`,
    );

    const activeIds = (
      await queryRows<{ id: number }>(db, sql`select id from products where is_active order by id`)
    ).map((r) => r.id);
    const filteredPages = new Map<number, number>();
    for (let d = 1; d <= DEPARTMENTS; d++) {
      // The list's own filter: the department's tree, active, in stock.
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from products p
            where p.is_active and p.stock > 0 and p.category_id in (
              with recursive sub as (
                select id from categories where slug = ${`gen-department-${d}`}
                union all
                select c.id from categories c join sub on c.parent_id = sub.id
              ) select id from sub)`,
      );
      filteredPages.set(d, Math.ceil(row!.n / 50));
    }
    // One variant per product (its last, in a catalog with several), of 200 products.
    const checkout = await queryRows<{ id: number; variant: number }>(
      db,
      sql`select p.id, (select max(v.id) from product_variants v where v.product_id = p.id and v.stock >= 100000) as variant
          from products p where p.is_active and p.stock >= 100000 order by p.id limit 200`,
    );
    const checkoutProducts = checkout.map((r) => r.id);
    const checkoutVariants = checkout.map((r) => r.variant);
    const names = Array.from({ length: options.shoppers }, (_, i) => `bench${i + 2}`);
    const found = await queryRows<{ id: number; username: string }>(
      db,
      sql`select id, username from users where username in ${names}`,
    );
    const byName = new Map(found.map((u) => [u.username, u]));
    const shoppers = names.map((name) => {
      const user = byName.get(name);
      if (!user) throw new Error(`user ${name} is missing from ${options.database}; use --users ≥ ${options.shoppers + 1}`);
      return user;
    });
    if (!checkoutProducts.length) throw new Error('no product with stock ≥ 100,000 for the checkout scenario');
    return {
      counts,
      argon2,
      activeIds,
      listPages: Math.ceil(activeIds.length / 50),
      filteredPages,
      checkoutProducts,
      checkoutVariants,
      variants: options.variants,
      shoppers,
    };
  } finally {
    await database.close();
  }
}

/** Empties the carts of the given users and drops their applied codes (before the cart and checkout scenarios). */
export async function clearCarts(databaseUrl: string, userIds: number[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `delete from cart_items where cart_id in (select id from carts where user_id = any($1::int[]))`,
      [userIds],
    );
    // A code applied by an earlier checkout-money run: the plain checkout would find it
    // inactive (setBenchPricing) and refuse the order.
    await client.query(`update carts set promotion_id = null where user_id = any($1::int[]) and promotion_id is not null`, [userIds]);
  } finally {
    await client.end();
  }
}

/** Stock of the checkout variants and the newest order id, to check a checkout run afterwards. */
export async function stockSnapshot(databaseUrl: string, variantIds: number[]) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ stock: string; last_order: number }>(
      `select (select sum(stock) from product_variants where id = any($1::int[]))::text as stock,
              (select coalesce(max(id), 0) from orders) as last_order`,
      [variantIds],
    );
    return { stock: BigInt(rows[0]!.stock), lastOrder: rows[0]!.last_order };
  } finally {
    await client.end();
  }
}

/**
 * After a checkout run: the stock the run took must equal the quantities of the order items
 * it wrote (no lost update, no order without its stock), and no stock is negative.
 */
export async function checkStock(
  databaseUrl: string,
  variantIds: number[],
  before: { stock: bigint; lastOrder: number },
): Promise<{ ok: boolean; orders: number; taken: bigint; ordered: bigint }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ stock: string; ordered: string; orders: number; negative: number }>(
      `select (select sum(stock) from product_variants where id = any($1::int[]))::text as stock,
              (select coalesce(sum(i.quantity), 0) from order_items i
                where i.order_id > $2 and i.variant_id = any($1::int[]))::text as ordered,
              (select count(*)::int from orders where id > $2) as orders,
              (select count(*)::int from product_variants where stock < 0) as negative`,
      [variantIds, before.lastOrder],
    );
    const row = rows[0]!;
    const taken = before.stock - BigInt(row.stock);
    const ordered = BigInt(row.ordered);
    return { ok: taken === ordered && row.negative === 0, orders: row.orders, taken, ordered };
  } finally {
    await client.end();
  }
}

/**
 * VACUUM (ANALYZE) of the tables the scenarios write. Every checkout updates products'
 * stock, and with autovacuum off (or not yet run) the dead rows and index entries that
 * leave behind slow later scans (list pages, counts) run after run; so each measurement
 * that follows a write starts from a vacuumed table.
 */
export async function vacuum(databaseUrl: string): Promise<number> {
  const started = Date.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      'vacuum (analyze) products, product_variants, carts, cart_items, orders, order_items, order_status_history, order_counters, refresh_tokens, users',
    );
  } finally {
    await client.end();
  }
  return Date.now() - started;
}

/**
 * The checkout-money scenario's promotion code `BENCH10` (10 %, a usage limit far away, so
 * that every checkout takes a use under the code's row lock) and shipping method "Bench
 * standard" (49.00, free over 5000.00): made active for that scenario and inactive for the
 * others (an active method prices every checkout). Returns the method's id.
 */
export async function setBenchPricing(databaseUrl: string, active: boolean): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      // times_used is left to the app (each order not cancelled holds a use, released when it is
      // cancelled): resetting it made the expiry of earlier runs' unpaid orders fail (a use
      // count below 0) and retry. It is recounted, which mends a database an older bench reset.
      `insert into promotions (code, kind, value, usage_limit, is_active) values ('BENCH10', 'percentage', 10, 2000000000, $1)
       on conflict ((lower(code))) do update set is_active = excluded.is_active,
         times_used = (select count(*) from orders o where o.promotion_id = promotions.id and o.status <> 'cancelled')`,
      [active],
    );
    const found = await client.query<{ id: number }>(`select id from shipping_methods where name = 'Bench standard'`);
    if (found.rows[0]) {
      await client.query('update shipping_methods set is_active = $2 where id = $1', [found.rows[0].id, active]);
      return found.rows[0].id;
    }
    const made = await client.query<{ id: number }>(
      `insert into shipping_methods (name, kind, price, free_over, is_active) values ('Bench standard', 'flat', 49, 5000, $1) returning id`,
      [active],
    );
    return made.rows[0]!.id;
  } finally {
    await client.end();
  }
}
