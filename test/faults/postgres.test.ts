import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { onPostgres, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, type TestUser } from '../helpers/factories.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import {
  type Answer,
  appOn,
  call,
  createFaultDatabase,
  type ServerProcess,
  sleep,
  startServer,
  until,
} from './support.js';

/**
 * A real server process (API and job worker in one, JOBS=on) whose PostgreSQL connections
 * are killed while shoppers check out: by pg_terminate_backend on this file's database, and
 * by a "restart" (a proxy in between cut, refusing connections, then back).
 */
const SHOPPERS = 8;
const INITIAL_STOCK = 1_000_000;
/** Unpaid orders expire quickly, so that the job worker is busy while connections die. */
const PAYMENT_TIMEOUT_SECONDS = 3;

interface Logged extends Answer {
  kind: 'add' | 'order';
}

/** "add 200 ×120, order 201 ×118, order 503 ×4": what the shoppers got. */
function summarise(log: Logged[]): string {
  const counts = new Map<string, number>();
  for (const a of log) counts.set(`${a.kind} ${a.status}`, (counts.get(`${a.kind} ${a.status}`) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ');
}

describe.skipIf(!onPostgres())('PostgreSQL connections lost under load', () => {
  let database: Awaited<ReturnType<typeof createFaultDatabase>>;
  let setup: TestContext;
  let proxy: TcpProxy;
  let server: ServerProcess;
  let productId: number;
  let shoppers: TestUser[];

  beforeAll(async () => {
    database = await createFaultDatabase();
    setup = await appOn(database.url);
    const shop = await makeShop(setup);
    productId = (await makeProduct(shop, { stock: INITIAL_STOCK, price: '10.00' })).id;
    shoppers = await Promise.all(Array.from({ length: SHOPPERS }, () => makeUser(setup)));
    proxy = await TcpProxy.to(database.url).start();
    server = await startServer({
      DATABASE_URL: proxy.rewrite(database.url),
      JOBS: 'on',
      DB_POOL_MAX: '6',
      ORDER_PAYMENT_TIMEOUT_SECONDS: String(PAYMENT_TIMEOUT_SECONDS),
    });
  }, 150_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.stop();
    await setup?.close();
    await database?.drop();
  });

  /** Every shopper adds to the cart and checks out, again and again, until `done()`. */
  async function checkoutLoad(done: () => boolean) {
    const log: Logged[] = [];
    const placed: number[] = [];
    await Promise.all(
      shoppers.map(async (shopper, i) => {
        for (let n = 0; !done(); n++) {
          const token = shopper.access;
          const add = await call(server.base, 'POST', '/api/cart/add/', {
            token,
            body: { product_id: productId, quantity: 1 + ((i + n) % 3) },
          });
          log.push({ kind: 'add', ...add });
          if (add.status !== 200) {
            await sleep(50); // a client backs off a little after a 503
            continue;
          }
          const order = await call(server.base, 'POST', '/api/orders/create_order/', {
            token,
            body: { shipping_address: '1 Fault Street, Pune' },
          });
          log.push({ kind: 'order', ...order });
          if (order.status === 201) placed.push((order.body as { id: number }).id);
        }
      }),
    );
    return { log, placed };
  }

  /** Each answer was a success or a clean 503 problem+json with Retry-After: no 500, no hang. */
  function expectCleanAnswers(log: Logged[]) {
    for (const answer of log) {
      const summary = `${answer.kind} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
      if (answer.status === 503) {
        expect(answer.headers.get('content-type'), summary).toMatch(/^application\/problem\+json/);
        expect(answer.body, summary).toMatchObject({ status: 503, code: 'service_unavailable' });
        expect(Number(answer.headers.get('retry-after')), summary).toBeGreaterThanOrEqual(1);
        continue;
      }
      if (answer.kind === 'add') {
        expect(answer.status, summary).toBe(200);
      } else if (answer.status === 400) {
        // A checkout answered 503 whose commit did happen emptied the cart.
        expect(answer.body, summary).toMatchObject({ code: 'cart_empty' });
      } else {
        expect(answer.status, summary).toBe(201);
      }
    }
  }

  /** The process lives, the pool recovered by itself, and checkout works again. */
  async function expectRecovered() {
    expect(server.alive(), server.output()).toBe(true);
    await until(async () => (await call(server.base, 'GET', '/health/ready')).status === 200, 'readiness', 20_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${server.output().slice(-3000)}`);
      },
    );
    const shopper = shoppers[0]!;
    expect((await call(server.base, 'POST', '/api/cart/add/', { token: shopper.access, body: { product_id: productId } })).status).toBe(200);
    const order = await call(server.base, 'POST', '/api/orders/create_order/', {
      token: shopper.access,
      body: { shipping_address: '1 Fault Street, Pune' },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    return (order.body as { id: number }).id;
  }

  /** Every order answered 201 exists, whole; stock is the initial less what live orders hold. */
  async function expectConsistent(placed: number[]) {
    const db = setup.database.db;
    const found = await queryRows<{ id: number }>(
      db,
      sql`select id from orders where id = any(${`{${placed.join(',')}}`}::int[])`,
    );
    expect(found.map((r) => r.id).sort((a, b) => a - b)).toEqual([...placed].sort((a, b) => a - b));
    const [{ orphans }] = (await queryRows<{ orphans: number }>(
      db,
      sql`select count(*)::int as orphans from orders o where not exists (select 1 from order_items i where i.order_id = o.id)`,
    )) as [{ orphans: number }];
    expect(orphans).toBe(0);
    const [{ stock, held }] = (await queryRows<{ stock: number; held: number }>(
      db,
      sql`select (select stock from products where id = ${productId}) as stock,
                 (select coalesce(sum(i.quantity), 0)::int from order_items i join orders o on o.id = i.order_id
                   where i.product_id = ${productId} and o.status <> 'cancelled') as held`,
    )) as [{ stock: number; held: number }];
    expect(stock).toBe(INITIAL_STOCK - held);
  }

  /**
   * The job worker recovered too: unpaid orders keep expiring after the outage. (How fast
   * a backlog drains is another matter, measured by the bench; here, only that it moves.)
   */
  async function expectJobsRecovered() {
    const db = setup.database.db;
    const cancelled = async () =>
      (await queryRows<{ n: number }>(db, sql`select count(*)::int as n from orders where status = 'cancelled'`))[0]!.n;
    const before = await cancelled();
    await until(async () => (await cancelled()) > before, 'an unpaid order to expire after the outage', 20_000);
  }

  it(
    'backends terminated while shoppers check out: clean 503s, no crash, every 201 order whole, stock exact',
    { timeout: 90_000 },
    async () => {
      let stop = false;
      const load = checkoutLoad(() => stop);
      let terminated = 0;
      // Orders placed in the first seconds expire while the connections keep dying.
      await sleep(1_500);
      for (let round = 0; round < 20; round++) {
        terminated += await database.terminateBackends();
        await sleep(200);
      }
      stop = true;
      const { log, placed } = await load;
      console.log(summarise(log));

      expect(terminated).toBeGreaterThan(0);
      expectCleanAnswers(log);
      // The kills did meet requests in flight (else this test proves nothing).
      expect(log.filter((a) => a.status === 503).length).toBeGreaterThan(0);
      expect(placed.length).toBeGreaterThan(0);
      const fresh = await expectRecovered();
      await expectConsistent([...placed, fresh]);
      await expectJobsRecovered();
      expect(server.output()).not.toMatch(/Unhandled 'error' event|unhandled error/);
    },
  );

  it(
    'PostgreSQL "restarts" (every connection cut, refused for 3 s, back): 503 at once, then the pool refills',
    { timeout: 90_000 },
    async () => {
      let stop = false;
      const load = checkoutLoad(() => stop);
      await sleep(1_500);
      await proxy.cut();
      const downAt = Date.now();
      await sleep(3_000);
      // While it is down, requests are answered quickly rather than held.
      const during = await call(server.base, 'GET', `/api/orders/`, { token: shoppers[1]!.access });
      expect(during.status).toBe(503);
      expect(during.body).toMatchObject({ code: 'service_unavailable' });
      expect(during.ms).toBeLessThan(6_000);
      const upAt = Date.now();
      await proxy.start();
      await sleep(2_000);
      stop = true;
      const { log, placed } = await load;
      console.log(summarise(log));

      expectCleanAnswers(log);
      const outage = log.filter((a) => a.status === 503);
      expect(outage.length).toBeGreaterThan(0);
      // No request waited out the outage: each 503 came well before the database returned.
      expect(Math.max(...outage.map((a) => a.ms))).toBeLessThan(upAt - downAt + 6_000);
      const fresh = await expectRecovered();
      await expectConsistent([...placed, fresh]);
      await expectJobsRecovered();
    },
  );
});
