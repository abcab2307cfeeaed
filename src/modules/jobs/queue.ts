import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FastifyBaseLogger } from 'fastify';
import PgBoss from 'pg-boss';
import type { Database, Executor } from '../../db/client.js';
import { runOnConnection } from '../../db/sql.js';

/** Every background job: its payload, and how it is retried. */
export interface JobPayloads {
  'order-expire': { orderId: number };
  'orders-expire-overdue': Record<string, never>;
  // A cancelled paid order's checkout payment, one payment (a second capture), or a staff refund.
  'payment-refund': { orderId: number } | { paymentId: number } | { refundId: number };
  'payments-refund-sweep': Record<string, never>;
  'carts-sweep-idle': Record<string, never>;
  housekeeping: Record<string, never>;
  // An event's consequences (its e-mails; later its webhooks), then each e-mail's delivery.
  'event-dispatch': { eventId: string };
  'email-send': { emailId: number };
  // One attempt to deliver an outgoing webhook (its row in webhook_deliveries).
  'webhook-deliver': { deliveryId: number };
}
export type JobName = keyof JobPayloads;
export type JobHandler<N extends JobName> = (data: JobPayloads[N], jobId: string) => Promise<void>;
/** Handles a batch of jobs at once; answers the ids of those that failed, with their errors. */
export type BatchHandler<N extends JobName> = (
  jobs: { id: string; data: JobPayloads[N] }[],
) => Promise<Map<string, unknown>>;
/** Queues whose handler takes the whole batch (see QUEUES); the others take one job at a time. */
type BatchQueue = 'order-expire';
export type JobHandlers = { [N in Exclude<JobName, BatchQueue>]: JobHandler<N> } & {
  [N in BatchQueue]: { batch: BatchHandler<N> };
};

interface QueueSettings {
  /** Five-field cron schedule (pg-boss: at most once a minute). */
  cron?: string;
  /**
   * Jobs fetched per poll (pg-boss fetches one by default: about one job per polling
   * interval). A full batch is followed by the next fetch at once, so a backlog drains at
   * the speed of the handler, not of the polling.
   */
  batchSize?: number;
  /** Jobs of a batch handled at the same time (per-job handlers; 1 on PGlite's one connection). */
  concurrency?: number;
  /** Batches in flight at once in this process, each fetched by its own poller (1 on PGlite). */
  pollers?: number;
  /** Retries after a failure, and the first delay in seconds (doubling each time). Default 5 and 5 s. */
  retry?: { limit: number; delaySeconds: number };
}

const QUEUES: Record<JobName, QueueSettings> = {
  // A batch expires in one transaction (expireOrders), two batches at a time: measured
  // 46 orders/s one by one, 730/s a batch at a time, 1,430/s two at a time (bench drain).
  'order-expire': { batchSize: 200, pollers: 2 },
  'orders-expire-overdue': { cron: '* * * * *' }, // safety net for expiry jobs that were missed
  // Each refund waits on the gateway: many in flight at once. Retried for about 6 to 11 hours
  // while Razorpay is down (5–10 s, then doubling: the 12th retry waits 2.8–5.7 h); the
  // refund sweep drives it after that.
  'payment-refund': { batchSize: 20, concurrency: 10, retry: { limit: 12, delaySeconds: 5 } },
  // Safety net for refunds whose job gave up or was lost (Razorpay down for long).
  'payments-refund-sweep': { cron: '*/15 * * * *' },
  'carts-sweep-idle': { cron: '17 3 * * *' },
  // Expired refresh tokens and idempotency keys, webhook events past their retention.
  housekeeping: { cron: '43 3 * * *' },
  'event-dispatch': { batchSize: 20, concurrency: 4 },
  // While the mail server is down: 5–10 s, then doubling (as refunds), 6 to 11 hours in all; then failed.
  'email-send': { batchSize: 20, concurrency: 4, retry: { limit: 12, delaySeconds: 5 } },
  // Each attempt waits on a receiver (up to 15 s): several in flight. A failed attempt
  // schedules its own retry (webhooks/schedule.ts); pg-boss retries only a crashed handler.
  'webhook-deliver': { batchSize: 10, concurrency: 10, retry: { limit: 3, delaySeconds: 10 } },
};

