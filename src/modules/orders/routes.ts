import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ORDER_STATUSES } from '../../db/schema/orders.js';
import { MANUAL_PAYMENT_METHODS } from '../../db/schema/payments.js';
import { actorOf } from '../../http/auth.js';
import { assertPageExists, offsetOf, pageParams, paged } from '../../http/pagination.js';
import { Id, IdParams, Page, PageQuery, problems } from '../../http/schemas.js';
import { idempotencyKeyOf } from '../idempotency/index.js';
import * as service from './service.js';
import type { OrdersDeps } from './service.js';
import { OrderDetail, OrderListItem, orderListView } from './views.js';

export const orderSchemas = [OrderListItem, OrderDetail];

const DetailRef = Type.Ref('OrderDetail');
const StatusEnum = Type.Enum([...ORDER_STATUSES]);

const ManualPaymentBody = Type.Object(
  {
    method: Type.Enum([...MANUAL_PAYMENT_METHODS]),
    reference: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      description: 'The receipt, transfer or UPI reference staff give for the money received.',
    }),
  },
);

const CreateBody = Type.Object({
  shipping_address_id: Type.Optional(Id),
  shipping_address: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
});

export const orderRoutes: FastifyPluginAsyncTypebox<{ deps: OrdersDeps }> = async (app, { deps }) => {
  const tags = ['orders'];

  const create = async (
    request: FastifyRequest<{ Body: { shipping_address_id?: number; shipping_address?: string } }>,
    reply: FastifyReply,
  ) => {
    const result = await service.createOrder(deps, actorOf(request), request.body, idempotencyKeyOf(request));
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return reply.code(result.status).send(result.body);
  };
  const createSchema = {
    tags,
    summary: 'Place an order from your cart',
    description:
      'In one transaction: stock is checked and deducted, prices are snapshotted, the cart is emptied. ' +
      'With an `Idempotency-Key` header, repeating the request within 24 h answers the first response; ' +
      'the same key with another body is 409.',
    headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
    body: CreateBody,
    response: { 201: DetailRef, ...problems(400, 409) },
  };
  app.post('/create_order/', { config: { auth: 'user' }, schema: createSchema }, create);
  app.post('/', { config: { auth: 'user' }, schema: { ...createSchema, summary: 'Place an order (same as create_order/)' } }, create);

  app.get(
    '/',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Your orders, newest first (admins: all, or ?user=)',
        querystring: Type.Object({
          ...PageQuery,
          status: Type.Optional(StatusEnum),
          user: Type.Optional(Id),
          search: Type.Optional(
            Type.String({ maxLength: 16, description: 'An order number, whole or its beginning (ORD-4F…).' }),
          ),
        }),
        response: { 200: Page(Type.Ref('OrderListItem')), ...problems(400, 404) },
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
    async (request) => service.cancelOrder(deps, actorOf(request), request.params.id),
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
          'Razorpay), recorded as a `manual` payment of the order total; without it 400 naming `payment`.',
        params: IdParams,
        body: Type.Object({
          status: StatusEnum,
          note: Type.Optional(Type.String({ maxLength: 500 })),
          payment: Type.Optional(ManualPaymentBody),
        }),
        response: { 200: DetailRef, ...problems(400, 404, 409) },
      },
    },
    async (request) =>
      service.updateOrderStatus(
        deps,
        actorOf(request),
        request.params.id,
        request.body.status,
        request.body.note,
        request.body.payment,
      ),
  );
};
