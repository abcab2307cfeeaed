import { type Static, Type } from 'typebox';
import { Id, Money, Timestamp } from '../../http/schemas.js';
import { formatMoney, fromPaise, toPaise } from '../../lib/money.js';
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../../db/schema/orders.js';
import type { Executor } from '../../db/client.js';
import * as repo from './repository.js';

const Status = Type.Enum([...ORDER_STATUSES]);
const PaymentStatus = Type.Enum([...PAYMENT_STATUSES]);

export const OrderListItem = Type.Object(
  {
    id: Id,
    order_number: Type.String(),
    total_amount: Money,
    status: Status,
    payment_status: PaymentStatus,
    items_count: Type.Integer(),
    created_at: Timestamp,
  },
  { $id: 'OrderListItem' },
);

export const OrderDetail = Type.Object(
  {
    id: Id,
    order_number: Type.String(),
    user_email: Type.String(),
    total_amount: Money,
    status: Status,
    payment_status: PaymentStatus,
    shipping_address: Type.String(),
    items: Type.Array(
      Type.Object({
        id: Id,
        product: Id,
        product_name: Type.String(),
        quantity: Type.Integer(),
        price_at_purchase: Money,
        subtotal: Money,
      }),
    ),
    status_history: Type.Array(
      Type.Object({
        from_status: Type.Union([Status, Type.Null()]),
        to_status: Status,
        changed_by: Type.String(),
        note: Type.String(),
        created_at: Timestamp,
      }),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'OrderDetail' },
);
export type OrderDetailView = Static<typeof OrderDetail>;

export function orderListView(o: repo.OrderListRow) {
  return {
    id: o.id,
    order_number: o.orderNumber,
    total_amount: formatMoney(o.totalAmount),
    status: o.status,
    payment_status: o.paymentStatus,
    items_count: o.itemsCount,
    created_at: o.createdAt.toISOString(),
  };
}

type ItemRow = Awaited<ReturnType<typeof repo.itemsOf>>[number];
type HistoryRow = Awaited<ReturnType<typeof repo.historyOf>>[number];

/** The detail shape from an order's rows (pure). */
export function orderDetailView(
  order: repo.OrderRow,
  userEmail: string,
  items: Pick<ItemRow, 'id' | 'productId' | 'productName' | 'quantity' | 'priceAtPurchase'>[],
  history: Pick<HistoryRow, 'fromStatus' | 'toStatus' | 'changedBy' | 'note' | 'createdAt'>[],
): OrderDetailView {
  return {
    id: order.id,
    order_number: order.orderNumber,
    user_email: userEmail,
    total_amount: formatMoney(order.totalAmount),
    status: order.status,
    payment_status: order.paymentStatus,
    shipping_address: order.shippingAddress,
    items: items.map((i) => ({
      id: i.id,
      product: i.productId,
      product_name: i.productName,
      quantity: i.quantity,
      price_at_purchase: formatMoney(i.priceAtPurchase),
      subtotal: fromPaise(toPaise(i.priceAtPurchase) * i.quantity),
    })),
    status_history: history.map((h) => ({
      from_status: h.fromStatus,
      to_status: h.toStatus,
      changed_by: h.changedBy,
      note: h.note,
      created_at: h.createdAt.toISOString(),
    })),
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

/**
 * The detail of an order: three queries (order with email, items, history). With `ownerId`,
 * an order of another user is treated as missing.
 */
export async function loadOrderDetail(ex: Executor, id: number, ownerId?: number): Promise<OrderDetailView | null> {
  const found = await repo.findOrderWithEmail(ex, id);
  if (!found || (ownerId !== undefined && found.order.userId !== ownerId)) return null;
  const [items, history] = await Promise.all([repo.itemsOf(ex, id), repo.historyOf(ex, id)]);
  return orderDetailView(found.order, found.userEmail, items, history);
}