/** How many times an e-mail is tried in all (its first attempt and the queue's retries). */
export const EMAIL_SEND_ATTEMPTS = (QUEUES['email-send'].retry?.limit ?? 5) + 1;

/**
 * pg-boss 10 marks a job done or failed after its handler without awaiting the statement
 * (`this.complete(…)` / `this.fail(…)` in its manager's onFetch). When the database drops at
 * that moment the rejection is unhandled, and Node ends the process. The job itself is safe
 * (it stays active, expires and is retried: handlers are idempotent), so the failure is
 * reported as a queue error instead. Patched once, on the prototype every PgBoss uses.
 */
function reportUnawaitedJobUpdates(): void {
  type Manager = { emit(event: string, err: unknown): boolean } & Record<string, unknown>;
  const proto = (createRequire(import.meta.url)('pg-boss/src/manager.js') as { prototype: Manager }).prototype;
  if (proto.__shopReportsUnawaited) return;
  proto.__shopReportsUnawaited = true;
  for (const method of ['complete', 'fail'] as const) {
    const original = proto[method] as (this: Manager, ...args: unknown[]) => Promise<unknown>;
    proto[method] = function (this: Manager, ...args: unknown[]) {
      const result = original.apply(this, args);
      // The caller still sees the rejection when it awaits; an unawaited one is handled here.
      result.catch((err: unknown) => this.emit('error', err));
      return result;
    };
  }
}

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
    reportUnawaitedJobUpdates();
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
        const retry = {
          retryLimit: this.options.retryLimit ?? QUEUES[name].retry?.limit ?? 5,
          retryDelay: this.options.retryDelaySeconds ?? QUEUES[name].retry?.delaySeconds ?? 5,
          retryBackoff: true,
        };
        const existing = await this.boss.getQueue(name);
        if (!existing) {
          await this.boss.createQueue(name, { name, ...retry });
        } else if (existing.retryLimit !== retry.retryLimit || existing.retryDelay !== retry.retryDelay) {
          // A queue made by an older release keeps its settings unless told (new jobs copy them).
          await this.boss.updateQueue(name, { name, ...retry });
        }
      }
    });
    if (!this.options.work) return;
    for (const name of Object.keys(QUEUES) as JobName[]) {
      const pollers = this.database.kind === 'pglite' ? 1 : (QUEUES[name].pollers ?? 1);
      for (let i = 0; i < pollers; i++) {
        await this.work(name, handlers[name] as JobHandler<JobName> | { batch: BatchHandler<JobName> });
      }
      const cron = QUEUES[name].cron;
      if (cron) await this.boss.schedule(name, cron, {});
    }
  }

  /** Polls one queue: a batch per fetch, failures recorded per job (pg-boss retries them). */
  private async work(
    name: JobName,
    handler: JobHandler<JobName> | { batch: BatchHandler<JobName> },
  ): Promise<void> {
    const batchSize = QUEUES[name].batchSize ?? 1;
    // Known once work() answers (the first fetch is still on its way then).
    const worker: { id?: string } = {};
    worker.id = await this.boss.work(
      name,
      { batchSize, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1 },
      async (jobs) => {
        const batch = jobs.map((job) => ({ id: job.id, data: job.data as JobPayloads[JobName] }));
        const failed =
          typeof handler === 'function'
            ? await this.eachJob(name, handler, batch)
            : await handler.batch(batch);
        for (const job of batch) {
          const err = failed.get(job.id);
          if (err === undefined) {
            this.log.debug({ jobId: job.id, job: name }, 'job done');
            continue;
          }
          // pg-boss retries it with backoff and keeps it as failed after the last try; the
          // rest of the batch completes (pg-boss completes only jobs still active).
          this.log.error({ err, jobId: job.id, job: name }, 'job failed');
          await this.boss.fail(name, job.id, { message: err instanceof Error ? err.message : String(err) });
        }
        // More may be waiting: fetch again now rather than after the polling interval.
        if (jobs.length === batchSize && worker.id) this.boss.notifyWorker(worker.id);
      },
    );
  }

  /** Runs a per-job handler over a batch, `concurrency` jobs at a time. */
  private async eachJob(
    name: JobName,
    handler: JobHandler<JobName>,
    jobs: { id: string; data: JobPayloads[JobName] }[],
  ): Promise<Map<string, unknown>> {
    const failed = new Map<string, unknown>();
    const concurrency = this.database.kind === 'pglite' ? 1 : (QUEUES[name].concurrency ?? 1);
    let next = 0;
    const runner = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        try {
          await handler(job.data, job.id);
        } catch (err) {
          failed.set(job.id, err ?? new Error('job failed'));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, runner));
    return failed;
  }

  /** Enqueues many jobs of one queue in the caller's transaction, in one statement. */
  async enqueueMany<N extends JobName>(
    ex: Executor,
    name: N,
    jobs: { data: JobPayloads[N]; startAfter?: Date }[],
  ): Promise<void> {
    if (!jobs.length) return;
    await this.boss.insert(
      jobs.map((job) => ({ name, data: job.data, startAfter: job.startAfter })),
      { db: transactionRunner(ex) },
    );
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

  /** The payloads of a queue's jobs not finished yet: waiting, running, or failed and due a retry. */
  async unfinished<N extends JobName>(ex: Executor, name: N): Promise<JobPayloads[N][]> {
    const runner = transactionRunner(ex);
    // pg-boss's job_state enum is ordered: created < retry < active < completed < cancelled < failed.
    const { rows } = await runner.executeSql(`SELECT data FROM pgboss.job WHERE name = $1 AND state < 'completed'`, [name]);
    return (rows as { data: JobPayloads[N] }[]).map((r) => r.data);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000, close: false });
  }
}

