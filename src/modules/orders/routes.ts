import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../../http/auth.js';
import { assertPageExists, offsetOf, pageParams, paged } from '../../http/pagination.js';
import { attachedBodyErrors } from '../../http/problem.js';
import {
  IdempotencyHeaders,
  IdParams,
  OrderCreate,
  OrderDetail,
  OrderExportQuery,
  OrderListQuery,
  OrderPage,
  OrderStatusUpdate,
  problems,
  ref,
} from '../../contract/index.js';
import { idempotencyKeyOf } from '../idempotency/index.js';
import * as service from './service.js';
import type { OrdersDeps } from './service.js';
import { orderListView } from './views.js';
import { exportOrdersCsv, exportPeriod } from './export.js';

const DetailRef = ref(OrderDetail);

/** The log message of a move staff make: its own for the moves people watch for. */
const STATUS_MESSAGES: Partial<Record<string, string>> = {
  paid: 'order marked paid',
  cancelled: 'order cancelled',
  shipped: 'order shipped',
  delivered: 'order delivered',
};

export const orderRoutes: FastifyPluginAsyncTypebox<{ deps: OrdersDeps }> = async (app, { deps }) => {
  const tags = ['orders'];

  const create = async (
    request: FastifyRequest<{ Body: { shipping_address_id?: number; shipping_address?: string } }>,
    reply: FastifyReply,
  ) => {
    const actor = actorOf(request);
    const schemaErrors = attachedBodyErrors(request);
    const result = await service.createOrder(deps, actor, request.body, idempotencyKeyOf(request), schemaErrors);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    else {
      const { id, order_number, total_amount } = result.body;
      request.log.info({ orderId: id, orderNumber: order_number, userId: actor.id, total: total_amount }, 'order placed');
    }
    return reply.code(result.status).send(result.body);
  };
  const createSchema = {
    tags,
    summary: 'Place an order from your cart',
    description:
      'In one transaction: stock is checked and deducted, prices are snapshotted, the cart is emptied. ' +
      'With an `Idempotency-Key` header, repeating the request within 24 h answers the first response; ' +
      'the same key with another body is 409. A 400 names every wrong field at once (the address object’s too).',
    headers: IdempotencyHeaders,
    body: ref(OrderCreate),
    response: { 201: DetailRef, ...problems(400, 409) },
  };
  app.post('/create_order/', { config: { auth: 'user' }, attachValidation: true, schema: createSchema }, create);
  app.post(
    '/',
    {
      config: { auth: 'user' },
      attachValidation: true,
      schema: { ...createSchema, summary: 'Place an order (same as create_order/)' },
    },
    create,
  );

  app.get(
    '/',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Your orders, newest first (admins: all, or ?user=)',
        querystring: OrderListQuery,
        response: { 200: ref(OrderPage), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const { rows, count } = await service.listOrders(
        deps,
        actorOf(request),
        request.query,
        params.pageSize,
        offsetOf(params),
      );
      assertPageExists(params, count);
      return paged(request, params, count, rows.map(orderListView));
    },
  );

  app.get(
    '/export/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Orders of a period as CSV, one line per item',
        description:
          'The orders placed from `start_date` to `end_date` (inclusive days in the shop’s REPORT_TIMEZONE), oldest ' +
          'first, as `text/csv` (RFC 4180, CRLF, a header line): order, customer, fulfilment and item columns ' +
          '(see the API reference). Streamed a page of orders at a time. Text cells starting with = + - @ are ' +
          'prefixed with an apostrophe so that spreadsheets do not run them.',
        querystring: OrderExportQuery,
        produces: ['text/csv'],
        response: {
          200: Type.String({ description: 'CSV text, one line per order item after the header line.' }),
          ...problems(400),
        },
      },
    },
    async (request, reply) => {
      const period = exportPeriod(request.query, deps.timeZone ?? 'UTC');
      const name = `orders-${period.start}-to-${period.end}.csv`;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(exportOrdersCsv(deps.database, period) as never);
    },
  );

  app.get(
    '/:id/',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'An order with its items and status history',
        params: IdParams,
        response: { 200: DetailRef, ...problems(404) },
      },
    },
    async (request) => service.getOrder(deps, actorOf(request), request.params.id),
  );

  app.post(
    '/:id/cancel/',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Cancel a pending or payment-failed order',
        description: 'Owner or admin. Stock comes back exactly once. Any other status is 409.',
        params: IdParams,
        response: { 200: DetailRef, ...problems(404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const order = await service.cancelOrder(deps, actor, request.params.id);
      request.log.info({ orderId: order.id, orderNumber: order.order_number, by: actor.id }, 'order cancelled');
      return order;
    },
  );

  app.patch(
    '/:id/update_status/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Move an order along the status workflow',
        description:
          'pending → paid | payment_failed | cancelled; payment_failed → pending | paid | cancelled; ' +
          'paid → processing | cancelled; processing → shipped | cancelled; shipped → delivered. ' +
          'Anything else is 409. Cancelling restores stock; cancelling a paid order starts a refund. ' +
          'Moving to `paid` by hand requires `payment: {method, reference}` (the money received outside ' +
          'Razorpay), recorded as a `manual` payment of the order total; without it 400 naming `payment`. ' +
          'Moving to `shipped` may give `tracking_number`, `carrier` and `tracking_url` (http/https), stored on the ' +
          'order and carried by the `order.shipped` event and e-mail; with any other status they are 400.',
        params: IdParams,
        body: ref(OrderStatusUpdate),
        response: { 200: DetailRef, ...problems(400, 404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const order = await service.updateOrderStatus(
        deps,
        actor,
        request.params.id,
        request.body.status,
        request.body.note,
        request.body.payment,
        {
          tracking_number: request.body.tracking_number,
          carrier: request.body.carrier,
          tracking_url: request.body.tracking_url,
        },
      );
      request.log.info(
        { orderId: order.id, orderNumber: order.order_number, status: order.status, by: actor.id },
        STATUS_MESSAGES[order.status] ?? 'order status changed',
      );
      return order;
    },
  );
};
