import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, unique } from '../helpers/app.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay, type FakeRefund } from '../helpers/fake-razorpay.js';
import {
  call,
  closePaymentsShop,
  deliver,
  getOrder,
  openPaymentsShop,
  orderOf,
  payOrder,
  storedEvents,
} from '../helpers/payments.js';
import type { ResponseBody } from '../helpers/client.js';

/**
 * refund.processed / refund.failed are settled by the refund's own id and amount: all of
 * the payment refunded is `refunded`, less is `partially_refunded` (and the order stays in
 * revenue), a refund counts once, and no event may refund more than was captured.
 */
let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;
let admin: TestUser;

beforeAll(async () => {
  // A database of its own: the test reads the dashboard's global revenue.
  ({ fake, ctx, shop, user, admin } = await openPaymentsShop({}, { isolated: true }));
});
afterAll(() => closePaymentsShop({ ctx, fake }));

/** A paid order of 2 × 25.00 (5,000 paise). */
async function paidOrder() {
  const order = await orderOf(shop, user, '25.00', 2);
  const { payment } = await payOrder(ctx, fake, user, order.id);
  return { order, payment };
}

const refundOf = (paymentId: string, amount: number, status: FakeRefund['status'] = 'processed'): FakeRefund => ({
  id: unique('rfnd_'),
  entity: 'refund',
  amount,
  currency: 'INR',
  payment_id: paymentId,
  status,
  notes: {},
  created_at: Math.floor(Date.now() / 1000),
});

/** Delivers a refund event; returns the stored event. */
async function refundEvent(name: 'refund.processed' | 'refund.failed', refund: FakeRefund) {
  const delivery = fake.webhook(name, { refund });
  const res = await deliver(ctx, delivery);
  expect(res.statusCode, res.body).toBe(200);
  return (await storedEvents(ctx, delivery.headers['x-razorpay-event-id']!))[0]!;
}

async function paymentOf(orderId: number) {
  const res = await call(ctx, 'GET', `/api/admin/payments/?order=${orderId}`, admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ResponseBody<'getApiAdminPayments'>>().results[0]!;
}

async function revenue(): Promise<string> {
  const res = await call(ctx, 'GET', '/api/analytics/dashboard/', admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ResponseBody<'getApiAnalyticsDashboard'>>().total_revenue;
}

const rupees = (text: string) => Math.round(Number(text) * 100);

describe('refund.processed for part of a payment', () => {
  it('is partially_refunded and keeps the order in revenue; the rest makes it refunded', async () => {
    const { order, payment } = await paidOrder();
    const before = await revenue();
    expect(rupees(before)).toBeGreaterThanOrEqual(5000);

    const part = refundOf(payment.id, 100);
    expect(await refundEvent('refund.processed', part)).toMatchObject({ processed: true, error: null });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'paid', payment_status: 'partially_refunded' });
    expect(await paymentOf(order.id)).toMatchObject({ status: 'partially_refunded', refunded_amount: '1.00' });
    expect(await revenue()).toBe(before);

    // The same refund again (a new event id) counts once.
    expect(await refundEvent('refund.processed', part)).toMatchObject({ processed: true });
    expect(await paymentOf(order.id)).toMatchObject({ refunded_amount: '1.00' });

    // The rest, and the order leaves revenue.
    const rest = refundOf(payment.id, 4900);
    expect(await refundEvent('refund.processed', rest)).toMatchObject({ processed: true });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ payment_status: 'refunded' });
    expect(await paymentOf(order.id)).toMatchObject({
      status: 'refunded',
      refunded_amount: '50.00',
      razorpay_refund_id: rest.id,
    });
    expect(rupees(await revenue())).toBe(rupees(before) - 5000);
  });

  it('a refund that would pass the captured amount is stored unprocessed and changes nothing', async () => {
    const { order, payment } = await paidOrder();
    expect((await refundEvent('refund.processed', refundOf(payment.id, 3000))).processed).toBe(true);
    const before = await revenue();
    const tooMuch = await refundEvent('refund.processed', refundOf(payment.id, 2001));
    expect(tooMuch.processed).toBe(false);
    expect(tooMuch.error).toMatch(/exceed/);
    const single = await refundEvent('refund.processed', refundOf(payment.id, 5001));
    expect(single.processed).toBe(false);
    expect(await paymentOf(order.id)).toMatchObject({ status: 'partially_refunded', refunded_amount: '30.00' });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ payment_status: 'partially_refunded' });
    expect(await revenue()).toBe(before);
  });

  it('cancelling a partially refunded order refunds the rest, once', async () => {
    const { order, payment } = await paidOrder();
    expect((await refundEvent('refund.processed', refundOf(payment.id, 1000))).processed).toBe(true);
    const cancelled = await call(ctx, 'PATCH', `/api/orders/${order.id}/update_status/`, admin, { status: 'cancelled' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    // Jobs are off here: run the refund job the cancellation enqueued, twice.
    const { runRefundJob } = await import('../../src/modules/payments/refunds.js');
    await runRefundJob(ctx.services.payments, { orderId: order.id });
    await runRefundJob(ctx.services.payments, { orderId: order.id });
    expect(fake.refunds.filter((r) => r.payment_id === payment.id)).toEqual([expect.objectContaining({ amount: 4000 })]);
    expect(await paymentOf(order.id)).toMatchObject({ status: 'refunded', refunded_amount: '50.00' });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'cancelled', payment_status: 'refunded' });
  });
});

describe('refund.failed', () => {
  it('marks nothing refunded, records the failure, and a later processed for it is refused', async () => {
    const { order, payment } = await paidOrder();
    const before = await revenue();
    const refund = refundOf(payment.id, 5000, 'pending');
    expect(await refundEvent('refund.failed', refund)).toMatchObject({ processed: true, error: null });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'paid', payment_status: 'success' });
    const row = await paymentOf(order.id);
    expect(row).toMatchObject({ status: 'success', refunded_amount: '0.00' });
    expect(row.error).toMatch(new RegExp(`Refund ${refund.id} failed`));
    expect(await revenue()).toBe(before);

    const contradiction = await refundEvent('refund.processed', refund);
    expect(contradiction.processed).toBe(false);
    expect(contradiction.error).toMatch(/already failed/);
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ payment_status: 'success' });
  });
});
