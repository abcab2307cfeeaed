/**
 * The orders module's public face: its routes, the order changes payments make, expiry
 * jobs, the analytics totals' rebuild, and the reads other modules need.
 */
export { orderRoutes } from './routes.js';
export {
  applyRefund,
  applyTransition,
  type ChangedBy,
  expireOrders,
  expireOverdueOrders,
  findOwnOrder,
  lockOrderRow,
  type ManualPaymentRecorder,
  orderCountsByUser,
  type OrdersDeps,
  recentOrders,
} from './service.js';
export type { OrderRow } from './repository.js';
export { insertHistory, itemsOf as itemsOfOrder } from './repository.js';
export { orderRefunds } from './views.js';
export { rebuildStats } from './stats.js';
