import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, type TestContext } from '../helpers/app.js';
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
  payOrder,
  storedEvents,
  verify,
  waitFor,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';
import type { ResponseBody } from '../helpers/client.js';

/**
 * API-v2 §3 "A second capture": a capture of another payment for an order already paid is
 * recorded as a payment of its own and refunded in full through the refund job, once, and
 * staff see it (with its refund) in the admin payments API.
 */
let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;
let admin: TestUser;

beforeAll(async () => {
  ({ fake, ctx, shop, user, admin } = await openPaymentsShop({}, { jobs: true }));
});
afterAll(() => closePaymentsShop({ ctx, fake }));

const REFUND = 'POST /v1/payments/:id/refund';

type AdminPayment = ResponseBody<'getApiAdminPayments'>['results'][number];

async function paymentsOf(orderId: number): Promise<AdminPayment[]> {
  const res = await call(ctx, 'GET', `/api/admin/payments/?order=${orderId}`, admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ResponseBody<'getApiAdminPayments'>>().results;
}

const refundsAtRazorpay = (paymentId: string) => fake.refunds.filter((r) => r.payment_id === paymentId);

/** Waits until the payment with this Razorpay id is refunded in full. */
const refundedInFull = (orderId: number, razorpayPaymentId: string) =>
  waitFor(
    async () => (await paymentsOf(orderId)).find((p) => p.razorpay_payment_id === razorpayPaymentId && p.status === 'refunded'),
    `payment ${razorpayPaymentId} refunded`,
    JOB_WAIT_MS,
  );

describe('a second payment.captured for an order already paid', () => {
  it(
    'is recorded as a payment of its own and refunded in full once; the order stays paid by the first',
    { timeout: JOB_WAIT_MS + 20_000 },
    async () => {
      const order = await orderOf(shop, user, '120.25', 2);
      const first = await payOrder(ctx, fake, user, order.id);
      // The shopper pays again (another tab, a retried checkout): Razorpay captures it too.
      const { payment: second } = fake.pay(first.razorpayOrderId);
      const delivery = fake.webhook('payment.captured', { payment: second });
      const res = await deliver(ctx, delivery);
      expect(res.statusCode, res.body).toBe(200);
      expect((await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!))[0]).toMatchObject({
        processed: true,
        error: null,
      });

      const refunded = await refundedInFull(order.id, second.id);
      expect(refunded).toMatchObject({
        provider: 'razorpay',
        second_capture: true,
        amount: '240.50',
        refunded_amount: '240.50',
        razorpay_refund_id: refundsAtRazorpay(second.id)[0]!.id,
      });
      expect(refundsAtRazorpay(second.id)).toEqual([expect.objectContaining({ amount: 24050, status: 'processed' })]);
      expect(refundsAtRazorpay(first.payment.id)).toHaveLength(0);
      const payments = await paymentsOf(order.id);
      expect(payments).toHaveLength(2);
      expect(payments.find((p) => p.razorpay_payment_id === first.payment.id)).toMatchObject({
        status: 'success',
        second_capture: false,
        refunded_amount: '0.00',
      });
      expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'paid', payment_status: 'success' });
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
      // The admin list finds it by its Razorpay id too.
      const found = await call(ctx, 'GET', `/api/admin/payments/?search=${second.id}`, admin);
      expect(found.json()).toMatchObject({ count: 1, results: [{ second_capture: true, status: 'refunded' }] });

      // Redeliveries of that capture (new event ids, order.paid too) record and refund nothing more.
      const calls = fake.count(REFUND);
      for (const again of [
        fake.webhook('payment.captured', { payment: second }),
        fake.webhook('order.paid', { payment: second, order: fake.orders.get(first.razorpayOrderId)! }),
      ]) {
        expect((await deliver(ctx, again)).statusCode).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 1500)); // a refund job, were one enqueued, would run now
      expect(fake.count(REFUND)).toBe(calls);
      expect(await paymentsOf(order.id)).toHaveLength(2);
      expect(refundsAtRazorpay(second.id)).toHaveLength(1);
    },
  );

  it('order.paid and payment.captured of the same payment stay one payment, with no refund', async () => {
    const order = await orderOf(shop, user, '99.00', 1);
    const { razorpay_order_id } = await initiated(ctx, user, order.id);
    const { payment } = fake.pay(razorpay_order_id);
    const rzpOrder = fake.orders.get(razorpay_order_id)!;
    for (const delivery of [
      fake.webhook('order.paid', { payment, order: rzpOrder }),
      fake.webhook('payment.captured', { payment }),
      fake.webhook('order.paid', { payment, order: rzpOrder }),
    ]) {
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'success', second_capture: false })]);
    expect(refundsAtRazorpay(payment.id)).toHaveLength(0);
    expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
  });

  it(
    'verify with a second payment answers 409 and that payment is refunded in full',
    { timeout: JOB_WAIT_MS + 10_000 },
    async () => {
      const order = await orderOf(shop, user, '75.00', 1);
      const first = await payOrder(ctx, fake, user, order.id);
      const { payment: second, signature } = fake.pay(first.razorpayOrderId);
      const res = await verify(ctx, user, {
        order_id: order.id,
        razorpay_order_id: first.razorpayOrderId,
        razorpay_payment_id: second.id,
        razorpay_signature: signature,
      });
      expectProblem(res, 409, 'conflict');
      expect(res.json().detail).toMatch(/already paid.*refunded/);
      await refundedInFull(order.id, second.id);
      expect(refundsAtRazorpay(second.id)).toEqual([expect.objectContaining({ amount: 7500 })]);
      expect(refundsAtRazorpay(first.payment.id)).toHaveLength(0);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'paid', payment_status: 'success' });
    },
  );

  it(
    'a Razorpay capture for an order staff already marked paid by hand is refunded',
    { timeout: JOB_WAIT_MS + 10_000 },
    async () => {
      const order = await orderOf(shop, user, '60.00', 1);
      const { razorpay_order_id } = await initiated(ctx, user, order.id);
      const marked = await call(ctx, 'PATCH', `/api/orders/${order.id}/update_status/`, admin, {
        status: 'paid',
        payment: { method: 'upi', reference: 'UPI-REF-1' },
      });
      expect(marked.statusCode, marked.body).toBe(200);
      const { payment } = fake.pay(razorpay_order_id);
      expect((await deliver(ctx, fake.webhook('payment.captured', { payment }))).statusCode).toBe(200);
      await refundedInFull(order.id, payment.id);
      expect(refundsAtRazorpay(payment.id)).toEqual([expect.objectContaining({ amount: 6000 })]);
      const payments = await paymentsOf(order.id);
      expect(payments.find((p) => p.provider === 'manual')).toMatchObject({ status: 'success', method: 'upi' });
      expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'paid', payment_status: 'success' });
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
    },
  );

  it(
    'a late capture of a failed attempt, after staff marked the order paid, is refunded too',
    { timeout: JOB_WAIT_MS + 10_000 },
    async () => {
      const order = await orderOf(shop, user, '41.00', 1);
      const { razorpay_order_id } = await initiated(ctx, user, order.id);
      const attempt = fake.fail(razorpay_order_id);
      expect((await deliver(ctx, fake.webhook('payment.failed', { payment: attempt }))).statusCode).toBe(200);
      const marked = await call(ctx, 'PATCH', `/api/orders/${order.id}/update_status/`, admin, {
        status: 'paid',
        payment: { method: 'cash', reference: 'Till 3' },
      });
      expect(marked.statusCode, marked.body).toBe(200);
      // The bank authorizes the failed attempt after all, and Razorpay captures it.
      const late = { ...attempt, status: 'captured' as const, error_description: null };
      fake.payments.set(attempt.id, late);
      const res = await deliver(ctx, fake.webhook('payment.captured', { payment: late }));
      expect(res.statusCode, res.body).toBe(200);
      await refundedInFull(order.id, attempt.id);
      expect(refundsAtRazorpay(attempt.id)).toEqual([expect.objectContaining({ amount: 4100 })]);
      const rows = await paymentsOf(order.id);
      expect(rows).toHaveLength(3);
      expect(rows.filter((p) => p.razorpay_payment_id === attempt.id)).toEqual([
        expect.objectContaining({ second_capture: true, status: 'refunded' }),
      ]);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'paid', payment_status: 'success' });
    },
  );

  it.runIf(onPostgres())(
    'three captures of three payments at once: one pays the order, two are refunded, once each',
    { timeout: JOB_WAIT_MS + 15_000 },
    async () => {
      const order = await orderOf(shop, user, '33.00', 1);
      const { razorpay_order_id } = await initiated(ctx, user, order.id);
      const payments = [1, 2, 3].map(() => fake.pay(razorpay_order_id).payment);
      const answers = await Promise.all(
        payments.flatMap((payment) => [
          deliver(ctx, fake.webhook('payment.captured', { payment })),
          deliver(ctx, fake.webhook('payment.captured', { payment })),
        ]),
      );
      for (const res of answers) expect(res.statusCode, res.body).toBe(200);
      await waitFor(
        async () => (await paymentsOf(order.id)).filter((p) => p.status === 'refunded').length === 2,
        'two refunded',
        JOB_WAIT_MS,
      );
      const rows = await paymentsOf(order.id);
      expect(rows).toHaveLength(3);
      expect(rows.filter((p) => p.status === 'success' && !p.second_capture)).toHaveLength(1);
      expect(rows.filter((p) => p.second_capture)).toHaveLength(2);
      for (const payment of payments) {
        const expected = rows.find((p) => p.razorpay_payment_id === payment.id)!.second_capture ? 1 : 0;
        expect(refundsAtRazorpay(payment.id)).toHaveLength(expected);
      }
      expect(await historyTo(ctx, order.id, 'paid')).toHaveLength(1);
    },
  );
});
