import { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { configOrExit, databaseOrExit } from './bootstrap.js';
import { buildServices, startJobs } from './services.js';

async function main() {
  const config = configOrExit();
  const logger = pino({ level: config.logLevel });
  const database = await databaseOrExit(config, (err) => logger.error({ err }, 'database pool error'));
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : null;
  redis?.on('error', (err) => logger.warn({ err }, 'redis error'));
  const services = buildServices({ config, database, redis, log: logger, work: config.jobs });
  await startJobs(services, logger);
  const app = await buildApp({ services, logger });
  await app.listen({ port: config.port, host: config.host });
  logger.info(
    { database: database.kind, jobs: config.jobs ? 'in-process' : 'off', docs: `http://localhost:${config.port}/docs` },
    'shop API ready',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
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
      await redis?.quit();
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
}

main().catch((err: unknown) => {
  console.error('Failed to start:', err);
  process.exit(1);
});
