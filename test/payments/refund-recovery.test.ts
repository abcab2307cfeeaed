import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { orders, payments, refunds } from '../../src/db/schema/index.js';
import { type JobHandlers, JobQueue } from '../../src/modules/jobs/queue.js';
import { RazorpayError } from '../../src/modules/payments/razorpay.js';
import { resumeRefunds, runRefundJob } from '../../src/modules/payments/refunds.js';
import { type TestContext } from '../helpers/app.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  closePaymentsShop,
  deliver,
  getOrder,
  openPaymentsShop,
  orderOf,
  paymentRows,
  payOrder,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';
import type { ResponseBody } from '../helpers/client.js';

/**
 * Refunds end in a known state: refunded, or failed and shown to staff with a retry. Jobs
 * are off here: each test runs the refund job (as the worker would) and the sweep (as its
 * cron would) itself, so that "Razorpay down for longer than the retries" takes no hours.
 * A database of its own: the sweep looks at every payment.
 */
let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;
let admin: TestUser;

beforeAll(async () => {
  ({ fake, ctx, shop, user, admin } = await openPaymentsShop({}, { isolated: true }));
});
afterAll(() => closePaymentsShop({ ctx, fake }));
afterEach(() => {
  fake.refundStatus = 'processed';
  fake.failNext(0);
});

const REFUND = 'POST /v1/payments/:id/refund';

/** A cancelled paid order of 3 × 333.33 (99,999 paise); its refund job enqueued, not run. */
async function cancelledPaidOrder(before?: (razorpayPaymentId: string) => void) {
  const order = await orderOf(shop, user, '333.33', 3);
  const { payment } = await payOrder(ctx, fake, user, order.id);
  before?.(payment.id);
  const res = await call(ctx, 'PATCH', `/api/orders/${order.id}/update_status/`, admin, { status: 'cancelled' });
  expect(res.statusCode, res.body).toBe(200);
  const [row] = await paymentRows(ctx, order.id);
  return { order, payment, paymentId: row!.id };
}

const refundJob = (orderId: number) => runRefundJob(ctx.services.payments, { orderId });

/**
 * What the worker leaves once it is done with the refund jobs these tests run themselves:
 * `completed`, or `failed` after the last retry.
 */
async function finishRefundJobs(state: 'completed' | 'failed') {
  await ctx.database.db.execute(
    sql`update pgboss.job set state = ${state}::pgboss.job_state, completed_on = now()
        where name = 'payment-refund' and state < 'completed'`,
  );
}

/** Time passes: the order was cancelled longer ago than the sweep leaves refunds to their job. */
async function age(orderId: number) {
  await ctx.database.db
    .update(orders)
    .set({ updatedAt: sql`now() - interval '1 hour'` })
    .where(eq(orders.id, orderId));
}

