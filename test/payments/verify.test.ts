import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext } from '../helpers/app.js';
import { makeUser, type Shop, type TestUser } from '../helpers/factories.js';
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
  productStock,
  verify,
  waitForOrder,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';

describe('verify', () => {
  let ctx: TestContext;
  let fake: FakeRazorpay;
  let shop: Shop;
  let user: TestUser;

  beforeAll(async () => {
    ({ fake, ctx, shop, user } = await openPaymentsShop());
  });
  afterAll(() => closePaymentsShop({ ctx, fake }));

  /** A fresh order, initiated and paid at the fake (not yet verified). */
  async function paidAtRazorpay(owner = user) {
    const order = await orderOf(shop, owner);
    const { razorpay_order_id } = await initiated(ctx, owner, order.id);
    const { payment, signature } = fake.pay(razorpay_order_id);
    return {
      order,
      payment,
      body: {
        order_id: order.id,
        razorpay_order_id,
        razorpay_payment_id: payment.id,
        razorpay_signature: signature,
      },
    };
  }

  it('a good signature is 200 and marks payment and order paid, by "razorpay"', async () => {
    const { order, payment, body } = await paidAtRazorpay();
    const res = await verify(ctx, user, body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      message: 'Payment verified successfully',
      order_number: order.order_number,
      payment_status: 'success',
    });
    const detail = await getOrder(ctx, user, order.id);
    expect(detail).toMatchObject({ status: 'paid', payment_status: 'success' });
    expect(detail.status_history.at(-1)).toMatchObject({
      from_status: 'pending',
      to_status: 'paid',
      changed_by: 'razorpay',
    });
    const [row] = await paymentRows(ctx, order.id);
    expect(row).toMatchObject({
      status: 'success',
      razorpayPaymentId: payment.id,
      razorpaySignature: body.razorpay_signature,
    });
  });

  it('a bad signature is 400 invalid_signature and changes nothing', async () => {
    const { order, body } = await paidAtRazorpay();
    const wrongs = [
      // signed with another secret
      createHmac('sha256', 'not-the-secret')
        .update(`${body.razorpay_order_id}|${body.razorpay_payment_id}`)
        .digest('hex'),
      // the order and payment ids swapped
      fake.checkoutSignature(body.razorpay_payment_id, body.razorpay_order_id),
      // one character off
      (body.razorpay_signature[0] === 'a' ? 'b' : 'a') + body.razorpay_signature.slice(1),
      // not hex, too short, too long
      'z'.repeat(64),
      body.razorpay_signature.slice(0, 63),
      body.razorpay_signature + '00',
    ];
    for (const razorpay_signature of wrongs) {
      expectProblem(
        await verify(ctx, user, { ...body, razorpay_signature }),
        400,
        'invalid_signature',
      );
    }
    // A good signature for another payment id does not fit this one either.
    const other = fake.pay(body.razorpay_order_id);
    expectProblem(
      await verify(ctx, user, { ...body, razorpay_signature: other.signature }),
      400,
      'invalid_signature',
    );
    const detail = await getOrder(ctx, user, order.id);
    expect(detail).toMatchObject({ status: 'pending', payment_status: 'pending' });
    expect(detail.status_history).toHaveLength(1);
    const [row] = await paymentRows(ctx, order.id);
    expect(row).toMatchObject({
      status: 'initiated',
      razorpayPaymentId: null,
      razorpaySignature: null,
    });
  });

  it('a Razorpay order id that is not the stored one is 400 on razorpay_order_id', async () => {
    const one = await paidAtRazorpay();
    const two = await paidAtRazorpay();
    // Order one with order two's (validly signed) Razorpay ids.
    const res = await verify(ctx, user, { ...two.body, order_id: one.order.id });
    expectProblem(res, 400, 'validation_error', 'razorpay_order_id');
    // A made-up id, correctly signed.
    const made = 'order_madeup123456';
    expectProblem(
      await verify(ctx, user, {
        ...one.body,
        razorpay_order_id: made,
        razorpay_signature: fake.checkoutSignature(made, one.payment.id),
      }),
      400,
      'validation_error',
      'razorpay_order_id',
    );
    for (const { order } of [one, two]) {
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'pending',
        payment_status: 'pending',
      });
    }
  });

  it('verify before initiate is 400 on razorpay_order_id', async () => {
    const order = await orderOf(shop, user);
    const res = await verify(ctx, user, {
      order_id: order.id,
      razorpay_order_id: 'order_abcdef',
      razorpay_payment_id: 'pay_abcdef',
      razorpay_signature: fake.checkoutSignature('order_abcdef', 'pay_abcdef'),
    });
    expectProblem(res, 400, 'validation_error', 'razorpay_order_id');
  });

  it('verifying twice answers 200 both times and records paid once', async () => {
    const { order, body } = await paidAtRazorpay();
    const first = await verify(ctx, user, body);
    const second = await verify(ctx, user, body);
    expect(first.statusCode, first.body).toBe(200);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
  });

  it('five concurrent verifies: all 200, paid once', async () => {
    const { order, body } = await paidAtRazorpay();
    const answers = await Promise.all(Array.from({ length: 5 }, () => verify(ctx, user, body)));
    for (const res of answers) expect(res.statusCode, res.body).toBe(200);
    expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
  });

  it('verify and a payment.captured webhook at once: paid once', async () => {
    const { order, payment, body } = await paidAtRazorpay();
    const [verified, hooked] = await Promise.all([
      verify(ctx, user, body),
      deliver(ctx, fake.webhook('payment.captured', { payment })),
    ]);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(hooked.statusCode, hooked.body).toBe(200);
    expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
    expect(await getOrder(ctx, user, order.id)).toMatchObject({
      status: 'paid',
      payment_status: 'success',
    });
  });

  it("another user's order is 404 even with a valid signature, and stays unpaid", async () => {
    const { order, body } = await paidAtRazorpay();
    const stranger = await makeUser(ctx);
    expectProblem(await verify(ctx, stranger, body), 404, 'not_found');
    expectProblem(
      await call(ctx, 'POST', '/api/payments/verify/', null, body),
      401,
      'not_authenticated',
    );
    expect(await getOrder(ctx, user, order.id)).toMatchObject({
      status: 'pending',
      payment_status: 'pending',
    });
  });

  it('a missing field is 400', async () => {
    const { body } = await paidAtRazorpay();
    const rest: Partial<typeof body> = { ...body };
    delete rest.razorpay_signature;
    const res = await call(ctx, 'POST', '/api/payments/verify/', user, rest);
    expect(res.statusCode).toBe(400);
  });

  it('after a failed attempt (payment.failed), a successful payment verifies: payment_failed → paid', async () => {
    const order = await orderOf(shop, user);
    const { razorpay_order_id } = await initiated(ctx, user, order.id);
    const failed = fake.fail(razorpay_order_id);
    expect(
      (await deliver(ctx, fake.webhook('payment.failed', { payment: failed }))).statusCode,
    ).toBe(200);
    expect(await getOrder(ctx, user, order.id)).toMatchObject({
      status: 'payment_failed',
      payment_status: 'failed',
    });
    // The shopper retries: initiate answers the same Razorpay order.
    expect((await initiated(ctx, user, order.id)).razorpay_order_id).toBe(razorpay_order_id);
    const { payment, signature } = fake.pay(razorpay_order_id);
    const res = await verify(ctx, user, {
      order_id: order.id,
      razorpay_order_id,
      razorpay_payment_id: payment.id,
      razorpay_signature: signature,
    });
    expect(res.statusCode, res.body).toBe(200);
    const detail = await getOrder(ctx, user, order.id);
    expect(detail).toMatchObject({ status: 'paid', payment_status: 'success' });
    expect(detail.status_history.at(-1)).toMatchObject({
      from_status: 'payment_failed',
      to_status: 'paid',
      changed_by: 'razorpay',
    });
    expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
      status: 'success',
      razorpayPaymentId: payment.id,
    });
  });
});

