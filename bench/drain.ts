/**
 * The `drain` scenario: how fast the background worker works off due expiry jobs, to set
 * beside the rate at which checkout creates them. It writes DRAIN_ORDERS unpaid orders
 * already past their payment deadline (stock taken from the checkout products, in
 * set-based SQL) and their expiry jobs, in one transaction through the project's own
 * JobQueue (as checkout enqueues them); starts the worker (dist/worker.js) and times it
 * until every due expiry job has completed and every one of those orders is cancelled.
 * Then it checks that each order was cancelled exactly once and that the stock came back
 * exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { openPostgres } from '../src/db/client.js';
import { buildServices, startJobs } from '../src/services.js';
import { type Usage, watch } from './monitor.js';

export interface DrainResult {
  /** Due expiry jobs when the worker began (the scenario's, and any older due ones) */
  jobs: number;
  seconds: number;
  rate: number;
  /** Every due job completed and every order cancelled within the time limit */
  finished: boolean;
  check: string;
  usage: Usage;
}

const ADDRESS = 'Bench drain, 1 Backlog Road';

async function query<T extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[] = []) {
  return (await client.query<T>(text, values)).rows;
}

/** The unpaid, overdue orders and their due jobs: one transaction, as checkout would leave them. */
async function writeBacklog(databaseUrl: string, jwtSecret: string, userId: number, variantIds: number[], count: number) {
  const config = loadConfig({ DATABASE_URL: databaseUrl, JWT_SECRET: jwtSecret, LOG_LEVEL: 'silent' });
  const database = openPostgres(databaseUrl, 2);
  const log = pino({ level: 'silent' });
  const services = buildServices({ config, database, log, work: false });
  try {
    await startJobs(services, log);
    await database.db.transaction(async (tx) => {
      const client = (tx as unknown as { session: { client: pg.PoolClient } }).session.client;
      const { rows } = await client.query<{ id: number }>(
        `with o as (
           insert into orders (order_number, user_id, total_amount, subtotal, shipping_address, payment_deadline, created_at)
           select 'ORD-' || upper(substr(md5(random()::text || g::text), 1, 12)), $1, '10.00', '10.00', $2,
                  now() - interval '1 minute', now() - interval '31 minutes'
           from generate_series(1, $3::int) g
           returning id
         ), i as (
           insert into order_items (order_id, product_id, variant_id, product_name, sku, variant_title, quantity, price_at_purchase)
           select o.id, v.product_id, v.id, 'Bench drain item', v.sku, v.title, 1, '10.00'
           from o join product_variants v on v.id = ($4::int[])[1 + o.id % cardinality($4::int[])]
         )
         select id from o order by id`,
        [userId, ADDRESS, count, variantIds],
      );
      await client.query(
        `update product_variants p set stock = p.stock - v.n
         from (select ($2::int[])[1 + id % cardinality($2::int[])] as variant_id, count(*)::int as n
               from unnest($1::int[]) id group by 1) v
         where p.id = v.variant_id`,
        [rows.map((r) => r.id), variantIds],
      );
      await client.query(
        `insert into order_counters (key, shard, orders, revenue) values ('status:pending', 0, $1, 0)
         on conflict (key, shard) do update set orders = order_counters.orders + excluded.orders`,
        [count],
      );
      await services.jobs.enqueueMany(
        tx,
        'order-expire',
        rows.map((r) => ({ data: { orderId: r.id } })),
      );
    });
  } finally {
    await services.jobs.stop();
    await database.close();
  }
}

function startWorker(root: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/worker.js'], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    let ready = false;
    // Its log lines (each expiry batch among them) are read, and dropped once it is ready.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (ready) return;
      output += chunk.toString();
      if (output.includes('"worker ready"')) {
        ready = true;
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`worker exited with code ${code}: ${output.slice(-500)}`));
    });
  });
}

/**
 * Runs the scenario against `databaseUrl`. `variantIds` take the orders' stock (one unit
 * each, spread over them); `userId` owns the orders. Gives up after `limitSeconds`.
 */
