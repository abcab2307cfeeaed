/**
 * npm run bench — measures the API on real PostgreSQL with a large data set, beside a bare
 * Fastify + pg server (bench/bare.ts) running the same SQL, in the same run.
 *
 *   npm run bench                          # 100,000 products (database shop_bench), ~4 minutes
 *   npm run bench -- --products 10000      # 10,000 products (database shop_bench_10k)
 *   npm run bench -- --only list,detail --duration 5 --no-bare --no-rate
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench
 *
 * It creates (and keeps, for the next run) one database per catalogue size on that server
 * (shop_bench for 100,000 products, shop_bench_10k for --products 10000, …), each seeded
 * in set-based SQL with that many products in a category tree, 10,000 users and 1,000,000
 * orders with items; builds and starts the project's server and the bare one as child
 * processes, and drives both with autocannon, one scenario after the other. It prints, per
 * scenario, req/s, p50, p99 and errors of both and the ratio project ÷ bare; then p50/p99
 * at a fixed rate of half each server's measured maximum (open loop, bench/paced.ts; the
 * scenarios in --rate, for --rate-duration seconds); then peak RSS and CPU of each process
 * during each run. The tables go to bench/results/latest.md and bench/results/<database>.md
 * (a partial run, with --only, --no-bare, --no-rate or --rate, only prints them).
 *
 * The `drain` scenario (bench/drain.ts) times the job worker (dist/worker.js) working off
 * --drain-orders (10,000) due expiry jobs of unpaid overdue orders, and prints its rate
 * (jobs/s) beside checkout's (orders/s): background work must keep up with checkout.
 *   npm run bench -- --products 10000 --only checkout,drain --no-bare --no-rate --duration 5
 *
 * `search` repeats eight common words (a repeat is a cached page: one primary-key query);
 * `search-uncached` makes every request a search the server has not seen (a new piece of a
 * common word or a new page size each time: uncachedSearch), what a search costs the first time.
 *   npm run bench -- --only search,search-uncached --rate search,search-uncached --duration 10
 *
 * --workers N runs the project server as WEB_CONCURRENCY=N (results in <database>_workersN.md).
 * --pool N gives each server N database connections (DB_POOL_MAX; by default 10, the
 * project's default): more connections than PostgreSQL's cores can use only queue in the
 * kernel, where the server's own process waits its turn behind them (see bench/results/search.md).
 * --rate-fraction F runs the fixed-rate part at F × the maximum (0.5 by default).
 * Other options: --connections (50), --database NAME, --quiet-wait S and --retries N (on a
 * shared machine: wait for other work to stop before each run, and run again a run that
 * other work disturbed), --users and --orders (seeding a new database). Two runs on one
 * machine do not overlap: the second waits for the first.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  type BenchData,
  checkStock,
  clearCarts,
  setBenchPricing,
  databaseName,
  DEPARTMENTS,
  PASSWORD,
  prepareData,
  stockSnapshot,
  vacuum,
} from './data.js';
import { type DrainResult, measureDrain } from './drain.js';
import { type Usage, waitQuiet, watch } from './monitor.js';
import { type Client, type HttpCall, httpClient, paced, type PacedResult } from './paced.js';

const RATE_DEFAULT = 'detail,list,checkout';
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    'rate-duration': { type: 'string', default: '5' },
    // The fixed rate as a fraction of each server's measured maximum (0.5: half load).
    'rate-fraction': { type: 'string', default: '0.5' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    rate: { type: 'string', default: RATE_DEFAULT },
    products: { type: 'string', default: '100000' },
    // Variants per product: 3 benches a catalog of three sizes per product with two images each
    // (its own database, …_v3); cart adds then name a variant.
    variants: { type: 'string', default: '1' },
    orders: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '10000' },
    database: { type: 'string' },
    'no-bare': { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    pool: { type: 'string', default: '10' },
    // On a shared machine: wait up to this many seconds for other work to stop before each
    // run, and run again (up to --retries times) a run that other work disturbed.
    'quiet-wait': { type: 'string', default: '2' },
    retries: { type: 'string', default: '0' },
    'no-rate': { type: 'boolean', default: false },
    // The drain scenario: due expiry jobs to work off, and how long to wait for them at most.
    'drain-orders': { type: 'string', default: '10000' },
    'drain-limit': { type: 'string', default: '120' },
    // Write bench/results/ even for a partial run (--only, --no-bare, --no-rate, --rate).
    write: { type: 'boolean', default: false },
  },
});
const SCENARIOS = ['list', 'list-filtered', 'detail', 'search', 'search-uncached', 'dashboard', 'sales-report-365d', 'login', 'cart-add', 'checkout', 'checkout-money', 'drain'];
{
  const unknown = [...(args.only?.split(',') ?? []), ...args.rate.split(',')].filter((n) => !SCENARIOS.includes(n));
  if (unknown.length) {
    console.error(`unknown scenario ${unknown.join(', ')}; the scenarios are ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
}
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = Number(args.duration);
const RATE_DURATION = Number(args['rate-duration']);
const RATE_FRACTION = Number(args['rate-fraction']);
const CONNECTIONS = Number(args.connections);
const PRODUCTS = Number(args.products);
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const VARIANTS = Number(args.variants);
const DATABASE = args.database ?? databaseName(PRODUCTS, VARIANTS);
const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${DATABASE}`;
const OTHER_CPU_WARNING = 15;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const basePort = 3900 + Math.floor(Math.random() * 45) * 2;

// ---- servers -----------------------------------------------------------------------------------

interface Server {
  name: 'project' | 'bare';
  base: string;
  child: ChildProcess;
}

async function waitReady(name: string, child: ChildProcess, url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${name} server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${name} server did not start`);
}

function watchExit(server: Server) {
  server.child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${server.name} server exited unexpectedly (code ${code}, signal ${signal})`);
      process.exit(1);
    }
  });
}
let stopping = false;
const children: ChildProcess[] = [];
// However the run ends, the servers it started end with it.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

async function startProject(): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    const build = spawn('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    build.on('close', (code) => (code === 0 ? resolve() : reject(new Error('build failed'))));
  });
  const port = basePort;
  // BENCH_CPU_PROF=dir writes a V8 CPU profile of the server (of each worker) there;
  // BENCH_NODE_FLAGS adds Node options to its command line (a heap setting to compare, say).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...profile, ...nodeFlags, 'dist/server.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      WEB_CONCURRENCY: args.workers,
      DATABASE_URL: dbUrl.toString(),
      JWT_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      JOBS: 'off',
      DB_POOL_MAX: args.pool,
      LOGIN_MAX_FAILURES: '1000',
      ACCESS_TOKEN_TTL_SECONDS: '7200',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  const server: Server = { name: 'project', base: `http://127.0.0.1:${port}`, child };
  await waitReady('project', child, `${server.base}/health/ready`);
  watchExit(server);
  return server;
}

async function startBare(): Promise<Server> {
  const port = basePort + 1;
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bare.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: dbUrl.toString(), JWT_SECRET, PORT: String(port), HOST: '127.0.0.1', DB_POOL_MAX: args.pool },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  const server: Server = { name: 'bare', base: `http://127.0.0.1:${port}`, child };
  await waitReady('bare', child, `${server.base}/health`);
  watchExit(server);
  return server;
}

// ---- scenarios ---------------------------------------------------------------------------------

/** How a scenario talks to one server: headers of the admin and of shopper i. */
interface Target {
  server: Server;
  admin: Record<string, string>;
  shopper(slot: number): Record<string, string>;
}

