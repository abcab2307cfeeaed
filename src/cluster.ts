import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/** Environment variable telling a forked worker its slot (0 … WEB_CONCURRENCY-1). */
export const WORKER_INDEX_ENV = 'SHOP_WORKER_INDEX';

/** The slot of this process: 0 outside a cluster. Slot 0 runs the background jobs. */
export function workerIndex(): number {
  const raw = cluster.isWorker ? process.env[WORKER_INDEX_ENV] : undefined;
  return raw ? Number(raw) : 0;
}

/**
 * The cluster primary (WEB_CONCURRENCY > 1): forks one worker per slot, all listening on the
 * same port, and keeps them running. It opens no database itself. A worker that dies is
 * replaced after a short pause; if workers keep dying at start-up (a bad setting, the database
 * down) the primary gives up rather than loop. SIGTERM/SIGINT stop every worker gracefully
 * (each drains its requests in flight) and the primary exits when they have.
 */
export function runPrimary(config: Config, logger: Logger): void {
  const slots = new Map<number, Worker>();
  const recentDeaths: number[] = [];
  let stopping = false;
  let exitStatus = 0;

  const fork = (slot: number) => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(slot) });
    slots.set(slot, worker);
    logger.info({ slot, pid: worker.process.pid }, 'worker started');
    worker.on('exit', (code, signal) => {
      if (slots.get(slot) === worker) slots.delete(slot);
      if (stopping) {
        if (slots.size === 0) {
          logger.info('all workers stopped');
          process.exit(exitStatus);
        }
        return;
      }
      const now = Date.now();
      recentDeaths.push(now);
      while (recentDeaths.length && recentDeaths[0]! < now - 60_000) recentDeaths.shift();
      if (recentDeaths.length > 2 * config.webConcurrency + 3) {
        logger.fatal({ slot, code, signal }, 'workers keep exiting; stopping the cluster');
        void stop('crash loop', 1);
        return;
      }
      logger.error({ slot, pid: worker.process.pid, code, signal }, 'worker exited; starting a new one');
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, 500).unref();
    });
  };

  const stop = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    exitStatus = exitCode;
    logger.info({ reason, workers: slots.size }, 'stopping the workers');
    setTimeout(() => {
      logger.error('workers took longer than 20 s to stop; exiting');
      process.exit(1);
    }, 20_000).unref();
    if (slots.size === 0) process.exit(exitCode);
    for (const worker of slots.values()) worker.process.kill('SIGTERM');
  };

  for (let slot = 0; slot < config.webConcurrency; slot++) fork(slot);
  logger.info({ workers: config.webConcurrency, port: config.port }, 'cluster primary started');
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
