import type { FastifyBaseLogger } from 'fastify';
import type { Database, Executor } from '../../db/client.js';
import type { JobQueue } from '../jobs/index.js';
import type { Resolver } from './addresses.js';

/**
 * What the webhooks module works with. The timing settings are plain fields so that tests
 * can shorten them (the production schedule spans 3 days).
 */
export interface WebhooksDeps {
  database: Database;
  jobs: JobQueue;
  log: FastifyBaseLogger;
  /** WEBHOOK_ALLOW_PRIVATE: plain http and non-public addresses allowed (development, tests). */
  allowPrivate: boolean;
  /** How host names are resolved, at save and at each delivery (tests simulate DNS answers). */
  resolve: Resolver;
  /** How long a receiver has to answer (15 s). */
  timeoutMs: number;
  /** The delays between automatic attempts (see schedule.ts). */
  retryDelaysMs: readonly number[];
  /** An endpoint failing this long is switched off (3 days). */
  disableAfterMs: number;
  /**
   * Told, in the transaction that switches an endpoint off (410, or failing too long), so that
   * staff hear of it: services.ts e-mails every active staff user.
   */
  onEndpointDisabled?: (tx: Executor, endpoint: { id: number; url: string }, reason: string) => Promise<void>;
}
