import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openPglite } from '../../src/db/client.js';
import { hashCartToken } from '../../src/modules/cart/token.js';
import { buildServices, startJobs } from '../../src/services.js';
import type { TestContext } from '../helpers/app.js';
import { makeAdmin, type TestUser } from '../helpers/factories.js';
import { createOrder, getCart, ok, type OrderDetail, send, updateStatus } from '../helpers/shop.js';

/**
 * Migration 0007 on a shop with data: a database migrated to 0006 holding a guest cart line
 * and an order item, then migrated to 0007, reads them as lines and items of the products'
 * default variants, checks the cart out and cancels the order. On an embedded database of
 * its own (the steps of a migration are the same SQL on PostgreSQL).
 */
const MIGRATIONS = fileURLToPath(new URL('../../src/db/migrations', import.meta.url));
const GUEST_TOKEN = 'legacy-guest-cart-token-0123456789abcdefghij';

let ctx: TestContext;
let pglite: Awaited<ReturnType<typeof openPglite>>['pglite'];
let dir: string;
const ids = { hat: 0, mug: 0, order: 0, orderItem: 0, cartItem: 0 };

/** A copy of the migrations folder whose journal stops at `lastIdx`. */
async function migrationsUpTo(lastIdx: number): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'shop-migrations-'));
  await cp(MIGRATIONS, dir, { recursive: true });
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= lastIdx);
  await writeFile(journalFile, JSON.stringify(journal));
  return dir;
}

/** What a shop of 0006 held: two products, a user with an unpaid order of one, a guest cart of the other. */
async function seedVersion6() {
  const one = async <T>(text: string, values: unknown[] = []) => (await pglite.query<T>(text, values)).rows[0]!;
  const cat = await one<{ id: number }>(`insert into categories (name, slug) values ('Legacy', 'legacy') returning id`);
  ids.hat = (
    await one<{ id: number }>(
      `insert into products (name, slug, price, stock, category_id) values ('Legacy hat', 'legacy-hat', 40.00, 10, $1) returning id`,
      [cat.id],
    )
  ).id;
  ids.mug = (
    await one<{ id: number }>(
      `insert into products (name, slug, price, stock, category_id) values ('Legacy mug', 'legacy-mug', 25.00, 4, $1) returning id`,
      [cat.id],
    )
  ).id;
  const user = await one<{ id: number }>(
    `insert into users (username, email, password_hash) values ('legacy_buyer', 'legacy@example.com', 'x') returning id`,
  );
  ids.order = (
    await one<{ id: number }>(
      `insert into orders (order_number, user_id, total_amount, shipping_address)
       values ('ORD-00000000A0B1', $1, 80.00, '1 Old Road, Pune') returning id`,
      [user.id],
    )
  ).id;
  ids.orderItem = (
    await one<{ id: number }>(
      `insert into order_items (order_id, product_id, product_name, quantity, price_at_purchase)
       values ($1, $2, 'Legacy hat', 2, 40.00) returning id`,
      [ids.order, ids.hat],
    )
  ).id;
  await pglite.query(
    `insert into order_status_history (order_id, from_status, to_status, changed_by, note)
     values ($1, null, 'pending', 'legacy_buyer', 'Order placed')`,
    [ids.order],
  );
  await pglite.query(`insert into order_counters (key, shard, orders, revenue) values ('status:pending', 0, 1, 0)`);
  // The hat's stock was taken by the order: 12 before it.
  const cart = await one<{ id: number }>(`insert into carts (token_hash) values ($1) returning id`, [
    hashCartToken(GUEST_TOKEN),
  ]);
  ids.cartItem = (
    await one<{ id: number }>(`insert into cart_items (cart_id, product_id, quantity) values ($1, $2, 3) returning id`, [
      cart.id,
      ids.mug,
    ])
  ).id;
}

