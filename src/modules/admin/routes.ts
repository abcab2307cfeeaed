import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/client.js';
import { actorOf } from '../../http/auth.js';
import { assertPageExists, offsetOf, pageParams, paged } from '../../http/pagination.js';
import {
  AdminPayment,
  AdminPaymentPage,
  AdminPaymentQuery,
  AdminUser,
  AdminUserDetail,
  AdminUserPage,
  AdminUserQuery,
  AdminUserUpdate,
  IdParams,
  problems,
  ref,
  WebhookEventPage,
  WebhookEventQuery,
} from '../../contract/index.js';
import { formatMoney } from '../../lib/money.js';
import { addressView, userView } from '../accounts/index.js';
import * as payments from '../payments/index.js';
import * as users from './users.js';

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

function adminUserView(row: users.AdminUserRow) {
  return {
    ...userView(row.user),
    is_active: row.user.isActive,
    last_login: row.user.lastLogin?.toISOString() ?? null,
    orders_count: row.ordersCount,
  };
}

/** Staff administration: users, payments and stored webhook events. */
export const adminRoutes: FastifyPluginAsyncTypebox<{ database: Database; payments: payments.PaymentsDeps }> = async (
  app,
  { database, payments: paymentsDeps },
) => {
  const tags = ['administration'];
  const UserRef = ref(AdminUser);

  app.get(
    '/users/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Users (paged), searchable by username, email and name',
        querystring: AdminUserQuery,
        response: { 200: ref(AdminUserPage), ...problems(400, 404) },
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
      schema: {
        tags,
        summary: 'A user as a customer',
        description:
          'The user, with their addresses, number of orders, total spent (paid orders minus processed refunds) and ' +
          'when they last ordered. Their orders: `GET /api/orders/?user={id}`.',
        params: IdParams,
        response: { 200: ref(AdminUserDetail), ...problems(404) },
      },
    },
    async (request) => {
      const { user, addresses, summary } = await users.getCustomer(database, request.params.id);
      return {
        ...adminUserView({ user, ordersCount: summary.ordersCount }),
        addresses: addresses.map(addressView),
        total_spent: formatMoney(summary.totalSpent),
        last_order_at: summary.lastOrderAt?.toISOString() ?? null,
      };
    },
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
        body: ref(AdminUserUpdate),
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
        querystring: AdminPaymentQuery,
        response: { 200: ref(AdminPaymentPage), ...problems(400, 404) },
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
        response: { 202: ref(AdminPayment), ...problems(404, 409, 503) },
      },
    },
    async (request, reply) => {
      await payments.retryRefund(paymentsDeps, request.params.id);
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
        querystring: WebhookEventQuery,
        response: { 200: ref(WebhookEventPage), ...problems(400, 404) },
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
