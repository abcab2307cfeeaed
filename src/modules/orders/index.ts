/**
 * The orders module's public face: its routes, the order changes payments make, expiry
 * jobs, the analytics totals' rebuild, and the reads other modules need.
 */
export { orderRoutes } from './routes.js';
export {
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
  setPaymentStatus,
} from './service.js';
export type { OrderRow } from './repository.js';
export { rebuildStats } from './stats.js';
