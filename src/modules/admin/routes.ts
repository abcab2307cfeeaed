import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Database } from '../../db/client.js';
import { MANUAL_PAYMENT_METHODS, PAYMENT_PROVIDERS, PAYMENT_ROW_STATUSES, REFUND_STATUSES } from '../../db/schema/payments.js';
import { actorOf } from '../../http/auth.js';
import { assertPageExists, offsetOf, pageParams, paged } from '../../http/pagination.js';
import { Id, IdParams, Money, Page, PageQuery, problems, Timestamp } from '../../http/schemas.js';
import { formatMoney } from '../../lib/money.js';
import * as users from '../accounts/admin.js';
import { userView } from '../accounts/routes.js';
import * as payments from '../payments/admin.js';
import { retryRefund } from '../payments/refunds.js';
import type { PaymentsDeps } from '../payments/service.js';

const AdminUser = Type.Object(
  {
    id: Id,
    username: Type.String(),
    email: Type.String(),
    first_name: Type.String(),
    last_name: Type.String(),
    phone: Type.String(),
    is_staff: Type.Boolean(),
    date_joined: Timestamp,
    is_active: Type.Boolean(),
    last_login: Type.Union([Timestamp, Type.Null()]),
    orders_count: Type.Integer(),
  },
  { $id: 'AdminUser' },
);
export const adminSchemas = [AdminUser];

const AdminPayment = Type.Object({
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
});

function adminPaymentView({ payment: p, orderNumber, refundStatus, refundError }: payments.AdminPaymentRow) {
  return {
    id: p.id,
    order_id: p.orderId,
    order_number: orderNumber,
    razorpay_order_id: p.razorpayOrderId,
    razorpay_payment_id: p.razorpayPaymentId,
    amount: formatMoney(p.amount),
    currency: p.currency,
    status: p.status,
    provider: p.provider,
    second_capture: p.secondCapture,
    method: p.method,
    reference: p.reference,
    recorded_by_id: p.recordedById,
    refunded_amount: formatMoney(p.refundedAmount),
    razorpay_refund_id: p.razorpayRefundId,
    refund_status: refundStatus,
    refund_error: refundError,
    error: p.error,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

const WebhookEvent = Type.Object({
  id: Id,
  event_id: Type.String(),
  event: Type.String(),
  processed: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  received_at: Timestamp,
});

function adminUserView(row: Awaited<ReturnType<typeof users.getUser>>) {
  return {
    ...userView(row.user),
    is_active: row.user.isActive,
    last_login: row.user.lastLogin?.toISOString() ?? null,
    orders_count: row.ordersCount,
  };
}

/** Staff administration: users, payments and stored webhook events. */
export const adminRoutes: FastifyPluginAsyncTypebox<{ database: Database; payments: PaymentsDeps }> = async (
  app,
  { database, payments: paymentsDeps },
) => {
  const tags = ['administration'];
  const UserRef = Type.Ref('AdminUser');

  app.get(
    '/users/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Users (paged), searchable by username, email and name',
        querystring: Type.Object({
          ...PageQuery,
          search: Type.Optional(Type.String({ maxLength: 200 })),
          is_staff: Type.Optional(Type.Boolean()),
          is_active: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Page(UserRef), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const { rows, count } = await users.listUsers(
        database,
        { search: request.query.search, isStaff: request.query.is_staff, isActive: request.query.is_active },
        params.pageSize,
        offsetOf(params),
      );
      assertPageExists(params, count);
      return paged(request, params, count, rows.map(adminUserView));
    },
  );

  app.get(
    '/users/:id/',
    {
      config: { auth: 'admin' },
      schema: { tags, summary: 'A user', params: IdParams, response: { 200: UserRef, ...problems(404) } },
    },
    async (request) => adminUserView(await users.getUser(database, request.params.id)),
  );

  app.patch(
    '/users/:id/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Activate or deactivate a user; grant or revoke staff',
        description: 'Deactivation ends the user’s sessions at once. You cannot deactivate or demote yourself (409).',
        params: IdParams,
        body: Type.Object({ is_active: Type.Optional(Type.Boolean()), is_staff: Type.Optional(Type.Boolean()) }),
        response: { 200: UserRef, ...problems(400, 404, 409) },
      },
    },
    async (request) =>
      adminUserView(await users.updateUser(database, actorOf(request), request.params.id, request.body)),
  );

  app.get(
    '/payments/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Payments (paged), newest first',
        querystring: Type.Object({
          ...PageQuery,
          status: Type.Optional(Type.Enum([...PAYMENT_ROW_STATUSES])),
          order: Type.Optional(Id),
          refund_status: Type.Optional(Type.Enum([...REFUND_STATUSES], { description: 'The current refund’s state.' })),
          search: Type.Optional(
            Type.String({ maxLength: 64, description: 'An order number, or a Razorpay order or payment id.' }),
          ),
        }),
        response: { 200: Page(AdminPayment), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const { rows, count } = await payments.listPayments(
        database,
        {
          status: request.query.status,
          orderId: request.query.order,
          search: request.query.search,
          refundStatus: request.query.refund_status,
        },
        params.pageSize,
        offsetOf(params),
      );
      assertPageExists(params, count);
      return paged(
        request,
        params,
        count,
        rows.map(adminPaymentView),
      );
    },
  );

  app.post(
    '/payments/:id/refund/retry/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Retry a refund Razorpay failed',
        description:
          'For a payment whose current refund is `failed` (`refund_status`): the refund job asks Razorpay again for ' +
          'what is not refunded, shortly after this answers (202, the payment as it now stands: `razorpay_refund_id` ' +
          'null until the new refund is recorded). Any other payment is 409; without Razorpay keys 503.',
        params: IdParams,
        response: { 202: AdminPayment, ...problems(404, 409, 503) },
      },
    },
    async (request, reply) => {
      await retryRefund(paymentsDeps, request.params.id);
      const { rows } = await payments.listPayments(database, { paymentId: request.params.id }, 1, 0);
      return reply.code(202).send(adminPaymentView(rows[0]!));
    },
  );

  app.get(
    '/webhook-events/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Stored Razorpay webhook deliveries (paged), newest first',
        querystring: Type.Object({
          ...PageQuery,
          search: Type.Optional(
            Type.String({ maxLength: 100, description: 'An event id, or an event name or its beginning.' }),
          ),
        }),
        response: { 200: Page(WebhookEvent), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const { rows, count } = await payments.listWebhookEvents(database, request.query.search, params.pageSize, offsetOf(params));
      assertPageExists(params, count);
      return paged(
        request,
        params,
        count,
        rows.map((e) => ({
          id: e.id,
          event_id: e.eventId,
          event: e.event,
          processed: e.processed,
          error: e.error,
          received_at: e.receivedAt.toISOString(),
        })),
      );
    },
  );
};
