import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, unique } from '../helpers/app.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  closePaymentsShop,
  deliver,
  getOrder,
  historyTo,
  initiated,
  JOB_WAIT_MS,
  openPaymentsShop,
  orderOf,
  paymentRows,
  payOrder,
  productStock,
  storedEvents,
  waitForOrder,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';

describe('webhook', () => {
  let ctx: TestContext;
  let fake: FakeRazorpay;
  let shop: Shop;
  let user: TestUser;

  beforeAll(async () => {
    ({ fake, ctx, shop, user } = await openPaymentsShop());
  });
  afterAll(() => closePaymentsShop({ ctx, fake }));

  /** A fresh order, initiated, and paid at the fake (neither verified nor notified). */
  async function paidAtRazorpay(amount?: number) {
    const order = await orderOf(shop, user, '199.99', 2);
    const { razorpay_order_id } = await initiated(ctx, user, order.id);
    const { payment } = fake.pay(razorpay_order_id, amount);
    return { order, payment, rzpOrder: fake.orders.get(razorpay_order_id)! };
  }

  const signed = (body: string, eventId = unique('evt_')) => ({
    body,
    headers: {
      'content-type': 'application/json',
      'x-razorpay-signature': createHmac('sha256', fake.webhookSecret).update(body).digest('hex'),
      'x-razorpay-event-id': eventId,
    },
  });

  describe('signatures', () => {
    it('a missing signature is 400 invalid_signature and stores nothing', async () => {
      const { order, payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.captured', { payment });
      const { 'x-razorpay-signature': _, ...headers } = delivery.headers;
      expect(_).toBeTruthy();
      const res = await deliver(ctx, { body: delivery.body, headers });
      expectProblem(res, 400, 'invalid_signature');
      expect(await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!)).toEqual([]);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'pending',
        payment_status: 'pending',
      });
    });

    it('a wrong signature is 400 and stores nothing (key secret, another body, garbage, empty)', async () => {
      const { order, payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.captured', { payment });
      const eventId = delivery.headers['x-razorpay-event-id']!;
      const wrongs = [
        createHmac('sha256', fake.keySecret).update(delivery.body).digest('hex'),
        createHmac('sha256', fake.webhookSecret)
          .update(delivery.body + ' ')
          .digest('hex'),
        'g'.repeat(64),
        'abc',
        '',
      ];
      for (const signature of wrongs) {
        const res = await deliver(ctx, {
          body: delivery.body,
          headers: { ...delivery.headers, 'x-razorpay-signature': signature },
        });
        expectProblem(res, 400, 'invalid_signature');
      }
      expect(await storedEvents(ctx, eventId)).toEqual([]);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'pending',
        payment_status: 'pending',
      });
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({ status: 'initiated' });
    });

    it('a body tampered with after signing is 400 and changes nothing', async () => {
      const { order, payment } = await paidAtRazorpay(1);
      // Razorpay signed a capture of 1 paisa; someone raises it to the order's amount.
      const delivery = fake.webhook('payment.captured', { payment });
      const tampered = delivery.body.replace('"amount":1,', '"amount":39998,');
      expect(tampered).not.toBe(delivery.body);
      expectProblem(
        await deliver(ctx, { body: tampered, headers: delivery.headers }),
        400,
        'invalid_signature',
      );
      // Whitespace counts too: the signature is over the raw bytes.
      expectProblem(
        await deliver(ctx, { body: delivery.body + '\n', headers: delivery.headers }),
        400,
        'invalid_signature',
      );
      expect(await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!)).toEqual([]);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'pending',
        payment_status: 'pending',
      });
    });

    it('a signed body that is not JSON is 400 and stores nothing', async () => {
      const delivery = signed('this is not json');
      expectProblem(await deliver(ctx, delivery), 400, 'bad_request');
      expect(await storedEvents(ctx, delivery.headers['x-razorpay-event-id'])).toEqual([]);
    });

    it('the signature covers the raw bytes, non-ASCII included', async () => {
      const { order, payment } = await paidAtRazorpay();
      const body = JSON.stringify({
        event: 'payment.captured',
        payload: { payment: { entity: { ...payment, notes: { message: 'धन्यवाद — café ₹' } } } },
      });
      const res = await deliver(ctx, signed(body));
      expect(res.statusCode, res.body).toBe(200);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'paid',
        payment_status: 'success',
      });
    });

    it('a Content-Type with a charset is accepted', async () => {
      const { order, payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.captured', { payment });
      const res = await deliver(ctx, {
        body: delivery.body,
        headers: { ...delivery.headers, 'content-type': 'application/json; charset=utf-8' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'paid' });
    });
  });

  describe('captures', () => {
    it('payment.captured without verify: order paid, event stored as processed', async () => {
      const { order, payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.captured', { payment });
      const res = await deliver(ctx, delivery);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
      const detail = await getOrder(ctx, user, order.id);
      expect(detail).toMatchObject({ status: 'paid', payment_status: 'success' });
      expect(detail.status_history.at(-1)).toMatchObject({
        from_status: 'pending',
        to_status: 'paid',
        changed_by: 'razorpay',
      });
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'success',
        razorpayPaymentId: payment.id,
      });
      const [event] = await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!);
      expect(event).toMatchObject({ event: 'payment.captured', processed: true, error: null });
      expect(event!.processedAt).toBeInstanceOf(Date);
      expect(
        (event!.payload as { payload: { payment: { entity: { id: string } } } }).payload.payment
          .entity.id,
      ).toBe(payment.id);
    });

    it('order.paid without verify: order paid', async () => {
      const { order, payment, rzpOrder } = await paidAtRazorpay();
      const delivery = fake.webhook('order.paid', { payment, order: rzpOrder });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'paid',
        payment_status: 'success',
      });
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
      expect((await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!))[0]).toMatchObject({
        event: 'order.paid',
        processed: true,
      });
    });

    it('a replay of the same event id answers 200 and changes nothing', async () => {
      const { order, payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.captured', { payment });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      const replay = await deliver(ctx, delivery);
      expect(replay.statusCode, replay.body).toBe(200);
      expect(replay.json()).toEqual({ status: 'ok' });
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
      expect(await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!)).toHaveLength(1);
    });

    it('a replay with the same id but another (validly signed) body is still a replay', async () => {
      const { order, payment } = await paidAtRazorpay();
      const eventId = unique('evt_');
      const first = fake.webhook('payment.captured', { payment }, eventId);
      expect((await deliver(ctx, first)).statusCode).toBe(200);
      const failed = fake.webhook(
        'payment.failed',
        { payment: { ...payment, status: 'failed' } },
        eventId,
      );
      expect((await deliver(ctx, failed)).statusCode).toBe(200);
      const [event] = await storedEvents(ctx, eventId);
      expect(event).toMatchObject({ event: 'payment.captured' });
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'paid',
        payment_status: 'success',
      });
    });

    it('five concurrent identical deliveries: all 200, one stored event, one paid history row', async () => {
      const { order, payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.captured', { payment });
      const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(ctx, delivery)));
      for (const res of answers) expect(res.statusCode, res.body).toBe(200);
      expect(await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!)).toHaveLength(1);
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'paid',
        payment_status: 'success',
      });
    });

    it('payment.captured and order.paid for one payment at once: paid once, both stored', async () => {
      const { order, payment, rzpOrder } = await paidAtRazorpay();
      const captured = fake.webhook('payment.captured', { payment });
      const paid = fake.webhook('order.paid', { payment, order: rzpOrder });
      const answers = await Promise.all([
        deliver(ctx, captured),
        deliver(ctx, paid),
        deliver(ctx, captured),
      ]);
      for (const res of answers) expect(res.statusCode, res.body).toBe(200);
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
      for (const delivery of [captured, paid]) {
        const events = await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!);
        expect(events).toHaveLength(1);
        expect(events[0]!.processed).toBe(true);
      }
    });

    it('without X-Razorpay-Event-Id, the same body twice is stored and applied once', async () => {
      const { order, payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.captured', { payment });
      const { 'x-razorpay-event-id': _, ...headers } = delivery.headers;
      expect(_).toBeTruthy();
      expect((await deliver(ctx, { body: delivery.body, headers })).statusCode).toBe(200);
      expect((await deliver(ctx, { body: delivery.body, headers })).statusCode).toBe(200);
      const derived = `sha256:${createHash('sha256').update(delivery.body).digest('hex').slice(0, 60)}`;
      expect(await storedEvents(ctx, derived)).toHaveLength(1);
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
    });

    it('an amount that differs from the order is stored unprocessed with an error; the order stays pending', async () => {
      const { order, payment } = await paidAtRazorpay(100);
      const delivery = fake.webhook('payment.captured', { payment });
      const res = await deliver(ctx, delivery);
      expect(res.statusCode, res.body).toBe(200);
      const [event] = await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!);
      expect(event).toMatchObject({ processed: false });
      expect(event!.error).toMatch(/amount/i);
      expect(event!.error).toMatch(/100/);
      expect(event!.error).toMatch(/39998/);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'pending',
        payment_status: 'pending',
      });
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'initiated',
        razorpayPaymentId: null,
      });
      // order.paid with the wrong amount: the same.
      const paid = fake.webhook('order.paid', { payment });
      expect((await deliver(ctx, paid)).statusCode).toBe(200);
      expect((await storedEvents(ctx, paid.headers['x-razorpay-event-id']!))[0]).toMatchObject({
        processed: false,
      });
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(0);
    });

    it('a capture for a Razorpay order we never created is stored unprocessed', async () => {
      const { payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.captured', {
        payment: { ...payment, order_id: 'order_unknown0001' },
      });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      const [event] = await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!);
      expect(event).toMatchObject({ processed: false });
      expect(event!.error).toMatch(/order_unknown0001/);
    });

    it('a capture event without a payment entity is stored unprocessed', async () => {
      const delivery = fake.webhook('payment.captured', {});
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      expect((await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!))[0]).toMatchObject({
        processed: false,
      });
    });
  });

  describe('failures and refunds', () => {
    it('payment.failed: payment failed, order payment_failed, by "razorpay"', async () => {
      const order = await orderOf(shop, user);
      const { razorpay_order_id } = await initiated(ctx, user, order.id);
      const payment = fake.fail(razorpay_order_id);
      const delivery = fake.webhook('payment.failed', { payment });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      const detail = await getOrder(ctx, user, order.id);
      expect(detail).toMatchObject({ status: 'payment_failed', payment_status: 'failed' });
      expect(detail.status_history.at(-1)).toMatchObject({
        from_status: 'pending',
        to_status: 'payment_failed',
        changed_by: 'razorpay',
      });
      const [row] = await paymentRows(ctx, order.id);
      expect(row).toMatchObject({ status: 'failed', razorpayPaymentId: payment.id });
      expect(row!.error).toMatch(/declined/);
      expect((await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!))[0]).toMatchObject({
        processed: true,
      });
      // A second failed attempt changes nothing more.
      expect(
        (
          await deliver(
            ctx,
            fake.webhook('payment.failed', { payment: fake.fail(razorpay_order_id) }),
          )
        ).statusCode,
      ).toBe(200);
      expect(await historyTo(ctx, order.id, 'payment_failed')).toHaveLength(1);
    });

    it('payment.failed after the capture never downgrades the paid order', async () => {
      const order = await orderOf(shop, user);
      const { razorpayOrderId, payment } = await payOrder(ctx, fake, user, order.id);
      const failed = fake.fail(razorpayOrderId);
      expect(
        (await deliver(ctx, fake.webhook('payment.failed', { payment: failed }))).statusCode,
      ).toBe(200);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'paid',
        payment_status: 'success',
      });
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'success',
        razorpayPaymentId: payment.id,
        error: null,
      });
      expect(await historyTo(ctx, order.id, 'payment_failed')).toHaveLength(0);
    });

    it('payment.failed then a late capture: the order ends paid', async () => {
      const { order, payment } = await paidAtRazorpay();
      const failed = fake.fail(payment.order_id);
      expect(
        (await deliver(ctx, fake.webhook('payment.failed', { payment: failed }))).statusCode,
      ).toBe(200);
      expect((await getOrder(ctx, user, order.id)).status).toBe('payment_failed');
      expect((await deliver(ctx, fake.webhook('payment.captured', { payment }))).statusCode).toBe(
        200,
      );
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'paid',
        payment_status: 'success',
      });
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'success',
        razorpayPaymentId: payment.id,
      });
    });

    it('refund.processed marks the payment and the order refunded', async () => {
      const order = await orderOf(shop, user);
      const { payment } = await payOrder(ctx, fake, user, order.id);
      const refund = {
        id: 'rfnd_webhook00001',
        entity: 'refund' as const,
        amount: payment.amount,
        currency: 'INR',
        payment_id: payment.id,
        status: 'processed' as const,
        notes: {},
        created_at: Math.floor(Date.now() / 1000),
      };
      const delivery = fake.webhook('refund.processed', { refund, payment });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      expect((await getOrder(ctx, user, order.id)).payment_status).toBe('refunded');
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'refunded',
        razorpayRefundId: refund.id,
      });
      expect((await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!))[0]).toMatchObject({
        processed: true,
      });
      // Another refund event for the same payment changes nothing more.
      expect((await deliver(ctx, fake.webhook('refund.processed', { refund }))).statusCode).toBe(
        200,
      );
      expect((await getOrder(ctx, user, order.id)).payment_status).toBe('refunded');
    });

    it('refund.processed for an unknown payment is stored unprocessed', async () => {
      const refund = {
        id: 'rfnd_unknown00001',
        entity: 'refund' as const,
        amount: 100,
        currency: 'INR',
        payment_id: 'pay_unknown000001',
        status: 'processed' as const,
        notes: {},
        created_at: 0,
      };
      const delivery = fake.webhook('refund.processed', { refund });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      expect((await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!))[0]).toMatchObject({
        processed: false,
      });
    });

    it('an unknown event type answers 200 and is stored unprocessed', async () => {
      const { order, payment } = await paidAtRazorpay();
      const delivery = fake.webhook('payment.authorized', { payment });
      const res = await deliver(ctx, delivery);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
      const [event] = await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!);
      expect(event).toMatchObject({ event: 'payment.authorized', processed: false });
      expect(event!.error).toMatch(/payment\.authorized/);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'pending',
        payment_status: 'pending',
      });
    });
  });
});

