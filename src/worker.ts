import { configOrExit, databaseOrExit } from './bootstrap.js';
import { createLogger } from './logging.js';
import { closeRedis, openRedis } from './redis.js';
import { buildServices, startJobs } from './services.js';

/**
 * Runs the background jobs alone, for deployments with several API instances (which then
 * run with JOBS=off). Stops gracefully on SIGTERM/SIGINT: jobs in progress finish first.
 */
async function main() {
  const config = configOrExit();
  const logger = createLogger(config);
  const database = await databaseOrExit(config, (err) => logger.error({ err }, 'database pool error'));
  const redis = config.redisUrl ? openRedis(config.redisUrl, logger) : null;
  const services = buildServices({ config, database, redis, log: logger, work: true });
  await startJobs(services, logger);
  logger.info({ database: database.kind }, 'worker ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'worker stopping: finishing jobs in progress');
    try {
      await services.jobs.stop();
      await database.close();
      if (redis) await closeRedis(redis);
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('Worker failed to start:', err);
  process.exit(1);
});