async function adminPayment(paymentId: number) {
  const res = await call(ctx, 'GET', `/api/admin/payments/?search=${encodeURIComponent(await razorpayIdOf(paymentId))}`, admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ResponseBody<'getApiAdminPayments'>>().results.find((p) => p.id === paymentId)!;
}
async function razorpayIdOf(paymentId: number) {
  const [row] = await ctx.database.db.select().from(payments).where(eq(payments.id, paymentId));
  return row!.razorpayPaymentId!;
}

const refundsAt = (razorpayPaymentId: string) => fake.refunds.filter((r) => r.payment_id === razorpayPaymentId);
const retry = (paymentId: number, who: TestUser | null = admin) =>
  call(ctx, 'POST', `/api/admin/payments/${paymentId}/refund/retry/`, who);

describe('Razorpay down for longer than the refund job retries', () => {
  it('the sweep drives the refund again once Razorpay is back: exactly one refund', async () => {
    const { order, payment, paymentId } = await cancelledPaidOrder();
    fake.failNext(1_000, 503);
    // The job and all its retries (12) meet the outage.
    for (let attempt = 0; attempt < 13; attempt++) {
      await expect(refundJob(order.id)).rejects.toBeInstanceOf(RazorpayError);
    }
    expect(refundsAt(payment.id)).toHaveLength(0);
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'cancelled', payment_status: 'success' });

    fake.failNext(0);
    // Left to its job while that is recent or still retrying; the sweep drives it after that.
    await finishRefundJobs('failed');
    expect(await resumeRefunds(ctx.services.payments)).not.toContain(paymentId);
    await age(order.id);
    expect(await resumeRefunds(ctx.services.payments)).toContain(paymentId);
    // One job at a time: the sweep's job is waiting, so the next sweep adds none.
    expect(await resumeRefunds(ctx.services.payments)).not.toContain(paymentId);
    await runRefundJob(ctx.services.payments, { paymentId });
    await finishRefundJobs('completed');

    expect(refundsAt(payment.id)).toEqual([expect.objectContaining({ amount: 99999, status: 'processed' })]);
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'cancelled', payment_status: 'refunded' });
    // Settled: the sweep leaves it alone, and another run asks for nothing.
    expect(await resumeRefunds(ctx.services.payments)).not.toContain(paymentId);
    const calls = fake.count(REFUND);
    await runRefundJob(ctx.services.payments, { paymentId });
    expect(fake.count(REFUND)).toBe(calls);
  });

  it('a refund Razorpay left pending and settled without a webhook is found by the sweep', async () => {
    fake.refundStatus = 'pending';
    const { order, payment, paymentId } = await cancelledPaidOrder();
    await refundJob(order.id);
    await finishRefundJobs('completed');
    const [pending] = refundsAt(payment.id);
    expect(pending).toMatchObject({ status: 'pending' });
    fake.settleRefund(pending!.id, 'processed');
    await age(order.id);
    expect(await resumeRefunds(ctx.services.payments)).toContain(paymentId);
    const calls = fake.count(REFUND);
    await runRefundJob(ctx.services.payments, { paymentId });
    expect(fake.count(REFUND)).toBe(calls);
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ payment_status: 'refunded' });
    expect(await adminPayment(paymentId)).toMatchObject({
      status: 'refunded',
      razorpay_refund_id: pending!.id,
      refund_status: 'processed',
    });
  });
});

describe('a refund Razorpay fails', () => {
  it('is recorded and shown to staff, waits for them, and their retry ends with one processed refund', async () => {
    fake.refundStatus = 'failed';
    const { order, payment, paymentId } = await cancelledPaidOrder();
    await refundJob(order.id);
    const [failed] = refundsAt(payment.id);
    expect(failed).toMatchObject({ status: 'failed', amount: 99999 });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'cancelled', payment_status: 'success' });
    const shown = await adminPayment(paymentId);
    expect(shown).toMatchObject({
      status: 'success',
      refunded_amount: '0.00',
      razorpay_refund_id: failed!.id,
      refund_status: 'failed',
    });
    expect(shown.error).toMatch(new RegExp(`Refund ${failed!.id} failed`));
    const listed = await call(ctx, 'GET', '/api/admin/payments/?refund_status=failed', admin);
    expect(listed.json().results.map((p: { id: number }) => p.id)).toContain(paymentId);

    // Nothing retries it by itself: not the job again, not the sweep.
    fake.refundStatus = 'processed';
    await refundJob(order.id);
    await finishRefundJobs('completed');
    await age(order.id);
    expect(await resumeRefunds(ctx.services.payments)).not.toContain(paymentId);
    expect(refundsAt(payment.id)).toHaveLength(1);

    const res = await retry(paymentId);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id: paymentId, razorpay_refund_id: null, refund_status: null, error: null });
    expect(await resumeRefunds(ctx.services.payments)).not.toContain(paymentId); // its job is waiting
    await runRefundJob(ctx.services.payments, { paymentId }); // the job the retry enqueued
    await finishRefundJobs('completed');

    const all = refundsAt(payment.id);
    expect(all.map((r) => r.status)).toEqual(['failed', 'processed']);
    expect(all[1]).toMatchObject({ amount: 99999 });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'cancelled', payment_status: 'refunded' });
    expect(await adminPayment(paymentId)).toMatchObject({
      status: 'refunded',
      refunded_amount: '999.99',
      razorpay_refund_id: all[1]!.id,
      refund_status: 'processed',
    });
    // Nothing left to retry.
    expectProblem(await retry(paymentId), 409, 'conflict');
  });

  it('a refund.failed webhook for the job’s pending refund makes it retryable the same way', async () => {
    fake.refundStatus = 'pending';
    const { order, payment, paymentId } = await cancelledPaidOrder();
    await refundJob(order.id);
    const failed = fake.settleRefund(refundsAt(payment.id)[0]!.id, 'failed');
    const delivery = fake.webhook('refund.failed', { refund: failed });
    expect((await deliver(ctx, delivery)).statusCode).toBe(200);
    expect(await adminPayment(paymentId)).toMatchObject({ refund_status: 'failed', status: 'success' });

    fake.refundStatus = 'processed';
    expect((await retry(paymentId)).statusCode).toBe(202);
    await runRefundJob(ctx.services.payments, { paymentId });
    await finishRefundJobs('completed');
    expect(refundsAt(payment.id).map((r) => r.status)).toEqual(['failed', 'processed']);
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ payment_status: 'refunded' });
  });

  it('the retry route: staff only, 404 for no such payment, 409 for a payment without a failed refund', async () => {
    const { paymentId } = await cancelledPaidOrder();
    expectProblem(await retry(paymentId, null), 401, 'not_authenticated');
    expectProblem(await retry(paymentId, user), 403, 'permission_denied');
    expectProblem(await retry(2_000_000_000), 404, 'not_found');
    // Its refund job has not run: no refund, nothing failed.
    expectProblem(await retry(paymentId), 409, 'conflict');
  });
});