describe('webhook: a capture for a cancelled order (jobs on)', () => {
  let ctx: TestContext;
  let fake: FakeRazorpay;
  let user: TestUser;
  let shop: Shop;

  beforeAll(async () => {
    ({ fake, ctx, shop, user } = await openPaymentsShop({}, { jobs: true }));
  });
  afterAll(() => closePaymentsShop({ ctx, fake }));

  it(
    'is recorded, the order stays cancelled, and the payment is refunded at Razorpay',
    { timeout: JOB_WAIT_MS + 15_000 },
    async () => {
      const order = await orderOf(shop, user, '45.50', 4);
      const { razorpay_order_id } = await initiated(ctx, user, order.id);
      expect((await call(ctx, 'POST', `/api/orders/${order.id}/cancel/`, user)).statusCode).toBe(
        200,
      );
      expect(await productStock(ctx, order.productId)).toBe(100);
      const { payment } = fake.pay(razorpay_order_id);
      const delivery = fake.webhook('payment.captured', { payment });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      expect((await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!))[0]).toMatchObject({
        processed: true,
      });

      const refunded = await waitForOrder(
        ctx,
        user,
        order.id,
        (o) => o.payment_status === 'refunded',
        'refunded',
        JOB_WAIT_MS,
      );
      expect(refunded.status).toBe('cancelled');
      expect(fake.count('POST /v1/payments/:id/refund')).toBe(1);
      const refunds = fake.refunds.filter((r) => r.payment_id === payment.id);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]!.amount).toBe(18200);
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(0);
      expect(await productStock(ctx, order.productId)).toBe(100);

      // A redelivery of the capture asks for no second refund.
      expect((await deliver(ctx, fake.webhook('payment.captured', { payment }))).statusCode).toBe(
        200,
      );
      expect((await getOrder(ctx, user, order.id)).payment_status).toBe('refunded');
      expect(fake.refunds.filter((r) => r.payment_id === payment.id)).toHaveLength(1);
      expect(fake.count('POST /v1/payments/:id/refund')).toBe(1);
    },
  );
});