interface Scenario {
  name: string;
  connections: number;
  /** What req/s counts: every request, or completed orders (checkout) */
  unit: 'req' | 'order';
  /** It writes (the next measurement starts with a VACUUM) */
  writes?: boolean;
  /** Runs before each timed run, on each server (e.g. empty the shoppers' carts) */
  before?: () => Promise<void>;
  /** The requests connection `slot` repeats, in order; each call makes a fresh request. */
  cycle(target: Target, slot: number): (() => HttpCall)[];
}

const rand = (n: number) => Math.floor(Math.random() * n); // 0 … n-1
const pick = <T>(items: readonly T[]) => items[rand(items.length)]!;
const WORDS = ['headphones', 'kettle', 'wireless', 'lamp', 'studio', 'backpack', 'charger', 'novel'];

/**
 * The uncached search scenario's next request on a server: a piece of a common word (every
 * piece of five letters or more of 33 words of the generated names, as a shopper typing one
 * might send; 213 pieces, each matching 3.3–6.7 % of the catalogue, 3.8 % on average) with a
 * page size (31 … 100) that no earlier request to that server had, so that neither the cached
 * page nor the cached count of a search answers it: each is a search the server has not seen
 * at this catalog version. Request n to a server takes piece n mod 213 and page size
 * 31 + (n / 213) mod 70: unique for the first 14,910 requests (a 10-second run at 10,000
 * products makes about 10,000); each server gets the same sequence. (Letter case does not make
 * a search new: the server's caches ignore it.)
 */
