import { type Static, Type } from 'typebox';
import { Id, Money, Timestamp } from '../../http/schemas.js';
import { formatMoney, fromPaise, toPaise } from '../../lib/money.js';
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../../db/schema/orders.js';
import type { Executor } from '../../db/client.js';
import { allowedTransitions } from './order-state.js';
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
    allowed_transitions: Type.Array(Status, {
      description:
        'The statuses the caller may move the order to now (none when it may not change): for staff, ' +
        'the next statuses of the workflow (`update_status`); for the owner, `cancelled` while `cancel` ' +
        'allows it.',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'OrderDetail' },
);
export type OrderDetailView = Static<typeof OrderDetail>;
type StatusValue = Static<typeof Status>;

/** Who reads an order: its owner, or staff (what each may do with it differs). */
export interface OrderViewer {
  id: number;
  isStaff: boolean;
}
type PaymentStatusValue = Static<typeof PaymentStatus>;

export function orderListView(o: repo.OrderListRow) {
  return {
    id: o.id,
    order_number: o.orderNumber,
    total_amount: formatMoney(o.totalAmount),
    status: o.status as StatusValue,
    payment_status: o.paymentStatus as PaymentStatusValue,
    items_count: o.itemsCount,
    created_at: o.createdAt.toISOString(),
  };
}

type ItemRow = Awaited<ReturnType<typeof repo.itemsOf>>[number];
type HistoryRow = Awaited<ReturnType<typeof repo.historyOf>>[number];

/** The detail shape from an order's rows, as `viewer` sees it (pure). */
export function orderDetailView(
  order: repo.OrderRow,
  userEmail: string,
  items: Pick<ItemRow, 'id' | 'productId' | 'productName' | 'quantity' | 'priceAtPurchase'>[],
  history: Pick<HistoryRow, 'fromStatus' | 'toStatus' | 'changedBy' | 'note' | 'createdAt'>[],
  viewer: OrderViewer,
): OrderDetailView {
  return {
    id: order.id,
    order_number: order.orderNumber,
    user_email: userEmail,
    total_amount: formatMoney(order.totalAmount),
    status: order.status as StatusValue,
    payment_status: order.paymentStatus as PaymentStatusValue,
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
      from_status: h.fromStatus as StatusValue | null,
      to_status: h.toStatus as StatusValue,
      changed_by: h.changedBy,
      note: h.note,
      created_at: h.createdAt.toISOString(),
    })),
    allowed_transitions: [...allowedTransitions(order.status as StatusValue, viewer.isStaff)],
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

/**
 * The detail of an order as `viewer` sees it: three queries (order with email, items,
 * history). An order of another user is missing to anyone but staff.
 */
export async function loadOrderDetail(ex: Executor, id: number, viewer: OrderViewer): Promise<OrderDetailView | null> {
  const found = await repo.findOrderWithEmail(ex, id);
  if (!found || (!viewer.isStaff && found.order.userId !== viewer.id)) return null;
  const [items, history] = await Promise.all([repo.itemsOf(ex, id), repo.historyOf(ex, id)]);
  return orderDetailView(found.order, found.userEmail, items, history, viewer);
}
