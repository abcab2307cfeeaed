import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { configOrExit, databaseOrExit } from './bootstrap.js';
import { runPrimary, workerIndex } from './cluster.js';
import type { Config } from './config.js';
import { createLogger } from './logging.js';
import { closeRedis, openRedis } from './redis.js';
import { buildServices, startJobs } from './services.js';
import { announceSetupLink } from './setup-link.js';

async function main() {
  const config = configOrExit();
  const logger = createLogger(config);
  if (config.webConcurrency > 1 && cluster.isPrimary) {
    runPrimary(config, logger);
    return;
  }
  await runInstance(config, cluster.isWorker ? logger.child({ worker: workerIndex() }) : logger);
}

/** One API instance: this process, or one worker of the cluster. */
async function runInstance(config: Config, logger: Logger) {
  // In a cluster only the first worker runs the job handlers and schedules (pg-boss would run
  // each job once anyway; this keeps one set of pollers per cluster). Every worker enqueues.
  const work = config.jobs && workerIndex() === 0;
  const database = await databaseOrExit(config, (err) => logger.error({ err }, 'database pool error'));
  const redis = config.redisUrl ? openRedis(config.redisUrl, logger) : null;
  const services = buildServices({ config, database, redis, log: logger, work });
  await startJobs(services, logger);
  const app = await buildApp({ services, logger });
  await app.listen({ port: config.port, host: config.host });
  // Where to go, said once: by the only process, or by a cluster's first worker.
  const where = workerIndex() === 0 ? startUrls(config, (app.server.address() as AddressInfo).port) : {};
  logger.info({ database: database.kind, jobs: work ? 'in-process' : 'off', ...where }, 'shop API ready');
  await announceSetupLink(services, logger);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A cluster worker gets the terminal's Ctrl-C and the primary's SIGTERM: both mean stop.
      if (cluster.isWorker) return;
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    try {
      // close() stops accepting and waits for requests in flight; keep-alive connections
      // that go idle once their request is answered are closed as they do.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 100);
      await app.close();
      clearInterval(sweeper);
      await services.jobs.stop();
      await database.close();
      if (redis) await closeRedis(redis);
      clearTimeout(force);
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A worker whose primary is gone gets no more connections: stop rather than linger.
  if (cluster.isWorker) process.on('disconnect', () => void stop('primary exited'));
}

/** The admin, docs and API addresses the ready line gives: under PUBLIC_URL, else http://localhost:PORT. */
function startUrls(config: Pick<Config, 'publicUrl'>, port: number) {
  const base = config.publicUrl ?? `http://localhost:${port}`;
  return { admin: `${base}/admin/`, docs: `${base}/docs`, api: `${base}/api/` };
}

main().catch((err: unknown) => {
  console.error('Failed to start:', err);
  process.exit(1);
});