const UNCACHED_WORDS = [
  ...['headphones', 'speaker', 'kettle', 'backpack', 'keyboard', 'monitor', 'blender', 'toaster', 'jacket', 'sneakers'],
  ...['camera', 'tripod', 'bottle', 'helmet', 'router', 'charger', 'cookbook', 'dumbbell', 'bicycle', 'sunglasses'],
  ...['wallet', 'wireless', 'classic', 'portable', 'premium', 'compact', 'deluxe', 'rugged', 'vintage', 'modern'],
  ...['travel', 'studio', 'silent'],
];
const UNCACHED_TERMS = [
  ...new Set(
    UNCACHED_WORDS.flatMap((word) => {
      const pieces: string[] = [];
      for (let length = word.length; length >= 5; length--)
        for (let from = 0; from + length <= word.length; from++) pieces.push(word.slice(from, from + length));
      return pieces;
    }),
  ),
];
const uncachedSearches = new Map<string, number>();
function uncachedSearch(server: string): string {
  const n = uncachedSearches.get(server) ?? 0;
  uncachedSearches.set(server, n + 1);
  const term = UNCACHED_TERMS[n % UNCACHED_TERMS.length]!;
  const size = 31 + (Math.floor(n / UNCACHED_TERMS.length) % 70);
  return `/api/products/?search=${term}&page_size=${size}`;
}
const JSON_BODY = { 'content-type': 'application/json' };

/** The scenarios, in the order of SCENARIOS. */
function scenarios(data: BenchData): Scenario[] {
  const shopperIds = data.shoppers.map((s) => s.id);
  const emptyCarts = () => clearCarts(dbUrl.toString(), shopperIds);
  let benchMethodId = 0;
  // The i-th checkout product, or in a catalog with variants its variant.
  const addToCart = (target: Target, slot: number, i: number): HttpCall => ({
    method: 'POST',
    path: '/api/cart/add/',
    headers: { ...JSON_BODY, ...target.shopper(slot) },
    body: JSON.stringify(
      data.variants > 1
        ? { variant_id: data.checkoutVariants[i], quantity: 1 }
        : { product_id: data.checkoutProducts[i], quantity: 1 },
    ),
  });
  return [
    {
      name: 'list',
      connections: CONNECTIONS,
      unit: 'req',
      // Random pages over the whole catalogue, each with its exact count.
      cycle: () => [() => ({ method: 'GET', path: `/api/products/?page=${1 + rand(data.listPages)}` })],
    },
    {
      name: 'list-filtered',
      connections: CONNECTIONS,
      unit: 'req',
      cycle: () => [
        () => {
          const d = 1 + rand(DEPARTMENTS);
          const page = 1 + rand(Math.max(1, data.filteredPages.get(d) ?? 1));
          return { method: 'GET', path: `/api/products/?category=gen-department-${d}&ordering=price&in_stock=true&page=${page}` };
        },
      ],
    },
    {
      name: 'detail',
      connections: CONNECTIONS,
      unit: 'req',
      cycle: () => [() => ({ method: 'GET', path: `/api/products/${pick(data.activeIds)}/` })],
    },
    {
      name: 'search',
      connections: CONNECTIONS,
      unit: 'req',
      cycle: () => [() => ({ method: 'GET', path: `/api/products/?search=${pick(WORDS)}` })],
    },
    {
      // Searches that no cache answers: what a search costs the first time it is made.
      name: 'search-uncached',
      connections: CONNECTIONS,
      unit: 'req',
      cycle: (target) => [() => ({ method: 'GET', path: uncachedSearch(target.server.name) })],
    },
    {
      name: 'dashboard',
      connections: 1,
      unit: 'req',
      cycle: (target) => [() => ({ method: 'GET', path: '/api/analytics/dashboard/', headers: target.admin })],
    },
    {
      name: 'sales-report-365d',
      connections: 1,
      unit: 'req',
      cycle: (target) => [
        () => ({ method: 'GET', path: '/api/analytics/sales-report/?days=365&tz=Asia/Kolkata', headers: target.admin }),
      ],
    },
    {
      name: 'login',
      connections: 8,
      unit: 'req',
      cycle: () => [
        () => ({
          method: 'POST',
          path: '/api/auth/login/',
          headers: JSON_BODY,
          body: JSON.stringify({ username: `bench${1 + rand(Number(args.users))}`, password: PASSWORD }),
        }),
      ],
    },
    {
      name: 'cart-add',
      connections: CONNECTIONS,
      unit: 'req',
      writes: true,
      before: emptyCarts,
      // Each shopper adds to a cart of at most four lines (the cart comes back whole).
      cycle: (target, slot) => {
        const own = [0, 1, 2, 3].map((k) => (slot * 4 + k) % data.checkoutProducts.length);
        return [() => addToCart(target, slot, pick(own))];
      },
    },
    {
      name: 'checkout',
      connections: CONNECTIONS,
      unit: 'order',
      writes: true,
      // Without shipping methods or codes (as before checkout money): its ratio stays comparable.
      before: async () => {
        await emptyCarts();
        await setBenchPricing(dbUrl.toString(), false);
      },
      cycle: (target, slot) => [
        () => addToCart(target, slot, rand(data.checkoutProducts.length)),
        () => ({
          method: 'POST',
          path: '/api/orders/create_order/',
          headers: { ...JSON_BODY, ...target.shopper(slot) },
          body: JSON.stringify({ shipping_address: '1 Bench Street, Pune' }),
        }),
      ],
    },
    {
      // Checkout money: add, apply the code BENCH10, check out with a shipping method (tax by
      // the default class): three requests per order; every order takes a use of the code.
      name: 'checkout-money',
      connections: CONNECTIONS,
      unit: 'order',
      writes: true,
      before: async () => {
        await emptyCarts();
        benchMethodId = await setBenchPricing(dbUrl.toString(), true);
      },
      cycle: (target, slot) => [
        () => addToCart(target, slot, rand(data.checkoutProducts.length)),
        () => ({
          method: 'POST',
          path: '/api/cart/promotion/',
          headers: { ...JSON_BODY, ...target.shopper(slot) },
          body: JSON.stringify({ code: 'bench10' }),
        }),
        () => ({
          method: 'POST',
          path: '/api/orders/create_order/',
          headers: { ...JSON_BODY, ...target.shopper(slot) },
          body: JSON.stringify({ shipping_address: '1 Bench Street, Pune', shipping_method_id: benchMethodId }),
        }),
      ],
    },
  ];
}

