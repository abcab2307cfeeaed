/**
 * Several API instances on one PostgreSQL and one Redis: two server processes on different
 * ports (as behind a load balancer), and one `WEB_CONCURRENCY=2` cluster. Real processes,
 * real HTTP. PostgreSQL and Redis only: the embedded database belongs to one process.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { run, start, waitForReady } from '../helpers/process.js';

const sharedUrl = inject('databaseUrl');
const redisUrl = process.env.TEST_REDIS_URL?.trim() ?? '';
const enabled = sharedUrl !== '' && redisUrl !== '';
if (!enabled) console.warn('test/scale: skipped (needs TEST_DATABASE_URL and TEST_REDIS_URL)');

const PASSWORD = 'Correct-Horse-42';
const suffix = randomBytes(3).toString('hex');

interface Instance {
  base: string;
  process: ChildProcess;
  /** Everything the process printed (JSON log lines). */
  output: () => string;
  exited: Promise<number | null>;
}

function freePort(): number {
  return 20_000 + Math.floor(Math.random() * 30_000);
}

function startServer(env: Record<string, string>): Instance {
  const port = freePort();
  const child = start('server.ts', [], { PORT: String(port), HOST: '127.0.0.1', ...env });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return {
    base: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    exited: new Promise((resolve) => child.on('close', resolve)),
  };
}

async function stopServer(instance: Instance | undefined): Promise<number | null> {
  if (!instance) return null;
  if (instance.process.exitCode === null) instance.process.kill('SIGTERM');
  return instance.exited;
}

async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; cart?: string; body?: unknown } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cart) headers['x-cart-token'] = options.cart;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

function expectStatus(res: { status: number; body: unknown }, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body as any;
}

async function register(base: string, username: string, cart?: string) {
  return expectStatus(
    await call(base, 'POST', '/api/auth/register/', {
      cart,
      body: {
        username,
        email: `${username}@example.com`,
        password: PASSWORD,
        password2: PASSWORD,
        first_name: 'Multi',
        last_name: 'Instance',
      },
    }),
    201,
  );
}