const insertJobsSql = (
  createRequire(import.meta.url)('pg-boss/src/plans.js') as { insertJobs(schema: string): string }
).insertJobs('pgboss');

/**
 * Enqueues jobs in the caller's transaction without a JobQueue at hand: the events outbox
 * (`recordEvent(tx, …)`) is called from use cases that do not carry the queue. The same
 * statement as `JobQueue.enqueueMany` (pg-boss's own); the queue's retry settings apply.
 */
export async function insertJobs<N extends JobName>(
  ex: Executor,
  name: N,
  jobs: { data: JobPayloads[N]; startAfter?: Date }[],
): Promise<void> {
  await insertJobRows(
    ex,
    jobs.map((job) => ({ name, ...job }) as JobRow),
  );
}

/** A job of any queue, for insertJobRows. */
export type JobRow = { [N in JobName]: { name: N; data: JobPayloads[N]; startAfter?: Date } }[JobName];

/**
 * Enqueues jobs of several queues in the caller's transaction, in one statement (pg-boss's
 * insert, named on PostgreSQL: a checkout enqueues its expiry and its event's dispatch so).
 */
export async function insertJobRows(ex: Executor, jobs: JobRow[]): Promise<void> {
  if (!jobs.length) return;
  const rows = jobs.map((job) => ({ name: job.name, data: job.data, startAfter: job.startAfter?.toISOString() }));
  await transactionRunner(ex, true).executeSql(insertJobsSql, [JSON.stringify(rows), null, null, null, null, null]);
}

/**
 * Runs pg-boss's SQL on the executor's connection: inside the caller's transaction. With
 * `named`, statements with parameters (the enqueue: constant text, part of every checkout)
 * run as named statements on PostgreSQL, parsed and planned once per connection.
 */
function transactionRunner(ex: Executor, named = false): SqlRunner {
  return {
    executeSql: (text, values = []) =>
      runOnConnection(ex, text, values, named && values.length ? statementName(text) : undefined),
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
  return transactionRunner(database.db);
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
