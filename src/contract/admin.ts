import { Type } from 'typebox';
import { MANUAL_PAYMENT_METHODS, PAYMENT_PROVIDERS, PAYMENT_ROW_STATUSES, REFUND_STATUSES } from './enums.js';
import { Address, userFields } from './accounts.js';
import { Id, Money, Nullable, Page, PageQuery, param, ref, Timestamp } from './common.js';

export const AdminUser = Type.Object(
  {
    ...userFields,
    is_active: Type.Boolean(),
    last_login: Type.Union([Timestamp, Type.Null()]),
    orders_count: Type.Integer(),
  },
  { $id: 'AdminUser' },
);
export const AdminUserPage = Page('AdminUserPage', ref(AdminUser));

/** A user with what staff need to serve them as a customer (GET users/{id}/). */
export const AdminUserDetail = Type.Object(
  {
    ...AdminUser.properties,
    addresses: Type.Array(ref(Address)),
    total_spent: {
      ...Money,
      description:
        'The totals of the customer’s paid orders (payment `success`, `partially_refunded` or `refunded`) minus ' +
        'the refunds processed on their payments.',
    },
    last_order_at: Nullable(Type.String({ format: 'date-time', description: 'When the newest order was placed; null for none.' })),
  },
  { $id: 'AdminUserDetail' },
);

export const AdminUserUpdate = Type.Object(
  { is_active: Type.Optional(Type.Boolean()), is_staff: Type.Optional(Type.Boolean()) },
  { $id: 'AdminUserUpdate' },
);

export const AdminUserQuery = Type.Object({
  ...PageQuery,
  search: Type.Optional(
    param(Type.String({ maxLength: 200 }), 'Words to find in the username, email or name.', 'asha'),
  ),
  is_staff: Type.Optional(param(Type.Boolean(), 'Only staff (true) or only customers (false).', false)),
  is_active: Type.Optional(param(Type.Boolean(), 'Only active (true) or only deactivated (false) users.', true)),
});

export const AdminPayment = Type.Object(
  {
    id: Id,
    order_id: Id,
    order_number: Type.String(),
    razorpay_order_id: Type.Union([Type.String(), Type.Null()]),
    razorpay_payment_id: Type.Union([Type.String(), Type.Null()]),
    amount: Money,
    currency: Type.String(),
    status: Type.Enum([...PAYMENT_ROW_STATUSES]),
    provider: Type.Enum([...PAYMENT_PROVIDERS], { description: '`razorpay`, or `manual` (recorded by staff)' }),
    second_capture: Type.Boolean({
      description: 'A capture for an order another payment had already paid: refunded in full automatically.',
    }),
    method: Type.Union([Type.Enum([...MANUAL_PAYMENT_METHODS]), Type.Null()], { description: 'Manual payments only' }),
    reference: Type.Union([Type.String(), Type.Null()], { description: 'Manual payments only' }),
    recorded_by_id: Type.Union([Id, Type.Null()], { description: 'The staff user who recorded a manual payment' }),
    refunded_amount: Money,
    razorpay_refund_id: Type.Union([Type.String(), Type.Null()], {
      description: 'The current refund: the last one the refund job asked for, or the one that completed the refund.',
    }),
    refund_status: Type.Union([Type.Enum([...REFUND_STATUSES]), Type.Null()], {
      description:
        'The state of the current refund. `failed`: Razorpay could not refund; nothing is retried until staff call ' +
        '`POST /api/admin/payments/{id}/refund/retry/`.',
    }),
    refund_error: Type.Union([Type.String(), Type.Null()], { description: 'Why the current refund failed, when Razorpay said.' }),
    error: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'AdminPayment' },
);
export const AdminPaymentPage = Page('AdminPaymentPage', ref(AdminPayment));

export const AdminPaymentQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(param(Type.Enum([...PAYMENT_ROW_STATUSES]), 'Only payments in this status.', 'success')),
  order: Type.Optional(param(Id, 'Only the payments of this order id.', 17)),
  refund_status: Type.Optional(param(Type.Enum([...REFUND_STATUSES]), 'The current refund’s state.', 'failed')),
  search: Type.Optional(
    param(
      Type.String({ maxLength: 64 }),
      'An order number, or a Razorpay order or payment id.',
      'pay_29QQoUBi66xm2f',
    ),
  ),
});

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const WebhookEvent = Type.Object(
  {
    id: Id,
    event_id: Type.String(),
    event: Type.String(),
    processed: Type.Boolean(),
    error: Type.Union([Type.String(), Type.Null()]),
    received_at: Timestamp,
  },
  { $id: 'WebhookEvent' },
);
export const WebhookEventPage = Page('WebhookEventPage', ref(WebhookEvent));

export const WebhookEventQuery = Type.Object({
  ...PageQuery,
  search: Type.Optional(
    param(Type.String({ maxLength: 100 }), 'An event id, or an event name or its beginning.', 'payment.'),
  ),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const adminSchemas = [
  AdminUser,
  AdminUserPage,
  AdminUserDetail,
  AdminUserUpdate,
  AdminPayment,
  AdminPaymentPage,
  WebhookEvent,
  WebhookEventPage,
];