// ---- measuring -----------------------------------------------------------------------------------

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: string;
  failures: string[];
  usage: Usage;
}

/**
 * One autocannon run. Every connection gets its own copy of the scenario's cycle (through
 * `setupClient`), so a connection keeps its own shopper for the whole run: autocannon's
 * per-connection `context` is reset each time the request list starts over, so it cannot
 * hold one.
 */
async function measure(scenario: Scenario, target: Target, watched: Record<string, number | undefined>): Promise<Measured> {
  const failures: string[] = [];
  let orders = 0;
  let slot = 0;
  await scenario.before?.();
  const monitor = watch(watched, DATABASE);
  const result = await autocannon({
    url: target.server.base,
    connections: scenario.connections,
    duration: DURATION,
    setupClient: (client) => {
      const calls = scenario.cycle(target, slot++);
      client.setRequests(
        calls.map((make, index) => ({
          setupRequest: (request, context) => {
            const call = make();
            (context as { call?: HttpCall }).call = call;
            return { ...request, method: call.method, path: call.path, headers: call.headers ?? {}, body: call.body ?? '' };
          },
          onResponse: (status, body, context) => {
            if (status >= 200 && status < 300) {
              if (scenario.unit === 'order' && index === calls.length - 1) orders++;
            } else if (failures.length < 5) {
              const call = (context as { call?: HttpCall }).call;
              failures.push(`${status} ${call?.method} ${call?.path}: ${body.slice(0, 300)}`);
            }
          },
        })),
      );
    },
  });
  const usage = monitor.stop();
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code}×${s.count ?? 0}`)
    .join(' ');
  return {
    rps: scenario.unit === 'order' ? orders / result.duration : result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    statuses: statuses + (result.timeouts ? ` timeouts×${result.timeouts}` : '') + (result.errors ? ` errors×${result.errors}` : ''),
    failures,
    usage,
  };
}

/** The scenario at a fixed rate (cycles per second), each job on a free shopper slot. */
async function measurePaced(
  scenario: Scenario,
  target: Target,
  rate: number,
  watched: Record<string, number | undefined>,
): Promise<PacedResult & { usage: Usage }> {
  await scenario.before?.();
  const slots = Array.from({ length: scenario.connections }, (_, i) => i);
  const cycles = slots.map((slot) => scenario.cycle(target, slot));
  const waiting: ((slot: number) => void)[] = [];
  const acquire = () => new Promise<number>((resolve) => (slots.length ? resolve(slots.pop()!) : waiting.push(resolve)));
  const release = (slot: number) => {
    const next = waiting.shift();
    if (next) next(slot);
    else slots.push(slot);
  };
  const monitor = watch(watched, DATABASE);
  const result = await paced({
    base: target.server.base,
    rate,
    seconds: RATE_DURATION,
    connections: CONNECTIONS,
    job: async (client: Client, due: number) => {
      const slot = await acquire();
      try {
        // The first request's latency runs from when the job was due (it may have waited
        // for a free shopper); the next ones' from when they are sent.
        let since: number | undefined = due;
        for (const make of cycles[slot]!) {
          await client.send(make(), since, due);
          since = undefined;
        }
      } finally {
        release(slot);
      }
    },
  });
  return { ...result, usage: monitor.stop() };
}

// Whether the tables may hold dead rows from writes since the last VACUUM (at first: unknown).
let dirty = true;

/**
 * Runs a measurement when the machine is quiet, and again (up to --retries times) when
 * other work took more than OTHER_CPU_WARNING % of a core during it; keeps the least disturbed.
 * A measurement that follows writes starts with a VACUUM (see data.ts).
 */
async function undisturbed<T extends { usage: Usage }>(
  what: string,
  writes: boolean,
  run: () => Promise<T>,
): Promise<T> {
  let best: T | null = null;
  for (let attempt = 0; attempt <= Number(args.retries); attempt++) {
    if (dirty) {
      await vacuum(dbUrl.toString());
      dirty = false;
    }
    dirty = writes;
    if (!(await waitQuiet(Number(args['quiet-wait']), OTHER_CPU_WARNING))) {
      console.log(`    (${what}: the machine is busy with other work; running anyway)`);
    }
    const result = await run();
    if (!best || (result.usage.otherCpu ?? 0) < (best.usage.otherCpu ?? 0)) best = result;
    if ((result.usage.otherCpu ?? 0) <= OTHER_CPU_WARNING) break;
    if (attempt < Number(args.retries)) console.log(`    (${what}: disturbed by other work, ${fmt(result.usage.otherCpu)} % of a core; again)`);
  }
  return best!;
}

/** One cycle of every scenario, in order: a scenario that fails here is reported, not timed. */
async function preflight(scenario: Scenario, target: Target): Promise<string | null> {
  await scenario.before?.();
  const { client, close } = httpClient(target.server.base, 1);
  try {
    for (const make of scenario.cycle(target, 0)) {
      const call = make();
      const answer = await client.send(call);
      if (answer.status < 200 || answer.status >= 300) {
        return `${answer.status} ${call.method} ${call.path}: ${answer.body.slice(0, 300)}`;
      }
    }
    return null;
  } finally {
    close();
  }
}

async function login(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access: string }).access;
}

/** A short closed-loop warm-up (JIT, pools, caches) that is not measured. */
async function warmUp(target: Target, all: Scenario[]) {
  const mixed = all.filter((s) => ['list', 'list-filtered', 'detail', 'search'].includes(s.name));
  await autocannon({
    url: target.server.base,
    connections: 10,
    duration: 2,
    setupClient: (client) => {
      const calls = mixed.flatMap((s) => s.cycle(target, 0));
      client.setRequests(
        calls.map((make) => ({
          setupRequest: (request) => {
            const call = make();
            return { ...request, method: call.method, path: call.path };
          },
        })),
      );
    },
  });
}

// ---- report --------------------------------------------------------------------------------------

interface Row {
  scenario: Scenario;
  project?: Measured;
  bare?: Measured;
  skipped: Partial<Record<'project' | 'bare', string>>;
  rate?: Partial<Record<'project' | 'bare', PacedResult & { usage: Usage }>>;
  stock?: Partial<Record<'project' | 'bare', string>>;
}

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
const ms = (n: number | undefined) => (n === undefined ? '–' : n < 10 ? n.toFixed(1) : n.toFixed(0));

/** The drain scenario's table: the worker's rate beside checkout's. */
function drainTable(drain: DrainResult, rows: Row[]): string[] {
  const checkout = rows.find((r) => r.scenario.name === 'checkout')?.project?.rps;
  return [
    '',
    `Background work (drain): the job worker working off ${drain.jobs} due expiry jobs of unpaid orders past their deadline, ` +
      'beside the rate at which checkout creates them:',
    '',
    '| scenario | due jobs | seconds | jobs/s | checkout orders/s | jobs/s ÷ orders/s | worker CPU | PG CPU | other CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| drain | ${drain.jobs} | ${drain.seconds.toFixed(1)}${drain.finished ? '' : ' (limit reached)'} | ${fmt(drain.rate)} | ` +
      `${checkout ? fmt(checkout) : '–'} | ${checkout ? (drain.rate / checkout).toFixed(1) : '–'} | ` +
      `${fmt(drain.usage.cpu.worker)} | ${fmt(drain.usage.postgresCpu)} | ${fmt(drain.usage.otherCpu)} |`,
    '',
    `- drain: ${drain.check}.`,
  ];
}

