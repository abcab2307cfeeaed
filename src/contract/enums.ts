/**
 * The API's enumerations: the values a client may send or receive, and the order status
 * workflow. Plain data (no TypeBox), so that the table definitions (src/db/schema) take their
 * CHECK constraints from the same lists.
 */

export const ORDER_STATUSES = [
  'pending',
  'paid',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'payment_failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** An order's `payment_status`. */
export const PAYMENT_STATUSES = ['pending', 'success', 'failed', 'partially_refunded', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The status workflow: from each status, where an order may go next. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['paid', 'payment_failed', 'cancelled'],
  payment_failed: ['pending', 'paid', 'cancelled'],
  paid: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** A payment row's `status` (staff see it in /api/admin/payments/). */
export const PAYMENT_ROW_STATUSES = ['initiated', 'success', 'failed', 'partially_refunded', 'refunded'] as const;
export type PaymentRowStatus = (typeof PAYMENT_ROW_STATUSES)[number];

export const PAYMENT_PROVIDERS = ['razorpay', 'manual'] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

/** How staff say a manual payment was made. */
export const MANUAL_PAYMENT_METHODS = ['cash', 'bank_transfer', 'upi', 'other'] as const;
export type ManualPaymentMethod = (typeof MANUAL_PAYMENT_METHODS)[number];

/** A refund's state (Razorpay's). */
export const REFUND_STATUSES = ['pending', 'processed', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const ADDRESS_TYPES = ['shipping', 'billing'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

/** `ordering` of the product list. */
export const PRODUCT_ORDERINGS = ['price', '-price', 'created_at', '-created_at', 'name', '-name'] as const;
export type Ordering = (typeof PRODUCT_ORDERINGS)[number];
