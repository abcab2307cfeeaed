/**
 * The payments module's public face: its routes, the wiring of its deps and jobs, manual
 * payments for orders, and the staff views and refund retry.
 */
export { orderRefundRoutes, paymentRoutes } from './routes.js';
export { paymentsDeps, type PaymentsDeps, recordManualPayment } from './service.js';
export { resumeRefunds, retryRefund, runRefundJob } from './refunds.js';
export {
  type AdminPaymentRow,
  listPayments,
  listWebhookEvents,
} from './admin.js';
export { deleteOldWebhookEvents } from './repository.js';
