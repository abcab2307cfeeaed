import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { pino } from 'pino';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openPostgres } from '../../src/db/client.js';
import { buildServices, startJobs } from '../../src/services.js';
import type { TestContext } from '../helpers/app.js';
import { freePort, start, waitForReady } from '../helpers/process.js';

const JWT_SECRET = 'fault-tests-secret-that-is-long-enough-0123456789';

/** A database of this file's own on the run's PostgreSQL server, dropped by `drop()`. */
export async function createFaultDatabase(): Promise<{
  url: string;
  name: string;
  admin: pg.Client;
  terminateBackends(): Promise<number>;
  drop(): Promise<void>;
}> {
  const shared = inject('databaseUrl');
  const name = `${new URL(shared).pathname.slice(1)}_faults_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: shared });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    admin,
    // Only this file's database: other files' connections are never touched. The call sits
    // in the select list, which is evaluated for the filtered rows alone (in WHERE, the
    // planner may call it before the datname test, on every backend of the server).
    async terminateBackends() {
      const res = await admin.query<{ killed: boolean }>(
        'select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
      return res.rows.filter((r) => r.killed).length;
    },
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** An in-process app on the given database (for factories: users, products), jobs off. */
export async function appOn(databaseUrl: string, env: Record<string, string> = {}): Promise<TestContext> {
  const database = openPostgres(databaseUrl, 4);
  await database.migrate();
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    LOG_LEVEL: 'silent',
    JOBS: 'off',
    ...env,
  });
  const log = pino({ level: 'silent' });
  const services = buildServices({ config, database, log, work: false });
  await startJobs(services, log);
  const app = await buildApp({ services, logger: false });
  await app.ready();
  return {
    app,
    database,
    services,
    async close() {
      await app.close();
      await services.jobs.stop();
      await database.close();
    },
  };
}

export interface ServerProcess {
  base: string;
  child: ChildProcess;
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts `src/server.ts` as its own process and waits until it is ready. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = start('server.ts', [], {
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    ...env,
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const server: ServerProcess = {
    base,
    child,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (server.alive()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    // A loaded CI machine can take a while to start a process under tsx.
    await waitForReady(base, () => output, 80_000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  ms: number;
}

/**
 * One HTTP call to the server process. A connection error or a hang (no answer within
 * `timeoutMs`) comes back as status 0 / -1, for the test to count rather than throw.
 */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body, ms: Date.now() - started };
  } catch (err) {
    const hung = (err as Error).name === 'TimeoutError';
    return { status: hung ? -1 : 0, headers: new Headers(), body: String(err), ms: Date.now() - started };
  }
}

/** Polls until `fn` answers truthy, or fails naming what it waited for. */
export async function until<T>(fn: () => Promise<T | null | false | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
