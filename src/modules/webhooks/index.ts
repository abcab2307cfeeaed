/**
 * The webhooks module's public face: the staff routes, the event consumer that queues
 * deliveries (`enqueueWebhookDeliveries`), and the `webhook-deliver` job's handler.
 */
export { systemResolver } from './addresses.js';
export {
  deleteOldWebhookDeliveries,
  enqueueWebhookDeliveries,
  runDelivery,
  webhookEventConsumer,
} from './deliveries.js';
export type { WebhooksDeps } from './deps.js';
export { webhookRoutes } from './routes.js';
export { DISABLE_AFTER_FAILING_MS, RETRY_DELAYS_MS } from './schedule.js';
