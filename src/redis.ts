import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Redis is optional help (shared rate limits and failed-login counts), never a dependency
 * of a request: when it is unreachable the login limiter counts in memory and the rate
 * limit is skipped (`skipOnError`). These options make "unreachable" fail at once instead
 * of holding requests:
 * - no offline queue: a command while disconnected (at start, or after Redis went away)
 *   fails immediately, rather than waiting for a reconnection that may be minutes away;
 * - a command timeout: a connection that hangs (a network partition, a Redis stuck on a
 *   slow command) cannot hold a request for longer than that either;
 * - reconnection forever, every 2 s at most, so that Redis is picked back up by itself.
 */
const REDIS_COMMAND_TIMEOUT_MS = 1_000;

export function openRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // One line per outage, not one per reconnection attempt.
  let up = false;
  let reported = false;
  redis.on('ready', () => {
    up = true;
    reported = false;
    log.info('redis connected');
  });
  redis.on('error', (err) => {
    if (up || !reported) {
      log.warn({ err }, 'redis unavailable: rate limits skipped, failed logins counted in this process until it returns');
    }
    up = false;
    reported = true;
  });
  redis.on('close', () => {
    up = false;
  });
  return redis;
}

/** Closes the client: politely when connected, at once when Redis is away (quit would fail). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