beforeAll(async () => {
  const database = await openPglite();
  pglite = database.pglite;
  await migrate(drizzle(pglite), { migrationsFolder: await migrationsUpTo(6) });
  await seedVersion6();
  await database.migrate();
  const config = loadConfig({
    DATA_DIR: '/nonexistent-test-data-dir',
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    LOG_LEVEL: 'silent',
  });
  const log = pino({ level: 'silent' });
  const services = buildServices({ config, database, redis: null, log, work: false, pollingIntervalSeconds: 0.5 });
  await startJobs(services, log);
  const app = await buildApp({ services, logger: false });
  await app.ready();
  ctx = {
    app,
    database,
    services,
    async close() {
      await app.close();
      await services.jobs.stop();
      await database.close();
    },
  };
}, 60_000);
afterAll(async () => {
  await ctx?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function defaultVariant(productId: number) {
  const { rows } = await pglite.query<{ id: number; sku: string; title: string; stock: number }>(
    'select id, sku, title, stock from product_variants where product_id = $1',
    [productId],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('migration 0007 on data of 0006', () => {
  let admin: TestUser;
  beforeAll(async () => {
    admin = await makeAdmin(ctx);
  });

  it('gives each product its default variant, which the cart line and the order item point at', async () => {
    const [hat, mug] = [await defaultVariant(ids.hat), await defaultVariant(ids.mug)];
    expect(hat).toMatchObject({ sku: 'legacy-hat', title: 'Default', stock: 10 });
    expect(mug).toMatchObject({ sku: 'legacy-mug', title: 'Default', stock: 4 });

    const cart = await getCart(ctx, { token: GUEST_TOKEN });
    expect(cart.items).toEqual([
      expect.objectContaining({
        id: ids.cartItem,
        product: expect.objectContaining({ id: ids.mug, name: 'Legacy mug', price: '25.00', stock: 4 }),
        variant: { id: mug.id, sku: 'legacy-mug', title: 'Default', options: {} },
        unit_price: '25.00',
        quantity: 3,
        subtotal: '75.00',
      }),
    ]);

    const order = ok<OrderDetail>(await send(ctx, 'GET', `/api/orders/${ids.order}/`, { user: admin }));
    expect(order.items).toEqual([
      {
        id: ids.orderItem,
        product: ids.hat,
        product_name: 'Legacy hat',
        variant_id: hat.id,
        sku: 'legacy-hat',
        variant_title: 'Default',
        variant_options: {},
        quantity: 2,
        price_at_purchase: '40.00',
        subtotal: '80.00',
        // Migration 0010: orders placed before it have no discount or recorded tax.
        discount: '0.00',
        tax_rate: '0.00',
        tax_amount: '0.00',
      },
    ]);
  });

  it('checks the old guest cart out after a merge, and cancels the old order back into the variant', async () => {
    const res = await send(ctx, 'POST', '/api/auth/register/', { token: GUEST_TOKEN }, {
      username: 'after_0007',
      email: 'after_0007@example.com',
      password: 'Correct-Horse-42',
      password2: 'Correct-Horse-42',
      first_name: 'After',
      last_name: 'Migration',
    });
    const body = ok<{ user: { id: number }; tokens: { access: string; refresh: string } }>(res, 201);
    const user: TestUser = {
      id: body.user.id,
      username: 'after_0007',
      email: 'after_0007@example.com',
      password: 'Correct-Horse-42',
      ...body.tokens,
    };
    const cart = await getCart(ctx, { user });
    expect(cart.items.map((i) => [i.variant.sku, i.quantity])).toEqual([['legacy-mug', 3]]);
    const placed = ok<OrderDetail>(await createOrder(ctx, user), 201);
    expect(placed.items[0]).toMatchObject({ variant_id: (await defaultVariant(ids.mug)).id, sku: 'legacy-mug', quantity: 3 });
    expect((await defaultVariant(ids.mug)).stock).toBe(1);

    ok(await updateStatus(ctx, admin, ids.order, 'cancelled'));
    expect((await defaultVariant(ids.hat)).stock).toBe(12);
    const { rows } = await pglite.query<{ stock: number }>('select stock from products where id = $1', [
      ids.hat,
    ]);
    expect(rows[0]!.stock).toBe(12);
  });
});