export async function measureDrain(options: {
  root: string;
  databaseUrl: string;
  database: string;
  env: Record<string, string>;
  userId: number;
  variantIds: number[];
  count: number;
  limitSeconds: number;
  /** Told of the worker process when it starts (to end it should the run end early) */
  started?: (child: ChildProcess) => void;
}): Promise<DrainResult> {
  const { databaseUrl, variantIds, count } = options;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let worker: ChildProcess | undefined;
  try {
    const stock = async () =>
      BigInt((await query<{ s: string }>(client, 'select sum(stock)::text as s from product_variants where id = any($1)', [variantIds]))[0]!.s);
    const stockBefore = await stock();
    const [{ last }] = (await query<{ last: number }>(client, 'select coalesce(max(id), 0) as last from orders')) as [{ last: number }];
    await writeBacklog(databaseUrl, options.env.JWT_SECRET!, options.userId, variantIds, count);
    const stockTaken = stockBefore - (await stock());

    // Before the worker starts: it may cancel orders (older due ones too) as soon as it is up,
    // and the check below counts the cancellations made from this moment.
    const due = `from pgboss.job where name = 'order-expire' and state < 'completed' and start_after <= $1`;
    const started = new Date();
    const [{ n: jobs }] = (await query<{ n: number }>(client, `select count(*)::int as n ${due}`, [started])) as [{ n: number }];
    worker = await startWorker(options.root, { ...options.env, DATABASE_URL: databaseUrl });
    options.started?.(worker);
    const monitor = watch({ worker: worker.pid }, options.database);
    const startedAt = process.hrtime.bigint();
    let finished = false;
    while (Number(process.hrtime.bigint() - startedAt) / 1e9 < options.limitSeconds) {
      const [left] = await query<{ jobs: number; orders: number }>(
        client,
        `select (select count(*)::int ${due}) as jobs,
                (select count(*)::int from orders where id > $2 and shipping_address = $3 and status <> 'cancelled') as orders`,
        [started, last, ADDRESS],
      );
      if (left!.jobs === 0 && left!.orders === 0) {
        finished = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const usage = monitor.stop();
    const [{ left }] = (await query<{ left: number }>(client, `select count(*)::int as left ${due}`, [started])) as [{ left: number }];

    // Once each: one cancellation per order; the stock they took came back, no more.
    const [history] = await query<{ rows: number; orders: number; units: string }>(
      client,
      `select count(*)::int as rows, count(distinct h.order_id)::int as orders,
              (select coalesce(sum(i.quantity), 0) from order_items i join orders o on o.id = i.order_id
                where o.id > $1 and o.shipping_address = $2 and o.status = 'cancelled')::text as units
       from order_status_history h join orders o on o.id = h.order_id
       where o.id > $1 and o.shipping_address = $2 and h.to_status = 'cancelled'`,
      [last, ADDRESS],
    );
    // Older due jobs (unpaid orders of earlier checkout runs) may restore checkout stock too.
    const [older] = await query<{ units: string }>(
      client,
      `select coalesce(sum(i.quantity), 0)::text as units
       from order_status_history h join order_items i on i.order_id = h.order_id
       where h.order_id <= $1 and h.to_status = 'cancelled' and h.created_at >= $2 and i.variant_id = any($3)`,
      [last, started, variantIds],
    );
    const restored = (await stock()) - (stockBefore - stockTaken);
    const exact =
      history!.rows === history!.orders &&
      restored === BigInt(history!.units) + BigInt(older!.units) &&
      (!finished || (history!.orders === count && BigInt(history!.units) === stockTaken));
    return {
      jobs,
      seconds,
      rate: (jobs - left) / seconds,
      finished,
      check:
        `${history!.orders} of ${count} orders cancelled (${history!.rows} cancellations), stock taken ${stockTaken}, ` +
        `restored ${restored}: ${exact ? 'exactly once' : 'MISMATCH'}`,
      usage,
    };
  } finally {
    worker?.kill('SIGTERM');
    await client.end();
  }
}