describe('verify for an order cancelled meanwhile (jobs on)', () => {
  let ctx: TestContext;
  let fake: FakeRazorpay;
  let shop: Shop;
  let user: TestUser;

  beforeAll(async () => {
    ({ fake, ctx, shop, user } = await openPaymentsShop({}, { jobs: true }));
  });
  afterAll(() => closePaymentsShop({ ctx, fake }));

  it(
    'is 409 (again on a second verify), and the payment is refunded at Razorpay',
    { timeout: JOB_WAIT_MS + 15_000 },
    async () => {
      const order = await orderOf(shop, user, '321.00', 3);
      const productId = order.productId;
      const { razorpay_order_id } = await initiated(ctx, user, order.id);
      expect(await productStock(ctx, productId)).toBe(97);
      const cancelled = await call(ctx, 'POST', `/api/orders/${order.id}/cancel/`, user);
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      expect(await productStock(ctx, productId)).toBe(100);

      // The shopper pays in the Razorpay window that was still open.
      const { payment, signature } = fake.pay(razorpay_order_id);
      const body = {
        order_id: order.id,
        razorpay_order_id,
        razorpay_payment_id: payment.id,
        razorpay_signature: signature,
      };
      const problem = expectProblem(await verify(ctx, user, body), 409, 'conflict');
      expect(problem.detail).toMatch(/cancelled/);
      expect(problem.detail).toMatch(/refund/);

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
      expect(refunds[0]).toMatchObject({ amount: 96300, status: 'processed' });
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'refunded',
        razorpayPaymentId: payment.id,
        razorpayRefundId: refunds[0]!.id,
      });

      // Verifying again answers the same, and asks for no second refund.
      expectProblem(await verify(ctx, user, body), 409, 'conflict');
      // The order never became paid, and its stock came back exactly once.
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(0);
      expect(await productStock(ctx, productId)).toBe(100);
      expect(fake.refunds.filter((r) => r.payment_id === payment.id)).toHaveLength(1);
      expect(fake.count('POST /v1/payments/:id/refund')).toBe(1);
    },
  );
});