function tables(rows: Row[], drain?: DrainResult): string {
  const out: string[] = [];
  out.push(
    '| scenario | project req/s | p50 ms | p99 ms | errors | bare req/s | project ÷ bare | bare p50 | bare p99 | bare errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of rows) {
    const label = r.scenario.unit === 'order' ? `${r.scenario.name} (orders/s: add + order)` : r.scenario.name;
    const p = r.project;
    const b = r.bare;
    const cells = [
      label,
      p ? fmt(p.rps) : `skipped`,
      ms(p?.p50),
      ms(p?.p99),
      p ? String(p.errors) : '–',
      b ? fmt(b.rps) : r.skipped.bare ? 'skipped' : '–',
      p && b ? (p.rps / b.rps).toFixed(2) : '–',
      ms(b?.p50),
      ms(b?.p99),
      b ? String(b.errors) : '–',
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  const rated = rows.filter((r) => r.rate);
  if (rated.length) {
    out.push(
      '',
      `Fixed rate, ${RATE_FRACTION === 0.5 ? 'half' : `${RATE_FRACTION} ×`} of each server's maximum above, open loop for ${RATE_DURATION} s after 1 s of warm-up (latency from the moment each request was due; ` +
        "the last column is the load generator's own longest event-loop delay in each run, project / bare: a stall of its own shows in the latencies):",
      '',
      '| scenario | project rate/s | p50 ms | p99 ms | max ms | errors | bare rate/s | bare p50 | bare p99 | bare max | bare errors | load generator stall ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const r of rated) {
      const p = r.rate!.project;
      const b = r.rate!.bare;
      const cells = [
        r.scenario.unit === 'order' ? `${r.scenario.name} (per request; rate in orders/s)` : r.scenario.name,
        fmt(p?.rate),
        ms(p?.p50),
        ms(p?.p99),
        ms(p?.max),
        p ? String(p.errors) : '–',
        fmt(b?.rate),
        ms(b?.p50),
        ms(b?.p99),
        ms(b?.max),
        b ? String(b.errors) : '–',
        `${ms(p?.generatorStall)} / ${ms(b?.generatorStall)}`,
      ];
      out.push(`| ${cells.join(' | ')} |`);
    }
  }
  out.push(
    '',
    'Resources during each run above: peak RSS of the server (VmRSS, sampled every 200 ms), and CPU as % of one core ' +
      `(${os.cpus().length} cores: ${os.cpus().length * 100} % in all) used by the server, by PostgreSQL for this database, ` +
      'by the load generator (autocannon, in the bench process) and by anything else on the machine:',
    '',
    '| scenario | project RSS MB | project CPU | PG CPU | loadgen CPU | other CPU | bare RSS MB | bare CPU | PG CPU | loadgen CPU | other CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of rows) {
    const u = (m: Measured | undefined, who: 'project' | 'bare') =>
      m
        ? [fmt(m.usage.rssPeakMb[who]), fmt(m.usage.cpu[who]), fmt(m.usage.postgresCpu), fmt(m.usage.loadGeneratorCpu), fmt(m.usage.otherCpu)]
        : ['–', '–', '–', '–', '–'];
    out.push(`| ${[r.scenario.name, ...u(r.project, 'project'), ...u(r.bare, 'bare')].join(' | ')} |`);
  }
  const notes: string[] = [];
  const rss = (name: string) => rows.find((r) => r.scenario.name === name)?.project?.usage.rssPeakMb.project;
  const peak = Math.max(
    ...rows.flatMap((r) => [r.project?.usage.rssPeakMb.project ?? 0, r.rate?.project?.usage.rssPeakMb.project ?? 0]),
  );
  if (peak > 0) {
    notes.push(
      `- Peak RSS of the project server under load: list ${fmt(rss('list'))} MB, checkout ${fmt(rss('checkout'))} MB, ` +
        `whole run ${fmt(peak)} MB.`,
    );
  }
  const busy = rows.flatMap((r) =>
    (['project', 'bare'] as const).flatMap((who) =>
      [
        { what: `${r.scenario.name} (${who})`, other: r[who]?.usage.otherCpu },
        { what: `${r.scenario.name} at fixed rate (${who})`, other: r.rate?.[who]?.usage.otherCpu },
      ]
        .filter((x) => (x.other ?? 0) > OTHER_CPU_WARNING)
        .map((x) => `${x.what} ${fmt(x.other)} %`),
    ),
  );
  if (busy.length) {
    notes.push(`- **Other work was running on the machine** (other CPU > ${OTHER_CPU_WARNING} % of a core): ${busy.join(', ')}; those figures are low.`);
  }
  for (const r of rows) {
    for (const who of ['project', 'bare'] as const) {
      const m = r[who];
      if (r.skipped[who]) notes.push(`- ${r.scenario.name}, ${who}: not timed, the first cycle failed: ${r.skipped[who]}`);
      if (m && m.errors) {
        notes.push(`- ${r.scenario.name}, ${who}: ${m.errors} errors (${m.statuses}); first ones:`);
        for (const f of m.failures) notes.push(`  - \`${f.replace(/`/g, "'").replace(/\s+/g, ' ')}\``);
      }
      const paced = r.rate?.[who];
      if (paced?.errors) {
        notes.push(`- ${r.scenario.name} at fixed rate, ${who}: ${paced.errors} errors; first ones:`);
        for (const f of paced.failures) notes.push(`  - \`${f.replace(/`/g, "'").replace(/\s+/g, ' ')}\``);
      }
      if (r.stock?.[who]) notes.push(`- ${r.scenario.name}, ${who}: ${r.stock[who]}`);
    }
  }
  if (notes.length) out.push('', ...notes);
  if (drain) out.push(...drainTable(drain, rows));
  return out.join('\n');
}

