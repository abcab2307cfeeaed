import type { OrderDetailView } from '../../contract/index.js';
import { formatMoney, fromPaise, toPaise } from '../../lib/money.js';
import type { Executor } from '../../db/client.js';
import { allowedTransitions } from './order-state.js';
import * as repo from './repository.js';

export type { OrderDetailView };

/** Who reads an order: its owner, or staff (what each may do with it differs). */
export interface OrderViewer {
  id: number;
  isStaff: boolean;
}

export function orderListView(o: repo.OrderListRow) {
  return {
    id: o.id,
    order_number: o.orderNumber,
    total_amount: formatMoney(o.totalAmount),
    status: o.status,
    payment_status: o.paymentStatus,
    items_count: o.itemsCount,
    customer: { id: o.customerId, username: o.customerUsername, email: o.customerEmail },
    created_at: o.createdAt.toISOString(),
  };
}

type ItemRow = Awaited<ReturnType<typeof repo.itemsOf>>[number];
type HistoryRow = Awaited<ReturnType<typeof repo.historyOf>>[number];
type RefundRow = Awaited<ReturnType<typeof repo.refundsOf>>[number];

/** A refund as the order detail (and the refund route) shows it. */
function refundView(r: Omit<RefundRow, 'error'>): OrderDetailView['refunds'][number] {
  return {
    id: r.id,
    amount: formatMoney(r.amount),
    status: r.status,
    items: r.items.map((i) => ({ item_id: i.itemId, quantity: i.quantity, amount: formatMoney(i.amount) })),
    razorpay_refund_id: r.razorpayRefundId,
    reason: r.reason,
    restock: r.restock,
    created_at: r.createdAt.toISOString(),
  };
}

/** The detail shape from an order's rows, as `viewer` sees it (pure). */
export function orderDetailView(
  order: repo.OrderRow,
  userEmail: string,
  items: Pick<
    ItemRow,
    | 'id'
    | 'productId'
    | 'variantId'
    | 'productName'
    | 'sku'
    | 'variantTitle'
    | 'variantOptions'
    | 'quantity'
    | 'priceAtPurchase'
    | 'discount'
    | 'taxRate'
    | 'taxAmount'
  >[],
  history: Pick<HistoryRow, 'fromStatus' | 'toStatus' | 'changedBy' | 'note' | 'createdAt'>[],
  viewer: OrderViewer,
  refunds: RefundRow[] = [],
): OrderDetailView {
  return {
    id: order.id,
    order_number: order.orderNumber,
    user_email: userEmail,
    subtotal: formatMoney(order.subtotal),
    discount_total: formatMoney(order.discountTotal),
    shipping_total: formatMoney(order.shippingTotal),
    tax_total: formatMoney(order.taxTotal),
    tax_breakdown: { cgst: formatMoney(order.cgst), sgst: formatMoney(order.sgst), igst: formatMoney(order.igst) },
    promotion_code: order.promotionCode,
    shipping_method:
      order.shippingMethodName === null ? null : { id: order.shippingMethodId, name: order.shippingMethodName },
    total_amount: formatMoney(order.totalAmount),
    status: order.status,
    payment_status: order.paymentStatus,
    shipping_address: order.shippingAddress,
    tracking_number: order.trackingNumber,
    carrier: order.carrier,
    tracking_url: order.trackingUrl,
    items: items.map((i) => ({
      id: i.id,
      product: i.productId,
      product_name: i.productName,
      variant_id: i.variantId,
      sku: i.sku,
      variant_title: i.variantTitle,
      variant_options: i.variantOptions,
      quantity: i.quantity,
      price_at_purchase: formatMoney(i.priceAtPurchase),
      subtotal: fromPaise(toPaise(i.priceAtPurchase) * i.quantity),
      discount: formatMoney(i.discount),
      tax_rate: formatMoney(i.taxRate),
      tax_amount: formatMoney(i.taxAmount),
    })),
    status_history: history.map((h) => ({
      from_status: h.fromStatus,
      to_status: h.toStatus,
      changed_by: h.changedBy,
      note: h.note,
      created_at: h.createdAt.toISOString(),
    })),
    refunds: refunds.map(refundView),
    allowed_transitions: [...allowedTransitions(order.status, viewer.isStaff)],
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

/**
 * The detail of an order as `viewer` sees it: four or five queries (order with email, items,
 * history, refunds and their lines). An order of another user is missing to anyone but staff.
 */
export async function loadOrderDetail(ex: Executor, id: number, viewer: OrderViewer): Promise<OrderDetailView | null> {
  const found = await repo.findOrderWithEmail(ex, id);
  if (!found || (!viewer.isStaff && found.order.userId !== viewer.id)) return null;
  const [items, history, refunds] = await Promise.all([repo.itemsOf(ex, id), repo.historyOf(ex, id), repo.refundsOf(ex, id)]);
  return orderDetailView(found.order, found.userEmail, items, history, viewer, refunds);
}

/** An order's refunds as the detail shows them (two queries). */
export async function orderRefunds(ex: Executor, orderId: number): Promise<OrderDetailView['refunds']> {
  return (await repo.refundsOf(ex, orderId)).map(refundView);
}
