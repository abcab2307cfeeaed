import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { refunds } from '../../src/db/schema/index.js';
import { RazorpayError } from '../../src/modules/payments/razorpay.js';
import { resumeRefunds, runRefundJob } from '../../src/modules/payments/refunds.js';
import type { TestContext } from '../helpers/app.js';
import type { Schemas } from '../helpers/client.js';
import type { Shop, TestUser } from '../helpers/factories.js';
import type { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  closePaymentsShop,
  getOrder,
  openPaymentsShop,
  orderOf,
  payOrder,
  productStock,
} from '../helpers/payments.js';

/**
 * A staff refund's job run by hand (no worker): never asked twice, whatever happens to
 * Razorpay's answer, and driven again by the sweep when its job is gone.
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
type Refund = Schemas['OrderRefund'];

/** A paid order of 3 × 333.33 with a staff refund of one unit (restocked); its job enqueued, not run. */
async function refundAsked() {
  const order = await orderOf(shop, user, '333.33', 3);
  const { payment } = await payOrder(ctx, fake, user, order.id);
  const res = await call(ctx, 'POST', `/api/orders/${order.id}/refunds/`, admin, {
    items: [{ item_id: order.items[0]!.id, quantity: 1 }],
    reason: 'Broken',
    restock: true,
  });
  expect(res.statusCode, res.body).toBe(201);
  return { order, payment, refund: res.json<Refund>() };
}

const job = (refundId: number) => runRefundJob(ctx.services.payments, { refundId });
const atRazorpay = (paymentId: string) => fake.refunds.filter((r) => r.payment_id === paymentId);

async function finishRefundJobs() {
  await ctx.database.db.execute(
    sql`update pgboss.job set state = 'completed'::pgboss.job_state, completed_on = now()
        where name = 'payment-refund' and state < 'completed'`,
  );
}
async function waitingJobsFor(refundId: number): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    ctx.database.db,
    sql`select count(*)::int as n from pgboss.job
        where name = 'payment-refund' and state < 'completed' and data->>'refundId' = ${String(refundId)}`,
  );
  return row!.n;
}

describe('the staff refund job', () => {
  it('asks once, settles by the answer, restocks once; running it again asks nothing', async () => {
    const { order, payment, refund } = await refundAsked();
    const calls = fake.count(REFUND);
    await job(refund.id);
    await job(refund.id);
    expect(fake.count(REFUND)).toBe(calls + 1);
    expect(atRazorpay(payment.id)).toEqual([
      expect.objectContaining({ amount: 33333, status: 'processed' }),
    ]);
    const detail = await getOrder(ctx, admin, order.id);
    expect(detail.refunds[0]).toMatchObject({
      status: 'processed',
      razorpay_refund_id: atRazorpay(payment.id)[0]!.id,
    });
    expect(detail.payment_status).toBe('partially_refunded');
    expect(await productStock(ctx, order.productId)).toBe(98);
  });

  it('when Razorpay refunded but the answer was lost, the next run finds that refund by its note', async () => {
    const { order, payment, refund } = await refundAsked();
    // Razorpay made the refund the first run asked for; the run never heard back.
    fake.addRefund(payment.id, 33333, 'processed', { shop_refund_id: String(refund.id) });
    const calls = fake.count(REFUND);
    await job(refund.id);
    expect(fake.count(REFUND)).toBe(calls);
    const detail = await getOrder(ctx, admin, order.id);
    expect(detail.refunds).toEqual([
      expect.objectContaining({ id: refund.id, status: 'processed' }),
    ]);
    expect(await productStock(ctx, order.productId)).toBe(98);
  });

  it('Razorpay down: the job throws (retried), nothing is recorded; then it refunds once', async () => {
    const { order, payment, refund } = await refundAsked();
    fake.failNext(2, 503);
    await expect(job(refund.id)).rejects.toBeInstanceOf(RazorpayError);
    await expect(job(refund.id)).rejects.toBeInstanceOf(RazorpayError);
    expect((await getOrder(ctx, admin, order.id)).refunds[0]).toMatchObject({
      status: 'pending',
      razorpay_refund_id: null,
    });
    await job(refund.id);
    expect(atRazorpay(payment.id)).toHaveLength(1);
    expect((await getOrder(ctx, admin, order.id)).payment_status).toBe('partially_refunded');
  });

  it('the sweep enqueues a pending staff refund whose job is gone, once, after the grace period', async () => {
    const { payment, refund } = await refundAsked();
    expect(await waitingJobsFor(refund.id)).toBe(1);
    await resumeRefunds(ctx.services.payments);
    expect(await waitingJobsFor(refund.id)).toBe(1); // its own job is waiting
    await finishRefundJobs(); // the job is gone without having run (lost)
    await resumeRefunds(ctx.services.payments);
    expect(await waitingJobsFor(refund.id)).toBe(0); // recent: left alone
    await ctx.database.db
      .update(refunds)
      .set({ updatedAt: sql`now() - interval '1 hour'` })
      .where(eq(refunds.id, refund.id));
    await resumeRefunds(ctx.services.payments);
    await resumeRefunds(ctx.services.payments);
    expect(await waitingJobsFor(refund.id)).toBe(1);
    await job(refund.id);
    await finishRefundJobs();
    expect(atRazorpay(payment.id)).toHaveLength(1);
    await resumeRefunds(ctx.services.payments);
    expect(await waitingJobsFor(refund.id)).toBe(0); // settled
  });
});
