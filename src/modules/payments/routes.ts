import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../../http/auth.js';
import { AppError } from '../../http/errors.js';
import { attachedBodyErrors } from '../../http/problem.js';
import {
  IdempotencyHeaders,
  IdParams,
  OrderRefund,
  PaymentInitiateBody,
  PaymentInitiateResponse,
  PaymentVerifyBody,
  PaymentVerifyResponse,
  problems,
  ref,
  RefundCreate,
  Status,
  WebhookHeaders,
} from '../../contract/index.js';
import * as idempotency from '../idempotency/index.js';
import * as service from './service.js';
import type { PaymentsDeps } from './service.js';
import { createRefund } from './order-refunds.js';
import { receiveWebhook } from './webhooks.js';

export const paymentRoutes: FastifyPluginAsyncTypebox<{ deps: PaymentsDeps }> = async (app, { deps }) => {
  const tags = ['payments'];

  app.post(
    '/initiate/',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Create (once) the Razorpay order for your unpaid order',
        description:
          'Calling it again for the same unpaid order answers the same Razorpay order. Paid or cancelled orders are 409; ' +
          'a gateway failure is 503 and leaves nothing behind. `Idempotency-Key` is honoured.',
        headers: IdempotencyHeaders,
        body: ref(PaymentInitiateBody),
        response: { 200: ref(PaymentInitiateResponse), ...problems(400, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const key = idempotency.idempotencyKeyOf(request);
      const run = () => service.initiatePayment(deps, actor, request.body.order_id);
      if (!key) return run();
      const result = await idempotency.runOnce(
        deps.database,
        { userId: actor.id, scope: 'payments.initiate', key, hash: idempotency.bodyHash(request.body) },
        async () => ({ status: 200, body: await run() }),
        { leaseSeconds: service.initiateLeaseSeconds(deps) },
      );
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(200).send(result.body as service.InitiateResponse);
    },
  );

  app.post(
    '/verify/',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Verify the checkout signature and mark the order paid',
        description:
          'The signature is HMAC-SHA256 of "<razorpay_order_id>|<razorpay_payment_id>" with the key secret. ' +
          'Verifying again answers the same.',
        body: ref(PaymentVerifyBody),
        response: { 200: ref(PaymentVerifyResponse), ...problems(400, 404, 409, 503) },
      },
    },
    async (request) => service.verifyPayment(deps, actorOf(request), request.body),
  );

  // The webhook's signature covers the raw body, so this scope keeps it as text.
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      done(null, body);
    });
    scope.post(
      '/webhook/',
      {
        config: { auth: 'none' },
        schema: {
          tags,
          summary: 'Razorpay webhook',
          description:
            'X-Razorpay-Signature: hex HMAC-SHA256 of the raw body with the webhook secret. Events are de-duplicated by ' +
            'X-Razorpay-Event-Id. Handles payment.captured, order.paid, payment.failed, refund.processed and refund.failed; ' +
            'others are stored. A capture of another payment for an order already paid is recorded and refunded in full. ' +
            'Refunds count by their own id and amount (all of the payment: refunded; less: partially_refunded; never more). ' +
            'An authentic delivery that cannot be used (not a JSON object, nested too deep, wrong entity types) answers 200 ' +
            'and is stored as not processed with the reason; NUL and unpaired surrogates are stored as U+FFFD.',
          headers: WebhookHeaders,
          response: { 200: ref(Status), ...problems(400, 503) },
        },
      },
      async (request) => {
        const eventId = request.headers['x-razorpay-event-id'] as string | undefined;
        try {
          await receiveWebhook(deps, request.body as string, request.headers['x-razorpay-signature'] as string | undefined, eventId);
        } catch (err) {
          if (err instanceof AppError && err.code === 'invalid_signature') {
            request.log.warn({ ip: request.ip, eventId: eventId?.slice(0, 100) }, 'webhook signature rejected');
          }
          throw err;
        }
        return { status: 'ok' };
      },
    );
  });
};

/** `POST /api/orders/{id}/refunds/` (registered under /api/orders): staff refund an order in part or in full. */
export const orderRefundRoutes: FastifyPluginAsyncTypebox<{ deps: PaymentsDeps }> = async (app, { deps }) => {
  app.post(
    '/:id/refunds/',
    {
      config: { auth: 'admin' },
      attachValidation: true,
      schema: {
        tags: ['orders'],
        summary: 'Refund an order: some items, an amount, or both',
        description:
          'Staff. A paid, processing, shipped or delivered order. `items` refund units of order lines; the amount ' +
          'defaults to their paid share: (price × quantity − discount) × units ÷ quantity, rounded down, the units ' +
          'that complete a line taking the rounding (all of a line refunds exactly price × quantity − discount). ' +
          'Refunds pending or processed never exceed the captured payment (409 `refund_exceeds_payment`) nor a ' +
          'line’s units (409 `refund_exceeds_quantity`), checked under the order’s lock. A Razorpay payment is ' +
          'refunded by a job (the refund is `pending` until Razorpay settles it); a manual payment’s refund is ' +
          '`processed` at once (the money is given back outside the shop). `restock` puts the units back in stock ' +
          'when the refund is processed. `Idempotency-Key` is honoured.',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ref(RefundCreate),
        response: { 201: ref(OrderRefund), ...problems(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const result = await createRefund(
        deps,
        actorOf(request),
        request.params.id,
        request.body,
        idempotency.idempotencyKeyOf(request),
        attachedBodyErrors(request),
      );
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      else {
        const { id, amount, status } = result.body;
        request.log.info({ orderId: request.params.id, refundId: id, amount, status }, 'refund created');
      }
      return reply.code(201).send(result.body);
    },
  );
};