/** Log lines (pino JSON) of an instance's output that parse. */
function logLines(instance: Instance): Record<string, unknown>[] {
  return instance
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe.skipIf(!enabled)('two instances on one PostgreSQL and one Redis', () => {
  let admin: pg.Client;
  let databaseUrl: string;
  let dbName: string;
  let a: Instance;
  let b: Instance;
  let env: Record<string, string>;
  let adminToken: string;

  beforeAll(async () => {
    // A database of its own: both instances run jobs, and pg-boss's queue is per database.
    dbName = `${new URL(sharedUrl).pathname.slice(1)}_multi_${suffix}`;
    admin = new pg.Client({ connectionString: sharedUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    const url = new URL(sharedUrl);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `shop-test-${suffix}:`,
      JWT_SECRET: 'multi-instance-test-secret-0123456789abcdef',
      JOBS: 'on',
      LOG_LEVEL: 'debug',
      LOGIN_MAX_FAILURES: '3',
      ORDER_PAYMENT_TIMEOUT_SECONDS: '4',
    };
    const cli = await run('cli.ts', ['admin:create', '--username', `boss_${suffix}`, '--email', `boss_${suffix}@example.com`, '--password', PASSWORD], env);
    expect(cli.code, cli.stderr).toBe(0);
    a = startServer(env);
    b = startServer(env);
    await Promise.all([waitForReady(a.base, a.output), waitForReady(b.base, b.output)]);
    adminToken = expectStatus(
      await call(a.base, 'POST', '/api/auth/login/', { body: { username: `boss_${suffix}`, password: PASSWORD } }),
      200,
    ).access;
  }, 90_000);

  afterAll(async () => {
    const codes = await Promise.all([stopServer(a), stopServer(b)]);
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    expect(codes).toEqual([0, 0]);
  }, 60_000);

  async function product(stock: number) {
    const category = expectStatus(
      await call(a.base, 'POST', '/api/categories/', { token: adminToken, body: { name: `Multi ${randomBytes(3).toString('hex')}` } }),
      201,
    );
    return expectStatus(
      await call(b.base, 'POST', '/api/products/', {
        token: adminToken,
        body: { name: `Multi product ${randomBytes(3).toString('hex')}`, price: '10.00', stock, category: category.id },
      }),
      201,
    ) as { id: number; stock: number };
  }

  it('holds the login lockout across both (failures counted in Redis)', async () => {
    const username = `lock_${suffix}`;
    await register(a.base, username);
    // Three failures, alternating instances: neither alone has seen three.
    for (const base of [a.base, b.base, a.base]) {
      const res = await call(base, 'POST', '/api/auth/login/', { body: { username, password: 'wrong-password' } });
      expect(res.status).toBe(401);
    }
    // Blocked on both, even with the right password.
    for (const base of [b.base, a.base]) {
      const res = await call(base, 'POST', '/api/auth/login/', { body: { username, password: PASSWORD } });
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('too_many_login_attempts');
    }
  });

  it('finds a guest cart made on one instance on the other, and merges it there at login', async () => {
    const p = await product(20);
    const added = await call(a.base, 'POST', '/api/cart/add/', { body: { product_id: p.id, quantity: 3 } });
    expectStatus(added, 200);
    const cartToken = added.headers.get('x-cart-token');
    expect(cartToken).toBeTruthy();
    const seen = expectStatus(await call(b.base, 'GET', '/api/cart/', { cart: cartToken! }), 200);
    expect(seen.items.map((i: any) => [i.product.id ?? i.product, i.quantity])).toEqual([[p.id, 3]]);

    const user = await register(b.base, `cart_${suffix}`, cartToken!);
    const merged = expectStatus(await call(a.base, 'GET', '/api/cart/', { token: user.tokens.access }), 200);
    expect(merged.items.map((i: any) => i.quantity)).toEqual([3]);
  });

  it('never oversells when a checkout race is split across both, and expires each unpaid order once', async () => {
    const stock = 8;
    const buyers = 20;
    const p = await product(stock);
    const users = await Promise.all(
      Array.from({ length: buyers }, (_, i) => register(i % 2 ? a.base : b.base, `race${i}_${suffix}`)),
    );
    for (const [i, user] of users.entries()) {
      expectStatus(
        await call(i % 2 ? b.base : a.base, 'POST', '/api/cart/add/', {
          token: user.tokens.access,
          body: { product_id: p.id, quantity: 1 },
        }),
        200,
      );
    }
    const results = await Promise.all(
      users.map((user, i) =>
        call(i % 2 ? a.base : b.base, 'POST', '/api/orders/create_order/', {
          token: user.tokens.access,
          body: { shipping_address: '1 Cluster Road, Pune' },
        }),
      ),
    );
    const placed = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(placed).toHaveLength(stock);
    for (const r of refused) {
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toBe('insufficient_stock');
    }
    // Both instances took part in the winning orders.
    const afterRace = expectStatus(await call(a.base, 'GET', `/api/products/${p.id}/`, { token: adminToken }), 200);
    expect(afterRace.stock).toBe(0);

    // ORDER_PAYMENT_TIMEOUT_SECONDS=4: each unpaid order has an expiry job; both instances run
    // job workers, and every job must run exactly once, on one of them.
    const orderIds = placed.map((r) => r.body.id as number);
    const until = Date.now() + 30_000;
    let restored = 0;
    while (Date.now() < until) {
      restored = expectStatus(await call(b.base, 'GET', `/api/products/${p.id}/`, { token: adminToken }), 200).stock;
      if (restored === stock) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(restored).toBe(stock);
    for (const [i, id] of orderIds.entries()) {
      const order = expectStatus(
        await call(i % 2 ? a.base : b.base, 'GET', `/api/orders/${id}/`, { token: adminToken }),
        200,
      );
      expect(order.status).toBe('cancelled');
      expect(order.status_history.filter((h: any) => h.to_status === 'cancelled')).toHaveLength(1);
    }
    // Wait until every expiry job has reported, then count the runs per job across both logs.
    const expiryRuns = () =>
      [...logLines(a), ...logLines(b)].filter((l) => l.msg === 'job done' && l.job === 'order-expire');
    while (expiryRuns().length < stock && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500)); // a second run, if any, would show by now
    const runs = expiryRuns();
    expect(runs).toHaveLength(stock);
    expect(new Set(runs.map((l) => l.jobId)).size).toBe(stock);
    // The stock went back once per order, not once per instance.
    expect(expectStatus(await call(a.base, 'GET', `/api/products/${p.id}/`, { token: adminToken }), 200).stock).toBe(stock);
  }, 90_000);
});

describe.skipIf(!enabled)('WEB_CONCURRENCY=2', () => {
  it('runs two workers on one port, replaces one that dies, and stops them all on SIGTERM', async () => {
    const dbName = `${new URL(sharedUrl).pathname.slice(1)}_cluster_${suffix}`;
    const admin = new pg.Client({ connectionString: sharedUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    const url = new URL(sharedUrl);
    url.pathname = `/${dbName}`;
    let cluster: Instance | undefined;
    try {
      cluster = startServer({
        DATABASE_URL: url.toString(),
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `shop-test-${suffix}:`,
        JWT_SECRET: 'multi-instance-test-secret-0123456789abcdef',
        WEB_CONCURRENCY: '2',
        LOG_LEVEL: 'info',
      });
      await waitForReady(cluster.base, cluster.output);
      const workerPids = () =>
        logLines(cluster!)
          .filter((l) => l.msg === 'worker started')
          .map((l) => l.pid as number);
      const readyWorkers = () => logLines(cluster!).filter((l) => l.msg === 'shop API ready');
      const until = Date.now() + 30_000;
      while (readyWorkers().length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(workerPids()).toHaveLength(2);
      expect(readyWorkers().map((l) => l.worker).sort()).toEqual([0, 1]);
      // Only the first worker runs the job handlers; both serve.
      expect(readyWorkers().map((l) => l.jobs).sort()).toEqual(['in-process', 'off']);

      // Kill one worker: the other keeps serving and the primary starts a replacement.
      const [first] = workerPids();
      process.kill(first!, 'SIGKILL');
      const noticed = () => logLines(cluster!).some((l) => l.msg === 'worker exited; starting a new one');
      while (!noticed() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(noticed()).toBe(true);
      // (New connections: a kept-alive one to the killed worker would just be reset.)
      const served = await Promise.all(
        Array.from({ length: 20 }, () => fetch(`${cluster!.base}/health/live`, { headers: { connection: 'close' } })),
      );
      expect(served.every((r) => r.ok)).toBe(true);
      while (readyWorkers().length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(workerPids()).toHaveLength(3);
      expect(readyWorkers().at(-1)!.worker).toBe(0);
      expect((await fetch(`${cluster.base}/api/products/`)).status).toBe(200);

      expect(await stopServer(cluster)).toBe(0);
      // Every worker is gone with the primary.
      for (const pid of workerPids()) expect(() => process.kill(pid, 0)).toThrow();
      cluster = undefined;
    } finally {
      await stopServer(cluster);
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }, 90_000);
});

describe('WEB_CONCURRENCY on the embedded database', () => {
  it('is refused on the embedded database, in one line', async () => {
    const res = await run('server.ts', [], { WEB_CONCURRENCY: '2', DATA_DIR: '/tmp/never-created' });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(
      'Configuration error: WEB_CONCURRENCY above 1 needs DATABASE_URL: the embedded database belongs to one process',
    );
  });
});
