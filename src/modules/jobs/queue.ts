import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import PgBoss from 'pg-boss';
import type { Database, Executor } from '../../db/client.js';

/** Every background job: its payload, and how it is retried. */
export interface JobPayloads {
  'order-expire': { orderId: number };
  'orders-expire-overdue': Record<string, never>;
  // A cancelled paid order's checkout payment, or one payment (a second capture).
  'payment-refund': { orderId: number } | { paymentId: number };
  'carts-sweep-idle': Record<string, never>;
  housekeeping: Record<string, never>;
}
export type JobName = keyof JobPayloads;
export type JobHandler<N extends JobName> = (data: JobPayloads[N], jobId: string) => Promise<void>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };

const QUEUES: Record<JobName, { cron?: string }> = {
  'order-expire': {},
  'orders-expire-overdue': { cron: '* * * * *' }, // safety net for expiry jobs that were missed
  'payment-refund': {},
  'carts-sweep-idle': { cron: '17 3 * * *' },
  // Expired refresh tokens and idempotency keys, webhook events past their retention.
  housekeeping: { cron: '43 3 * * *' },
};

interface SqlRunner {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface JobQueueOptions {
  /** Run handlers, cron schedules and maintenance here (false: only enqueue, as with JOBS=off). */
  work: boolean;
  /** Seconds between polls for new jobs (pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
}

/**
 * pg-boss on the project's own database. Jobs are enqueued with `enqueue(tx, …)` inside
 * the transaction of the change that causes them (an outbox: they exist exactly when the
 * change commits). On PGlite pg-boss runs through a small adapter over the one connection.
 */
export class JobQueue {
  private readonly boss: PgBoss;
  private started = false;

  constructor(
    private readonly database: Database,
    private readonly log: FastifyBaseLogger,
    private readonly options: JobQueueOptions,
  ) {
    const common = {
      schedule: options.work,
      supervise: options.work,
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1,
      // Finished jobs (completed or failed) move to the archive after a day and are deleted after a week.
      archiveCompletedAfterSeconds: 86_400,
      deleteAfterDays: 7,
    };
    this.boss =
      database.kind === 'pglite'
        ? new PgBoss({ ...common, db: pgliteRunner(database) })
        : new PgBoss({ ...common, db: poolRunner(database) });
    this.boss.on('error', (err) => this.log.error({ err }, 'job queue error'));
  }

  /**
   * Creates pg-boss's schema and the queues. A working queue also runs the handlers and
   * the cron schedules (an API instance with JOBS=off only enqueues).
   */
  async start(handlers: JobHandlers): Promise<void> {
    // pg-boss creates its schema and queues on first start; two instances doing so at once
    // collide (duplicate schema, deadlocks in create_queue), so instances take turns.
    await this.database.exclusive(async () => {
      await this.boss.start();
      this.started = true;
      for (const name of Object.keys(QUEUES) as JobName[]) {
        if (await this.boss.getQueue(name)) continue;
        await this.boss.createQueue(name, {
          name,
          retryLimit: this.options.retryLimit ?? 5,
          retryDelay: this.options.retryDelaySeconds ?? 5,
          retryBackoff: true,
        });
      }
    });
    if (!this.options.work) return;
    for (const name of Object.keys(QUEUES) as JobName[]) {
      const handler = handlers[name] as JobHandler<JobName>;
      await this.boss.work(name, { pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1 }, async (jobs) => {
        for (const job of jobs) {
          try {
            await handler(job.data as JobPayloads[JobName], job.id);
            this.log.debug({ jobId: job.id, job: name }, 'job done');
          } catch (err) {
            // pg-boss retries it with backoff and keeps it as failed after the last try.
            this.log.error({ err, jobId: job.id, job: name }, 'job failed');
            throw err;
          }
        }
      });
      const cron = QUEUES[name].cron;
      if (cron) await this.boss.schedule(name, cron, {});
    }
  }

  /** Enqueues a job in the caller's transaction (or at once, given the database itself). */
  async enqueue<N extends JobName>(
    ex: Executor,
    name: N,
    data: JobPayloads[N],
    options: { startAfter?: Date; singletonKey?: string } = {},
  ): Promise<void> {
    await this.boss.send(name, data, { ...options, db: transactionRunner(ex, true) });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000, close: false });
  }
}

/** Runs pg-boss's SQL on the executor's connection: inside the caller's transaction. */
function transactionRunner(ex: Executor, named = false): SqlRunner | undefined {
  // Drizzle keeps the driver's connection (pg PoolClient, PGlite transaction) on the session.
  const client = (ex as unknown as { session?: { client?: { query?: unknown } } }).session?.client;
  if (!client || typeof client.query !== 'function') return undefined;
  const query = (client as { query: (t: unknown, v?: unknown[]) => Promise<{ rows: unknown[] }> }).query.bind(client);
  // On PostgreSQL, the enqueue statement (constant text) runs as a named statement, parsed
  // and planned once per connection: the job insert is part of every checkout.
  if (!named || typeof (client as { exec?: unknown }).exec === 'function') {
    return { executeSql: (text, values) => query(text, values) };
  }
  return {
    executeSql: (text, values) => (values?.length ? query({ name: statementName(text), text, values }) : query(text)),
  };
}

const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `pgboss_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    if (statementNames.size < 1000) statementNames.set(text, name);
  }
  return name;
}

function poolRunner(database: Database): SqlRunner {
  const runner = transactionRunner(database.db);
  if (!runner) throw new Error('the PostgreSQL database exposes no pool');
  return runner;
}

/** PGlite: statements with parameters through query(), multi-statement scripts through exec(). */
function pgliteRunner(database: Database): SqlRunner {
  const pglite = (database as Database & { pglite?: import('@electric-sql/pglite').PGlite }).pglite;
  if (!pglite) throw new Error('the embedded database exposes no PGlite instance');
  return {
    async executeSql(text, values) {
      if (values?.length) return pglite.query(text, values);
      const results = await pglite.exec(text);
      return results[results.length - 1] ?? { rows: [] };
    },
  };
}