/** The code measured: the commit, and whether src/ differed from it, when the server was built. */
function codeVersion(): string {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json') ? ' + uncommitted changes in src/' : '';
  return `commit ${commit}${dirty}`;
}
let measuredCode = 'commit unknown';

function describeRun(data: BenchData, elapsed: number): string {
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    `Command: \`${command}\`  `,
    `Date: ${new Date().toISOString()}, ${measuredCode}, ${elapsed.toFixed(0)} s  `,
    `Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, ${pgVersion}; ` +
      'load generator on the same machine  ',
    `Data (${DATABASE}): ${data.counts.products} products, ${data.counts.users} users, ${data.counts.orders} orders, ` +
      `${data.counts.orderItems} order items; passwords argon2id m=${data.argon2.memoryCost} KiB, t=${data.argon2.timeCost} ` +
      "(the server's setting; both servers verify the same hashes)  ",
    `Runs: ${DURATION} s per scenario and server, ${CONNECTIONS} connections (dashboard and sales report 1, login 8); ` +
      'list pages at random over the whole catalogue; checkout = add to cart + create order, each connection its own user.  ',
    `Project server: ${args.workers === '1' ? 'one process' : `WEB_CONCURRENCY=${args.workers} (node:cluster; RSS and CPU summed over the workers)`}; the bare server is one process; each has ${args.pool} database connections (DB_POOL_MAX).`,
  ].join('\n');
}
let pgVersion = 'PostgreSQL';

