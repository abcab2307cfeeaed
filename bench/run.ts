/**
 * npm run bench — measures the API on real PostgreSQL with a large data set.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench [-- --duration 10 --only list,detail]
 *
 * It creates (and keeps, for the next run) the database `shop_bench` on that server, seeds
 * 100,000 products in a category tree, 10,000 users and 1,000,000 orders with items in
 * set-based SQL, builds and starts the server as a child process, and drives it with
 * autocannon. It prints req/s, p50, p99 and errors per scenario.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openPostgres, queryRows } from '../src/db/client.js';
import { rebuildStats } from '../src/modules/orders/stats.js';
import { generateCatalog } from '../scripts/catalog-data.js';
import { generateOrders } from '../scripts/orders-data.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    products: { type: 'string', default: '100000' },
    orders: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '10000' },
  },
});
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbUrl = new URL(serverUrl);
dbUrl.pathname = '/shop_bench';
const PORT = 3900 + Math.floor(Math.random() * 90);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'Bench-Password-2026';
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

async function prepareData() {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const exists = await admin.query(`select 1 from pg_database where datname = 'shop_bench'`);
  if (!exists.rowCount) await admin.query('create database shop_bench');
  await admin.end();
  const database = openPostgres(dbUrl.toString(), 4);
  await database.migrate();
  const count = async (table: string) =>
    (await queryRows<{ n: number }>(database.db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;
  const started = Date.now();
  if ((await count('products')) < Number(args.products)) {
    console.log(`seeding ${args.products} products…`);
    await generateCatalog(database.db, Number(args.products), 'gen');
    // Checkout must never run out of stock during the run.
    await database.db.execute(sql`update products set stock = 1000000, is_active = true where slug like 'gen-product-%' and id % 10 = 0`);
  }
  if ((await count('orders')) < Number(args.orders)) {
    console.log(`seeding ${args.users} users and ${args.orders} orders…`);
    // OWASP's minimum argon2id, as the server uses.
    const passwordHash = await hash(PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await generateOrders(database.db, Number(args.users), Number(args.orders), passwordHash);
    await database.db.transaction((tx) => rebuildStats(tx));
    await database.db.execute(sql`vacuum analyze`);
  }
  if ((await count('users where is_staff')) === 0) {
    await database.db.execute(sql`update users set is_staff = true where username = 'bench1'`);
  }
  console.log(
    `data: ${await count('products')} products, ${await count('users')} users, ${await count('orders')} orders, ` +
      `${await count('order_items')} order items (${((Date.now() - started) / 1000).toFixed(0)} s to prepare)`,
  );
  const ids = await queryRows<{ id: number }>(
    database.db,
    sql`select id from products where is_active and stock >= 100000 order by id limit 200`,
  );
  await database.close();
  return { checkoutProducts: ids.map((r) => r.id) };
}

async function startServer() {
  await new Promise<void>((resolve, reject) => {
    const build = spawn('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
    build.on('close', (code) => (code === 0 ? resolve() : reject(new Error('build failed'))));
  });
  const child = spawn(process.execPath, ['dist/server.js'], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl.toString(),
      JWT_SECRET,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      JOBS: 'off',
      DB_POOL_MAX: '20',
      LOGIN_MAX_FAILURES: '1000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${BASE}/health/ready`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('server did not start');
}

async function token(username: string): Promise<string> {
  const res = await fetch(`${BASE}/api/auth/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access: string }).access;
}

const rand = (n: number) => 1 + Math.floor(Math.random() * n);
const WORDS = ['headphones', 'kettle', 'wireless', 'lamp', 'studio', 'backpack', 'charger', 'novel'];

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

type Scenario = Omit<autocannon.Options, 'url'> & { path?: string };

async function run(name: string, opts: Scenario): Promise<Row> {
  const result = await autocannon({
    connections: Number(args.connections),
    duration: Number(args.duration),
    ...opts,
    url: BASE + (opts.path ?? ''),
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { scenario: name, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors };
}

async function main() {
  const { checkoutProducts } = await prepareData();
  const server = await startServer();
  const rows: Row[] = [];
  const wanted = (name: string) => !args.only || args.only.split(',').includes(name);
  try {
    const adminToken = await token('bench1');
    // One request of each kind first: a scenario that errors is reported, not timed.
    for (const path of ['/api/analytics/dashboard/', '/api/products/?page=2', '/api/products/1/']) {
      const res = await fetch(BASE + path, { headers: { authorization: `Bearer ${adminToken}` } });
      if (!res.ok) console.error(`warm-up ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    }
    const productCount = Number(args.products);
    const scenarios: [string, () => Scenario][] = [
      ['list', () => ({ requests: [{ setupRequest: (r) => ({ ...r, path: `/api/products/?page=${rand(200)}` }) }] })],
      ['list-filtered', () => ({
        requests: [{ setupRequest: (r) => ({ ...r, path: `/api/products/?category=gen-department-${rand(10)}&ordering=price&in_stock=true&page=${rand(20)}` }) }],
      })],
      ['detail', () => ({ requests: [{ setupRequest: (r) => ({ ...r, path: `/api/products/${rand(productCount)}/` }) }] })],
      ['search', () => ({
        requests: [{ setupRequest: (r) => ({ ...r, path: `/api/products/?search=${WORDS[rand(WORDS.length) - 1]}` }) }],
      })],
      ['dashboard', () => ({ connections: 1, path: '/api/analytics/dashboard/', headers: { authorization: `Bearer ${adminToken}` } })],
      ['sales-report-365d', () => ({
        connections: 1,
        path: '/api/analytics/sales-report/?days=365&tz=Asia/Kolkata',
        headers: { authorization: `Bearer ${adminToken}` },
      })],
      ['login', () => ({
        connections: 8,
        requests: [{
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (r) => ({ ...r, path: '/api/auth/login/', body: JSON.stringify({ username: `bench${rand(Number(args.users))}`, password: PASSWORD }) }),
        }],
      })],
    ];
    for (const [name, options] of scenarios) {
      if (!wanted(name)) continue;
      rows.push(await run(name, options()));
      console.log(rows.at(-1));
    }
    if (wanted('checkout')) {
      const tokens = await Promise.all(Array.from({ length: Number(args.connections) }, (_, i) => token(`bench${i + 2}`)));
      let next = 0;
      const result = await autocannon({
        url: BASE,
        connections: tokens.length,
        duration: Number(args.duration),
        requests: [
          {
            method: 'POST',
            setupRequest: (r, ctx) => {
              const context = ctx as Record<string, unknown>;
              context.token ??= tokens[next++ % tokens.length];
              const product = checkoutProducts[rand(checkoutProducts.length) - 1];
              return {
                ...r,
                path: '/api/cart/add/',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${String(context.token)}` },
                body: JSON.stringify({ product_id: product, quantity: 1 }),
              };
            },
          },
          {
            method: 'POST',
            setupRequest: (r, ctx) => ({
              ...r,
              path: '/api/orders/create_order/',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${String((ctx as Record<string, unknown>).token)}`,
              },
              body: JSON.stringify({ shipping_address: '1 Bench Street, Pune' }),
            }),
          },
        ],
      });
      rows.push({
        scenario: 'checkout (add + order)',
        rps: Math.round(result.requests.average / 2),
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
      });
      console.log(rows.at(-1));
    }
  } finally {
    server.kill('SIGTERM');
  }
  console.log(`\n| scenario | req/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|`);
  for (const r of rows) console.log(`| ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
