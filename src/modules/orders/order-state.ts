import { ORDER_STATUSES, ORDER_TRANSITIONS, type OrderStatus, type PaymentStatus } from '../../contract/index.js';

export type { OrderStatus, PaymentStatus };

/** The status workflow (the contract's table): from each status, where an order may go next. */
export const TRANSITIONS = ORDER_TRANSITIONS;

/** Payment statuses of an order whose money was received and not all given back. */
export const PAID_PAYMENT_STATUSES: readonly PaymentStatus[] = ['success', 'partially_refunded'];

/** Statuses from which the owner may cancel (an admin may cancel along TRANSITIONS). */
export const CUSTOMER_CANCELLABLE: readonly OrderStatus[] = ['pending', 'payment_failed'];

/**
 * The statuses a viewer may move an order to now: staff along TRANSITIONS (update_status),
 * the owner only to cancelled, from where CUSTOMER_CANCELLABLE allows it (cancel).
 */
export function allowedTransitions(from: OrderStatus, isStaff: boolean): readonly OrderStatus[] {
  if (isStaff) return TRANSITIONS[from];
  return CUSTOMER_CANCELLABLE.includes(from) ? ['cancelled'] : [];
}

export function isOrderStatus(value: string): value is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Stock goes back when an order is cancelled; it was taken at checkout. */
export function restoresStock(from: OrderStatus, to: OrderStatus): boolean {
  return to === 'cancelled' && from !== 'cancelled';
}

/** The payment status that goes with a status change an admin makes by hand. */
export function paymentStatusAfter(to: OrderStatus, current: PaymentStatus): PaymentStatus {
  if (to === 'paid' && current !== 'success') return 'success';
  if (to === 'payment_failed' && current === 'pending') return 'failed';
  if (to === 'pending' && current === 'failed') return 'pending';
  return current;
}
