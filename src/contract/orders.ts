import { type Static, Type } from 'typebox';
import { MANUAL_PAYMENT_METHODS, ORDER_STATUSES, PAYMENT_STATUSES } from './enums.js';
import { Id, Money, Nullable, Page, PageQuery, param, ref, Timestamp } from './common.js';

const Status = Type.Enum([...ORDER_STATUSES]);
const PaymentStatus = Type.Enum([...PAYMENT_STATUSES]);

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const OrderCustomer = Type.Object(
  { id: Id, username: Type.String(), email: Type.String() },
  { $id: 'OrderCustomer', description: 'The user who placed the order.' },
);

export const OrderListItem = Type.Object(
  {
    id: Id,
    order_number: Type.String(),
    total_amount: Money,
    status: Status,
    payment_status: PaymentStatus,
    items_count: Type.Integer(),
    customer: ref(OrderCustomer),
    created_at: Timestamp,
  },
  { $id: 'OrderListItem' },
);
export const OrderPage = Page('OrderPage', ref(OrderListItem));

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const OrderItem = Type.Object(
  {
    id: Id,
    product: Id,
    product_name: Type.String(),
    variant_id: Id,
    sku: Type.String(),
    variant_title: Type.String(),
    variant_options: Type.Record(Type.String(), Type.String(), {
      description: 'The variant’s option values when it was ordered, e.g. {"Size": "M"}; {} for a default variant.',
    }),
    quantity: Type.Integer(),
    price_at_purchase: Money,
    subtotal: Money,
  },
  {
    $id: 'OrderItem',
    description:
      'A snapshot taken at checkout: product_name, sku, variant_title, variant_options and price_at_purchase ' +
      'never change with later edits (or the deletion) of the product or variant.',
  },
);

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const OrderStatusChange = Type.Object(
  {
    from_status: Type.Union([Status, Type.Null()]),
    to_status: Status,
    changed_by: Type.String(),
    note: Type.String(),
    created_at: Timestamp,
  },
  { $id: 'OrderStatusChange' },
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
    tracking_number: Nullable(Type.String({ description: 'Given by staff when the order shipped, else null.' })),
    carrier: Nullable(Type.String({ description: 'Given by staff when the order shipped, else null.' })),
    tracking_url: Nullable(Type.String({ description: 'An http(s) link to follow the parcel, else null.' })),
    items: Type.Array(ref(OrderItem)),
    status_history: Type.Array(ref(OrderStatusChange)),
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

export const OrderCreate = Type.Object(
  {
    shipping_address_id: Type.Optional(Id),
    shipping_address: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { $id: 'OrderCreate' },
);

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const ManualPayment = Type.Object(
  {
    method: Type.Enum([...MANUAL_PAYMENT_METHODS]),
    reference: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      description: 'The receipt, transfer or UPI reference staff give for the money received.',
    }),
  },
  { $id: 'ManualPayment' },
);

/** The longest tracking link accepted (and the column's width). */
const TRACKING_URL_MAX = 2048;

export const OrderStatusUpdate = Type.Object(
  {
    status: Status,
    note: Type.Optional(Type.String({ maxLength: 500 })),
    payment: Type.Optional(ref(ManualPayment)),
    tracking_number: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '\\S',
        description: 'With status `shipped` only: the parcel’s tracking number (1–100 characters, not blank).',
      }),
    ),
    carrier: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '\\S',
        description: 'With status `shipped` only: who carries the parcel (1–100 characters, not blank).',
      }),
    ),
    tracking_url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: TRACKING_URL_MAX,
        pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+([/?#]\\S*)?$',
        description: 'With status `shipped` only: an http or https link where the shopper follows the parcel.',
      }),
    ),
  },
  { $id: 'OrderStatusUpdate' },
);

export const OrderListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(param(Status, 'Only orders in this status.', 'paid')),
  user: Type.Optional(param(Id, 'Admins only: the orders of this user id.', 42)),
  search: Type.Optional(
    param(
      Type.String({ maxLength: 254 }),
      'An order number, whole or its beginning (ORD-4F…); for admins, also a part (3 characters or more) of ' +
        'the customer’s e-mail or username.',
      'ORD-4F2A',
    ),
  ),
});

export const OrderExportQuery = Type.Object({
  start_date: param(Type.String({ format: 'date' }), 'The first day of orders, inclusive (shop time zone).', '2026-01-01'),
  end_date: param(Type.String({ format: 'date' }), 'The last day of orders, inclusive (shop time zone).', '2026-01-31'),
});

/** `Idempotency-Key`: repeating a request with it within 24 h answers the first response. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    param(
      Type.String({ maxLength: 255 }),
      'Makes the request safe to retry: the same key within 24 h answers the first response.',
      '5d2c1f0e-7b1a-4a53-9c1e-2f6b3f1a9e77',
    ),
  ),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const orderSchemas = [
  OrderCustomer,
  OrderListItem,
  OrderPage,
  OrderItem,
  OrderStatusChange,
  OrderDetail,
  OrderCreate,
  ManualPayment,
  OrderStatusUpdate,
];