describe('refunds the gateway lists that are not the job’s', () => {
  it('are recorded as what they are, not mistaken for ours; the job refunds the rest once', async () => {
    const { order, payment, paymentId } = await cancelledPaidOrder((id) => {
      // Made in Razorpay's dashboard before the cancel: a failed full refund, a processed ₹5.
      fake.addRefund(id, 99999, 'failed');
      fake.addRefund(id, 500, 'processed');
    });
    await refundJob(order.id);
    await finishRefundJobs('completed');
    const all = refundsAt(payment.id);
    expect(all.map((r) => [r.amount, r.status])).toEqual([
      [99999, 'failed'],
      [500, 'processed'],
      [99499, 'processed'],
    ]);
    expect(all[2]!.notes).toMatchObject({ order_id: String(order.id) });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ payment_status: 'refunded' });
    expect(await adminPayment(paymentId)).toMatchObject({
      status: 'refunded',
      refunded_amount: '999.99',
      razorpay_refund_id: all[2]!.id,
    });
    const recorded = await ctx.database.db.select().from(refunds).where(eq(refunds.paymentId, paymentId));
    expect(recorded.map((r) => [r.razorpayRefundId, r.amount, r.status]).sort()).toEqual(
      [
        [all[0]!.id, '999.99', 'failed'],
        [all[1]!.id, '5.00', 'processed'],
        [all[2]!.id, '994.99', 'processed'],
      ].sort(),
    );
    // Once more: nothing new asked for.
    const calls = fake.count(REFUND);
    await refundJob(order.id);
    expect(fake.count(REFUND)).toBe(calls);
  });
});

describe('the refund queue', () => {
  const settings = async () => {
    const result = await ctx.database.db.execute(
      sql`select retry_limit, retry_delay, retry_backoff from pgboss.queue where name = 'payment-refund'`,
    );
    return (result as unknown as { rows: Record<string, unknown>[] }).rows[0];
  };

  it('retries a refund job 12 times from 5 s, doubling; a queue made by an older release is updated at start', async () => {
    expect(await settings()).toEqual({ retry_limit: 12, retry_delay: 5, retry_backoff: true });
    await ctx.database.db.execute(sql`update pgboss.queue set retry_limit = 5 where name = 'payment-refund'`);
    const queue = new JobQueue(ctx.database, ctx.app.log, { work: false });
    await queue.start({} as JobHandlers);
    await queue.stop();
    expect(await settings()).toEqual({ retry_limit: 12, retry_delay: 5, retry_backoff: true });
  });
});
