import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import {
  type AccountsDeps,
  deleteExpiredRefreshTokens,
  deleteStalePasswordResets,
  MemoryLoginLimiter,
  PasswordHasher,
  RedisLoginLimiter,
  staffContacts,
  TokenSigner,
} from './modules/accounts/index.js';
import { deleteIdleGuestCarts } from './modules/cart/index.js';
import { dispatchEvent, type EventConsumer } from './modules/events/index.js';
import { deleteExpiredKeys } from './modules/idempotency/index.js';
import { JobQueue, type JobHandlers } from './modules/jobs/index.js';
import {
  emailEventConsumer,
  fileMailer,
  type MailDeps,
  queueEmail,
  sendEmail,
  smtpMailer,
} from './modules/notifications/index.js';
import { expireOrders, expireOverdueOrders, type OrdersDeps } from './modules/orders/index.js';
import {
  deleteOldWebhookEvents,
  paymentsDeps,
  type PaymentsDeps,
  recordManualPayment,
  resumeRefunds,
  runRefundJob,
} from './modules/payments/index.js';
import {
  deleteOldWebhookDeliveries,
  DISABLE_AFTER_FAILING_MS,
  RETRY_DELAYS_MS,
  runDelivery,
  systemResolver,
  webhookEventConsumer,
  type WebhooksDeps,
} from './modules/webhooks/index.js';

/** How long finished outgoing webhook attempts stay for staff to look at. */
const WEBHOOK_DELIVERY_RETENTION_DAYS = 30;

/** How long received webhook events stay for staff to look at (de-duplication needs a day). */
const WEBHOOK_EVENT_RETENTION_DAYS = 90;

/** Everything the HTTP layer and the worker share: one set per process. */
export interface Services {
  config: Config;
  database: Database;
  redis: Redis | null;
  jobs: JobQueue;
  accounts: AccountsDeps;
  orders: OrdersDeps;
  payments: PaymentsDeps;
  mail: MailDeps;
  webhooks: WebhooksDeps;
  /** What acts on each recorded event: its e-mails and its outgoing webhooks. */
  eventConsumers: EventConsumer[];
}

export function buildServices(input: {
  config: Config;
  database: Database;
  redis?: Redis | null;
  log: FastifyBaseLogger;
  /** Run job handlers in this process (the API with JOBS=on, or the worker). */
  work: boolean;
  pollingIntervalSeconds?: number;
}): Services {
  const { config, database, log } = input;
  const redis = input.redis ?? null;
  const jobs = new JobQueue(database, log, {
    work: input.work,
    pollingIntervalSeconds: input.pollingIntervalSeconds,
  });
  const accounts: AccountsDeps = {
    database,
    signer: new TokenSigner(config.jwtSecret, config.accessTokenTtlSeconds, config.refreshTokenTtlSeconds),
    hasher: new PasswordHasher(config.argon2),
    refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    mail: config.mail,
    limiter: redis
      ? new RedisLoginLimiter(
          redis,
          config.loginMaxFailures,
          config.loginWindowSeconds,
          `${config.redisKeyPrefix}login-failures:`,
          (err) => log.warn({ err }, 'login limiter: Redis failed; counting in this instance'),
        )
      : new MemoryLoginLimiter(config.loginMaxFailures, config.loginWindowSeconds),
  };
  const orders: OrdersDeps = {
    database,
    jobs,
    paymentTimeoutSeconds: config.orderPaymentTimeoutSeconds,
    shopState: config.shopState,
    onPaidOrderCancelled: [],
    log,
    recordManualPayment,
    timeZone: config.reportTimezone,
  };
  const payments = paymentsDeps(config, database, jobs, orders);
  // Cancelling a paid order refunds it: the job is enqueued in the cancelling transaction.
  orders.onPaidOrderCancelled.push((tx, order) => jobs.enqueue(tx, 'payment-refund', { orderId: order.id }));
  const mail: MailDeps = {
    database,
    settings: config.mail,
    mailer: config.mail.smtpUrl ? smtpMailer(config.mail.smtpUrl) : fileMailer(join(config.dataDir, 'mail')),
    log,
  };
  const webhooks: WebhooksDeps = {
    database,
    jobs,
    log,
    allowPrivate: config.webhookAllowPrivate,
    resolve: systemResolver,
    timeoutMs: 15_000,
    retryDelaysMs: RETRY_DELAYS_MS,
    disableAfterMs: DISABLE_AFTER_FAILING_MS,
    // Staff hear of an endpoint switched off by e-mail, queued in the transaction that does it.
    async onEndpointDisabled(tx, endpoint, reason) {
      for (const staff of await staffContacts(tx)) {
        await queueEmail(tx, config.mail, {
          to: staff.email,
          template: 'webhook_disabled',
          context: { name: staff.name, url: endpoint.url, reason },
        });
      }
    },
  };
  const eventConsumers = [emailEventConsumer(mail), webhookEventConsumer(webhooks)];
  return { config, database, redis, jobs, accounts, orders, payments, mail, webhooks, eventConsumers };
}

/** What each background job does; every handler is idempotent. */
export function jobHandlers(services: Services, log: FastifyBaseLogger): JobHandlers {
  return {
    'order-expire': {
      // A batch of due expiries in one transaction (order by order should that fail).
      batch: async (jobs) => {
        const { expired, failed } = await expireOrders(
          services.orders,
          jobs.map((j) => j.data.orderId),
        );
        if (expired.length) log.info({ orderIds: expired }, 'unpaid orders expired');
        return new Map(jobs.filter((j) => failed.has(j.data.orderId)).map((j) => [j.id, failed.get(j.data.orderId)]));
      },
    },
    'orders-expire-overdue': async () => {
      const count = await expireOverdueOrders(services.orders);
      if (count) log.info({ count }, 'overdue unpaid orders expired');
    },
    'payment-refund': (job) => runRefundJob(services.payments, job),
    'payments-refund-sweep': async () => {
      const paymentIds = await resumeRefunds(services.payments);
      if (paymentIds.length) log.warn({ paymentIds }, 'refunds not settled: refund jobs enqueued again');
    },
    'carts-sweep-idle': async () => {
      const count = await deleteIdleGuestCarts(services.database, 30);
      if (count) log.info({ count }, 'idle guest carts deleted');
    },
    'event-dispatch': async ({ eventId }) => {
      if (!(await dispatchEvent(services.database.db, services.eventConsumers, eventId))) {
        log.warn({ eventId }, 'event to dispatch not found');
      }
    },
    'email-send': ({ emailId }) => sendEmail(services.mail, emailId),
    'webhook-deliver': (job) => runDelivery(services.webhooks, job.deliveryId),
    housekeeping: async () => {
      const { db } = services.database;
      const deleted = {
        refreshTokens: await deleteExpiredRefreshTokens(db),
        passwordResets: await deleteStalePasswordResets(db),
        idempotencyKeys: await deleteExpiredKeys(db),
        webhookEvents: await deleteOldWebhookEvents(db, WEBHOOK_EVENT_RETENTION_DAYS),
        webhookDeliveries: await deleteOldWebhookDeliveries(db, WEBHOOK_DELIVERY_RETENTION_DAYS),
      };
      log.info({ deleted }, 'housekeeping done');
    },
  };
}

/** Starts the job queue: handlers and schedules when this process works, enqueue-only otherwise. */
export function startJobs(services: Services, log: FastifyBaseLogger): Promise<void> {
  return services.jobs.start(jobHandlers(services, log));
}
