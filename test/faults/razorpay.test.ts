import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, type TestContext } from '../helpers/app.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  closePaymentsShop,
  initiate,
  JOB_WAIT_MS,
  openPaymentsShop,
  orderOf,
  paymentRows,
  payOrder,
  waitFor,
  waitForOrder,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';

/**
 * Razorpay down (its server gone: connections refused) or slower than RAZORPAY_TIMEOUT_MS,
 * for payment initiation and for the refund job: 503 or a retry, nothing half-written, and
 * the same operation works once Razorpay is back. (Single failed answers, dropped
 * connections and a slow initiate are in test/payments/gateway.test.ts and refunds.test.ts.)
 */
const TIMEOUT_MS = 1_000;
/** A refund retried by pg-boss waits its backoff (5–10 s, then 10–20 s) on top of the usual wait. */
const RETRY_WAIT_MS = JOB_WAIT_MS + 25_000;
const LIST_REFUNDS = 'GET /v1/payments/:id/refunds';

describe.skipIf(!onPostgres())('Razorpay down or slow', () => {
  let ctx: TestContext;
  let fake: FakeRazorpay;
  let port: number;
  let shop: Shop;
  let user: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    ({ fake, ctx, shop, user, admin } = await openPaymentsShop(
      { RAZORPAY_TIMEOUT_MS: String(TIMEOUT_MS) },
      { jobs: true },
    ));
    port = Number(new URL(fake.url).port);
  });
  afterAll(() => closePaymentsShop({ ctx, fake }));

  async function paidOrder() {
    const order = await orderOf(shop, user, '250.00', 2);
    const { payment } = await payOrder(ctx, fake, user, order.id);
    return { order, payment };
  }

  const cancel = (orderId: number) => call(ctx, 'PATCH', `/api/orders/${orderId}/update_status/`, admin, { status: 'cancelled' });
  const refundsOf = (paymentId: string) => fake.refunds.filter((r) => r.payment_id === paymentId);

  it('initiate while Razorpay is gone: 503 with Retry-After at once, nothing written; works when it is back', async () => {
    const order = await orderOf(shop, user, '120.00', 1);
    await fake.stop();
    try {
      const started = Date.now();
      const res = await initiate(ctx, user, order.id);
      expectProblem(res, 503, 'service_unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);
      expect(await paymentRows(ctx, order.id)).toEqual([]);
    } finally {
      await fake.start(port);
    }
    const retry = await initiate(ctx, user, order.id);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(await paymentRows(ctx, order.id)).toHaveLength(1);
  });

  it(
    'refund while Razorpay is gone: the cancel is answered, the payment stays unrefunded, the retry refunds once it is back',
    { timeout: RETRY_WAIT_MS + 20_000 },
    async () => {
      const { order, payment } = await paidOrder();
      await fake.stop();
      let restarted = false;
      try {
        expect((await cancel(order.id)).statusCode).toBe(200);
        // The job ran and failed against the missing gateway: nothing recorded as refunded.
        await new Promise((r) => setTimeout(r, 3_000));
        expect((await paymentRows(ctx, order.id))[0]).toMatchObject({ status: 'success', razorpayRefundId: null });
        await fake.start(port);
        restarted = true;
      } finally {
        if (!restarted) await fake.start(port);
      }
      await waitForOrder(ctx, user, order.id, (o) => o.payment_status === 'refunded', 'refunded', RETRY_WAIT_MS);
      const refunds = refundsOf(payment.id);
      expect(refunds).toHaveLength(1);
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({ status: 'refunded', razorpayRefundId: refunds[0]!.id });
    },
  );

  it(
    'refund while Razorpay is slower than the timeout: the attempt gives up, nothing is recorded; the retry refunds once',
    { timeout: RETRY_WAIT_MS + 20_000 },
    async () => {
      const { order, payment } = await paidOrder();
      const listed = fake.count(LIST_REFUNDS);
      fake.delayMs = TIMEOUT_MS + 1_500;
      try {
        expect((await cancel(order.id)).statusCode).toBe(200);
        // The job's first call reached Razorpay, which did not answer in time.
        await waitFor(async () => fake.count(LIST_REFUNDS) > listed || null, 'the refund job calling Razorpay', JOB_WAIT_MS);
        await new Promise((r) => setTimeout(r, TIMEOUT_MS + 500));
        expect(refundsOf(payment.id)).toEqual([]);
        expect((await paymentRows(ctx, order.id))[0]).toMatchObject({ status: 'success', razorpayRefundId: null });
      } finally {
        fake.delayMs = 0;
      }
      await waitForOrder(ctx, user, order.id, (o) => o.payment_status === 'refunded', 'refunded', RETRY_WAIT_MS);
      const refunds = refundsOf(payment.id);
      expect(refunds).toHaveLength(1);
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({ status: 'refunded', razorpayRefundId: refunds[0]!.id });
    },
  );
});