// ---- main ----------------------------------------------------------------------------------------

/**
 * One benchmark at a time on a machine (two would measure each other): a lock file holds the
 * pid of the run in progress; a run whose process is gone leaves a lock that is taken over.
 * Answers the pid holding the lock when it is not ours.
 */
function lockBench(): number | null {
  const file = join(os.tmpdir(), 'shop-api-bench.lock');
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    process.on('exit', () => rmSync(file, { force: true }));
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number(readFileSync(file, 'utf8'));
  try {
    if (holder) process.kill(holder, 0);
    if (holder) return holder;
  } catch {
    // its process is gone
  }
  rmSync(file, { force: true });
  return lockBench();
}

async function main() {
  for (let waited = 0, holder = lockBench(); holder !== null; waited += 5, holder = lockBench()) {
    if (waited >= 900) throw new Error(`another benchmark (pid ${holder}) is still running`);
    if (waited === 0) console.log(`another benchmark is running (pid ${holder}); waiting for it to end…`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  const started = Date.now();
  const data = await prepareData({
    serverUrl,
    databaseUrl: dbUrl.toString(),
    database: DATABASE,
    products: PRODUCTS,
    users: Number(args.users),
    orders: Number(args.orders),
    shoppers: CONNECTIONS,
    variants: VARIANTS,
  });
  {
    const client = new pg.Client({ connectionString: dbUrl.toString() });
    await client.connect();
    const { rows } = await client.query<{ v: string; autovacuum: string }>(
      "select current_setting('server_version') as v, current_setting('autovacuum') as autovacuum",
    );
    pgVersion = `PostgreSQL ${rows[0]!.v.split(' ')[0]} (autovacuum ${rows[0]!.autovacuum}; the bench vacuums after its writes)`;
    await client.end();
  }
  measuredCode = codeVersion();
  const servers: Server[] = [await startProject()];
  if (!args['no-bare']) servers.push(await startBare());
  const rows: Row[] = [];
  let drain: DrainResult | undefined;
  try {
    const project = servers[0]!;
    const tokens = await Promise.all(data.shoppers.map((s) => login(project.base, s.username)));
    const targets: Target[] = [
      {
        server: project,
        admin: { authorization: `Bearer ${await login(project.base, 'bench1')}` },
        shopper: (slot) => ({ authorization: `Bearer ${tokens[slot]!}` }),
      },
    ];
    if (servers[1]) {
      targets.push({ server: servers[1], admin: {}, shopper: (slot) => ({ 'x-user-id': String(data.shoppers[slot]!.id) }) });
    }
    const watched = Object.fromEntries(servers.map((s) => [s.name, s.child.pid]));
    const all = scenarios(data);
    const wanted = all.filter((s) => !args.only || args.only.split(',').includes(s.name));
    for (const target of targets) await warmUp(target, all);

    for (const scenario of wanted) {
      const row: Row = { scenario, skipped: {} };
      rows.push(row);
      for (const target of targets) {
        const who = target.server.name;
        const problem = await preflight(scenario, target);
        if (problem) {
          row.skipped[who] = problem;
          console.error(`${scenario.name} (${who}): first cycle failed, not timed: ${problem}`);
          continue;
        }
        const before = scenario.unit === 'order' ? await stockSnapshot(dbUrl.toString(), data.checkoutVariants) : null;
        const m = await undisturbed(`${scenario.name} (${who})`, scenario.writes ?? false, () =>
          measure(scenario, target, watched),
        );
        row[who] = m;
        if (before) {
          const check = await checkStock(dbUrl.toString(), data.checkoutVariants, before);
          (row.stock ??= {})[who] =
            `${check.orders} orders; stock taken ${check.taken} = units ordered ${check.ordered}: ${check.ok ? 'consistent' : 'MISMATCH'}`;
        }
        console.log(
          `${scenario.name.padEnd(18)} ${who.padEnd(7)} ${fmt(m.rps).padStart(6)} ${scenario.unit}/s  p50 ${ms(m.p50)} ms  ` +
            `p99 ${ms(m.p99)} ms  errors ${m.errors}  RSS ${fmt(m.usage.rssPeakMb[who])} MB  ` +
            `CPU server ${fmt(m.usage.cpu[who])} % PG ${fmt(m.usage.postgresCpu)} % other ${fmt(m.usage.otherCpu)} %`,
        );
        for (const f of m.failures) console.log(`    ${f.replace(/\s+/g, ' ')}`);
      }
    }

    if (!args.only || args.only.split(',').includes('drain')) {
      await waitQuiet(Number(args['quiet-wait']), OTHER_CPU_WARNING);
      drain = await measureDrain({
        root: ROOT,
        databaseUrl: dbUrl.toString(),
        database: DATABASE,
        env: { JWT_SECRET, DB_POOL_MAX: args.pool },
        userId: data.shoppers[0]!.id,
        variantIds: data.checkoutVariants,
        count: Number(args['drain-orders']),
        limitSeconds: Number(args['drain-limit']),
        started: (child) => children.push(child),
      });
      dirty = true;
      const checkout = rows.find((r) => r.scenario.name === 'checkout')?.project?.rps;
      console.log(
        `${'drain'.padEnd(18)} worker  ${fmt(drain.rate).padStart(6)} jobs/s  (${drain.jobs} due jobs in ${drain.seconds.toFixed(1)} s` +
          `${drain.finished ? '' : ', limit reached'}; checkout ${checkout ? `${fmt(checkout)} orders/s` : 'not run'})  ${drain.check}`,
      );
    }

    if (!args['no-rate']) {
      const rated = rows.filter((r) => args.rate.split(',').includes(r.scenario.name));
      for (const row of rated) {
        row.rate = {};
        for (const target of targets) {
          const who = target.server.name;
          const max = row[who]?.rps;
          if (!max || max < 2) continue;
          const before = row.scenario.unit === 'order' ? await stockSnapshot(dbUrl.toString(), data.checkoutVariants) : null;
          const result = await undisturbed(`${row.scenario.name} at fixed rate (${who})`, row.scenario.writes ?? false, () =>
            measurePaced(row.scenario, target, max * RATE_FRACTION, watched),
          );
          row.rate[who] = result;
          if (before) {
            const check = await checkStock(dbUrl.toString(), data.checkoutVariants, before);
            if (!check.ok) (row.stock ??= {})[who] = `at fixed rate: stock taken ${check.taken} ≠ units ordered ${check.ordered}`;
          }
          console.log(
            `${row.scenario.name.padEnd(18)} ${who.padEnd(7)} at ${fmt(result.rate)}/s: p50 ${ms(result.p50)} ms  ` +
              `p99 ${ms(result.p99)} ms  max ${ms(result.max)} ms  errors ${result.errors}  generator stall ${ms(result.generatorStall)} ms  ` +
              `RSS ${fmt(result.usage.rssPeakMb[who])} MB  other CPU ${fmt(result.usage.otherCpu)} %`,
          );
        }
      }
    }
  } finally {
    stopping = true;
    for (const s of servers) s.child.kill('SIGTERM');
  }

  const report = `${describeRun(data, (Date.now() - started) / 1000)}\n\n${tables(rows, drain)}\n`;
  console.log(`\n${report}`);
  // Only a whole run replaces the results that the README quotes.
  const partial = args.only || args['no-bare'] || args['no-rate'] || args.rate !== RATE_DEFAULT;
  if (partial && !args.write) {
    console.log('a partial run: bench/results/ left as it was (--write to write it there anyway)');
    return;
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const name = args.workers === '1' ? DATABASE : `${DATABASE}_workers${args.workers}`;
  const body = `# Benchmark results (${name})\n\n${report}`;
  writeFileSync(join(dir, 'latest.md'), body);
  writeFileSync(join(dir, `${name}.md`), body);
  console.log(`written to bench/results/latest.md and bench/results/${name}.md`);
}

main().catch((err: unknown) => {
  console.error(err);
  stopping = true;
  process.exit(1);
});
