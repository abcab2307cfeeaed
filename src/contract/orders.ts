import { type Static, Type } from 'typebox';
import { MANUAL_PAYMENT_METHODS, ORDER_STATUSES, PAYMENT_STATUSES, REFUND_STATUSES } from './enums.js';
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
    discount: { ...Money, description: 'The line’s share of the order’s discount (the lines’ add up to discount_total).' },
    tax_rate: Type.String({
      pattern: '^\\d{1,3}\\.\\d{2}$',
      examples: ['18.00'],
      description: 'The GST rate (percent) of the line when it was ordered.',
    }),
    tax_amount: {
      ...Money,
      description: 'The tax contained in what is paid for the line (subtotal − discount), rounded half up to the paisa.',
    },
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

/** @public The tax of an order split by GST component (a named component, nested in OrderDetail). */
export const TaxBreakdown = Type.Object(
  { cgst: Money, sgst: Money, igst: Money },
  {
    $id: 'TaxBreakdown',
    description:
      'CGST and SGST halves (at most one paisa apart) for an order shipped within SHOP_STATE, IGST otherwise; ' +
      'they add up to tax_total.',
  },
);

/** @public The shipping method an order was placed with (a snapshot; nested in OrderDetail). */
export const OrderShippingMethod = Type.Object(
  { id: Nullable(Type.Integer({ minimum: 1 })), name: Type.String() },
  { $id: 'OrderShippingMethod', description: 'Its id while the method exists, and its name then; its price is shipping_total.' },
);

/** @public A refund's line (a named component, nested in OrderRefund). */
export const OrderRefundItem = Type.Object(
  {
    item_id: Id,
    quantity: Type.Integer({ minimum: 1 }),
    amount: { ...Money, description: 'The paid share of these units (after the line’s discount).' },
  },
  { $id: 'OrderRefundItem' },
);

/** @public Money given back for an order (a named component, nested in OrderDetail). */
export const OrderRefund = Type.Object(
  {
    id: Id,
    amount: Money,
    status: Type.Enum([...REFUND_STATUSES], {
      description: '`pending` until Razorpay settles it, then `processed` or `failed` (a failed refund takes nothing).',
    }),
    items: Type.Array(ref(OrderRefundItem), { description: 'The lines refunded; [] for a refund by amount.' }),
    razorpay_refund_id: Nullable(Type.String({ description: 'Null until Razorpay has answered, and for manual payments.' })),
    reason: Nullable(Type.String({ description: 'Staff’s reason; null for the refund of a cancelled order.' })),
    restock: Type.Boolean({ description: 'The refunded units go back to stock when the refund is processed.' }),
    created_at: Timestamp,
  },
  { $id: 'OrderRefund' },
);

export const RefundCreate = Type.Object(
  {
    items: Type.Optional(
      Type.Array(
        Type.Object({ item_id: Id, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }, { additionalProperties: false }),
        { minItems: 1, maxItems: 100, description: 'Order lines (`items[].id` of the order) and how many of their units.' },
      ),
    ),
    amount: Type.Optional(
      Type.Union([Type.String(), Type.Number()], {
        description:
          'Decimal with at most two places, as a string or a number. Default: the items’ paid share. With items, ' +
          'at most their share.',
        'x-allowed': 'Must be a decimal number such as 1499.50.',
      }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S', 'x-error': { pattern: 'Must not be blank.' } }),
    restock: Type.Optional(Type.Boolean({ description: 'Put the items’ units back in stock once the refund is processed (default false).' })),
  },
  { $id: 'RefundCreate', additionalProperties: false },
);

export const OrderDetail = Type.Object(
  {
    id: Id,
    order_number: Type.String(),
    user_email: Type.String(),
    subtotal: { ...Money, description: 'The lines’ prices × quantities (tax included).' },
    discount_total: Money,
    shipping_total: Money,
    tax_total: { ...Money, description: 'The tax contained in total_amount (prices include tax).' },
    tax_breakdown: ref(TaxBreakdown),
    promotion_code: Nullable(Type.String()),
    shipping_method: Type.Union([ref(OrderShippingMethod), Type.Null()]),
    total_amount: { ...Money, description: 'subtotal − discount_total + shipping_total: what the payment charges.' },
    status: Status,
    payment_status: PaymentStatus,
    shipping_address: Type.String(),
    tracking_number: Nullable(Type.String({ description: 'Given by staff when the order shipped, else null.' })),
    carrier: Nullable(Type.String({ description: 'Given by staff when the order shipped, else null.' })),
    tracking_url: Nullable(Type.String({ description: 'An http(s) link to follow the parcel, else null.' })),
    items: Type.Array(ref(OrderItem)),
    status_history: Type.Array(ref(OrderStatusChange)),
    refunds: Type.Array(ref(OrderRefund), { description: 'Every refund of the order’s payment, oldest first.' }),
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

/** @public A shipping address given at checkout (a named component, in OrderCreate). */
export const ShippingAddressInput = Type.Object(
  {
    street_address: Type.String({ minLength: 1, maxLength: 255 }),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    state: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'In India: a state or union territory by name or two-letter code, any case (`KA`, `Karnataka`).',
    }),
    postal_code: Type.String({ minLength: 1, maxLength: 20, description: 'In India: six digits.' }),
    country: Type.String({ minLength: 1, maxLength: 100, description: '`India`, `IN` or another ISO 3166-1 alpha-2 code.' }),
  },
  { $id: 'ShippingAddressInput', additionalProperties: false },
);

export const OrderCreate = Type.Object(
  {
    shipping_address_id: Type.Optional(Id),
    shipping_address: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 500 }), ref(ShippingAddressInput)], {
        description:
          'Free text (as in v1: its state is unknown, so its tax is IGST and it ships to India) or an address ' +
          'whose state decides CGST+SGST or IGST.',
        'x-allowed':
          'Give the address as text of 1–500 characters, or as an object {street_address, city, state, postal_code, country}.',
      }),
    ),
    shipping_method_id: Type.Optional({
      ...Id,
      description:
        'One of `GET /api/cart/shipping-methods/`; without it, the cheapest active method that can ship the cart.',
    }),
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
      'x-error': { pattern: 'Must not be blank.' },
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
        'x-error': { pattern: 'Must not be blank.' },
        description: 'With status `shipped` only: the parcel’s tracking number (1–100 characters, not blank).',
      }),
    ),
    carrier: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '\\S',
        'x-error': { pattern: 'Must not be blank.' },
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
  TaxBreakdown,
  OrderShippingMethod,
  OrderRefundItem,
  OrderRefund,
  RefundCreate,
  OrderDetail,
  ShippingAddressInput,
  OrderCreate,
  ManualPayment,
  OrderStatusUpdate,
];
