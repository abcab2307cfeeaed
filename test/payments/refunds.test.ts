import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestContext } from '../helpers/app.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  closePaymentsShop,
  deliver,
  getOrder,
  JOB_WAIT_MS,
  openPaymentsShop,
  orderOf,
  paymentRows,
  payOrder,
  productStock,
  waitFor,
  waitForOrder,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';

/** A refund retried by pg-boss waits its backoff (5–10 s) on top of the usual wait. */
const RETRY_WAIT_MS = JOB_WAIT_MS + 15_000;
const REFUND = 'POST /v1/payments/:id/refund';
const LIST_REFUNDS = 'GET /v1/payments/:id/refunds';

// JOBS=on with a database of its own on PostgreSQL: every request the fake sees is this file's.
let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;
let admin: TestUser;

beforeAll(async () => {
  ({ fake, ctx, shop, user, admin } = await openPaymentsShop({}, { jobs: true }));
});
afterAll(() => closePaymentsShop({ ctx, fake }));
afterEach(() => {
  fake.refundStatus = 'processed';
  vi.restoreAllMocks();
});

/** A paid order of 3 × 333.33 (99999 paise) of a new product with stock 100. */
async function paidOrder() {
  const order = await orderOf(shop, user, '333.33', 3);
  const { payment } = await payOrder(ctx, fake, user, order.id);
  expect(await productStock(ctx, order.productId)).toBe(97);
  return { order, payment };
}

const setStatus = (orderId: number, status: string) =>
  call(ctx, 'PATCH', `/api/orders/${orderId}/update_status/`, admin, { status });

const refundsOf = (paymentId: string) => fake.refunds.filter((r) => r.payment_id === paymentId);

const refunded = (orderId: number, timeoutMs = JOB_WAIT_MS) =>
  waitForOrder(ctx, user, orderId, (o) => o.payment_status === 'refunded', 'refunded', timeoutMs);

describe('an admin cancels a paid order', () => {
  it(
    '200, stock restored, exactly one refund; a processed refund answer makes it refunded',
    {
      timeout: JOB_WAIT_MS + 10_000,
    },
    async () => {
      const { order, payment } = await paidOrder();
      const calls = fake.count(REFUND);
      const res = await setStatus(order.id, 'cancelled');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'cancelled', payment_status: 'success' });
      expect(res.json().status_history.at(-1)).toMatchObject({
        from_status: 'paid',
        to_status: 'cancelled',
        changed_by: admin.username,
      });
      expect(await productStock(ctx, order.productId)).toBe(100);

      expect((await refunded(order.id)).status).toBe('cancelled');
      expect(fake.count(REFUND)).toBe(calls + 1);
      const refunds = refundsOf(payment.id);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({
        amount: 99999,
        status: 'processed',
        notes: { order_id: String(order.id) },
      });
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'refunded',
        razorpayRefundId: refunds[0]!.id,
      });
      // Stock came back once, not again with the refund.
      expect(await productStock(ctx, order.productId)).toBe(100);
    },
  );

  it(
    'a pending refund keeps payment_status success until refund.processed arrives',
    {
      timeout: JOB_WAIT_MS + 10_000,
    },
    async () => {
      fake.refundStatus = 'pending';
      const { order, payment } = await paidOrder();
      const calls = fake.count(REFUND);
      expect((await setStatus(order.id, 'cancelled')).statusCode).toBe(200);
      // The job asks Razorpay for the refund and records its id.
      const [row] = await waitFor(
        async () => {
          const rows = await paymentRows(ctx, order.id);
          return rows[0]?.razorpayRefundId ? rows : null;
        },
        'the refund id recorded',
        JOB_WAIT_MS,
      );
      expect(fake.count(REFUND)).toBe(calls + 1);
      const refunds = refundsOf(payment.id);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]!.status).toBe('pending');
      expect(row).toMatchObject({ status: 'success', razorpayRefundId: refunds[0]!.id });
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'cancelled',
        payment_status: 'success',
      });

      // Razorpay settles it and says so.
      const settled = { ...refunds[0]!, status: 'processed' as const };
      const delivery = fake.webhook('refund.processed', { refund: settled, payment });
      expect((await deliver(ctx, delivery)).statusCode).toBe(200);
      expect(await getOrder(ctx, user, order.id)).toMatchObject({
        status: 'cancelled',
        payment_status: 'refunded',
      });
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'refunded',
        razorpayRefundId: settled.id,
      });
      expect(fake.count(REFUND)).toBe(calls + 1);
    },
  );

  it(
    'an order in processing is refunded too when cancelled',
    {
      timeout: JOB_WAIT_MS + 10_000,
    },
    async () => {
      const { order, payment } = await paidOrder();
      expect((await setStatus(order.id, 'processing')).statusCode).toBe(200);
      expect((await setStatus(order.id, 'cancelled')).statusCode).toBe(200);
      await refunded(order.id);
      expect(refundsOf(payment.id)).toHaveLength(1);
      expect(await productStock(ctx, order.productId)).toBe(100);
    },
  );

  it('the owner cannot cancel a paid order (409): no refund', async () => {
    const { order, payment } = await paidOrder();
    const res = await call(ctx, 'POST', `/api/orders/${order.id}/cancel/`, user);
    expectProblem(res, 409, 'conflict');
    expect(await getOrder(ctx, user, order.id)).toMatchObject({
      status: 'paid',
      payment_status: 'success',
    });
    expect(await productStock(ctx, order.productId)).toBe(97);
    expect(refundsOf(payment.id)).toHaveLength(0);
  });
});

describe('refund jobs retried', () => {
  it(
    'after Razorpay failed once, the retry refunds exactly once',
    {
      timeout: RETRY_WAIT_MS + 10_000,
    },
    async () => {
      const { order, payment } = await paidOrder();
      const listed = fake.count(LIST_REFUNDS);
      const calls = fake.count(REFUND);
      fake.failNext(1, 500);
      expect((await setStatus(order.id, 'cancelled')).statusCode).toBe(200);
      expect((await refunded(order.id, RETRY_WAIT_MS)).status).toBe('cancelled');
      // The first attempt met the failure (its first call); the retry asked again and refunded.
      expect(fake.count(LIST_REFUNDS)).toBe(listed + 2);
      expect(fake.count(REFUND)).toBe(calls + 1);
      const refunds = refundsOf(payment.id);
      expect(refunds).toHaveLength(1);
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'refunded',
        razorpayRefundId: refunds[0]!.id,
      });
    },
  );

  it(
    'when Razorpay refunded but its answer was lost, the retry finds that refund',
    {
      timeout: RETRY_WAIT_MS + 10_000,
    },
    async () => {
      const { order, payment } = await paidOrder();
      const calls = fake.count(REFUND);
      const realFetch = globalThis.fetch;
      let lost = 0;
      vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
        const response = await realFetch(input, init);
        const url = input instanceof Request ? input.url : String(input);
        if (!lost && init?.method === 'POST' && url.endsWith(`/v1/payments/${payment.id}/refund`)) {
          lost++;
          throw new TypeError('fetch failed'); // Razorpay made the refund; the answer never arrived
        }
        return response;
      });
      expect((await setStatus(order.id, 'cancelled')).statusCode).toBe(200);
      await refunded(order.id, RETRY_WAIT_MS);
      expect(lost).toBe(1);
      // One refund asked for, none asked again: the retry found it in the list.
      expect(fake.count(REFUND)).toBe(calls + 1);
      const refunds = refundsOf(payment.id);
      expect(refunds).toHaveLength(1);
      expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
        status: 'refunded',
        razorpayRefundId: refunds[0]!.id,
      });
    },
  );
});
