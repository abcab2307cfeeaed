import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { orderItems } from '../../src/db/schema/index.js';
import { itemShare } from '../../src/modules/payments/order-refunds.js';
import { onPostgres, type TestContext } from '../helpers/app.js';
import type { ResponseBody, Schemas } from '../helpers/client.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  closePaymentsShop,
  deliver,
  getOrder,
  JOB_WAIT_MS,
  type OrderDetail,
  openPaymentsShop,
  orderOf,
  paymentRows,
  payOrder,
  productStock,
  waitForOrder,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';
import { CASH } from '../helpers/shop.js';
import { expectCountersMatchOrders } from '../helpers/stats.js';

/**
 * Staff refunds of an order (API-v2 §3) through HTTP, with the refund job running against
 * the fake Razorpay: by items (their paid share) or by amount, within the captured amount
 * and the bought units, settled by the gateway's answer or refund.* webhooks, restocked
 * once, and counted in the analytics' `refunded`.
 */
type Refund = Schemas['OrderRefund'];
const REFUND = 'POST /v1/payments/:id/refund';

let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;
let admin: TestUser;

beforeAll(async () => {
  // JOBS=on (a database of its own on PostgreSQL): the refund job runs, and the dashboard's
  // figures are this file's alone.
  ({ fake, ctx, shop, user, admin } = await openPaymentsShop({}, { jobs: true }));
});
afterAll(() => closePaymentsShop({ ctx, fake }));
afterEach(() => {
  fake.refundStatus = 'processed';
});

const refund = (
  orderId: number,
  body: unknown,
  as: TestUser | null = admin,
  headers: Record<string, string> = {},
) => call(ctx, 'POST', `/api/orders/${orderId}/refunds/`, as, body, headers);

async function refunded(orderId: number, body: unknown): Promise<Refund> {
  const res = await refund(orderId, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Refund>();
}

/** A paid order of 3 × 333.33 (one line, 999.99) of a new product with stock 100. */
async function paidOrder() {
  const order = await orderOf(shop, user, '333.33', 3);
  const { payment } = await payOrder(ctx, fake, user, order.id);
  return {
    order,
    payment,
    itemId: order.items[0]!.id,
    captured: Math.round(Number(order.total_amount) * 100),
  };
}

/** A job retried by pg-boss waits its backoff (5–10 s) on top of the usual wait (a loaded machine). */
const SETTLE_WAIT_MS = JOB_WAIT_MS + 15_000;

const settled = (orderId: number, refundId: number, status = 'processed') =>
  waitForOrder(
    ctx,
    admin,
    orderId,
    (o) => o.refunds.some((r) => r.id === refundId && r.status === status),
    `refund ${refundId} ${status}`,
    SETTLE_WAIT_MS,
  );

async function dashboard() {
  const res = await call(ctx, 'GET', '/api/analytics/dashboard/', admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ResponseBody<'getApiAnalyticsDashboard'>>();
}
const paise = (money: string) => Math.round(Number(money) * 100);

describe('the paid share of items', () => {
  it('rounds down, the units that complete a line taking the rounding', () => {
    const line = { pricePaise: 10_000, quantity: 3, discountPaise: 1 }; // pays 29999
    expect(itemShare(line, { quantity: 0, paise: 0 }, 1)).toBe(9999);
    expect(itemShare(line, { quantity: 1, paise: 9999 }, 1)).toBe(9999);
    expect(itemShare(line, { quantity: 2, paise: 19998 }, 1)).toBe(10001);
    expect(itemShare(line, { quantity: 0, paise: 0 }, 3)).toBe(29999);
    expect(itemShare(line, { quantity: 1, paise: 9999 }, 2)).toBe(20000);
    // Past 2^53 in the product, still exact.
    expect(
      itemShare(
        { pricePaise: 1_000_000_000, quantity: 1_000_000, discountPaise: 7 },
        { quantity: 0, paise: 0 },
        999_999,
      ),
    ).toBe(999_998_999_999_993);
  });
});

describe('POST /api/orders/{id}/refunds/', { timeout: 4 * SETTLE_WAIT_MS }, () => {
  it('refunds one unit of three with restock: pending, then processed by the job; stock back once; revenue net drops by it', async () => {
    const { order, payment, itemId, captured } = await paidOrder();
    const before = await dashboard();
    const calls = fake.count(REFUND);
    const created = await refunded(order.id, {
      items: [{ item_id: itemId, quantity: 1 }],
      reason: 'Damaged in transit',
      restock: true,
    });
    expect(created).toMatchObject({
      amount: '333.33',
      status: 'pending',
      items: [{ item_id: itemId, quantity: 1, amount: '333.33' }],
      razorpay_refund_id: null,
      reason: 'Damaged in transit',
      restock: true,
    });
    const detail = await settled(order.id, created.id);
    expect(fake.count(REFUND)).toBe(calls + 1);
    const asked = fake.refunds.filter((r) => r.payment_id === payment.id);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      amount: 33333,
      receipt: `refund_${created.id}`,
      notes: { shop_refund_id: String(created.id) },
    });
    expect(detail.payment_status).toBe('partially_refunded');
    expect(detail.refunds).toEqual([
      { ...created, status: 'processed', razorpay_refund_id: asked[0]!.id },
    ]);
    expect(detail.status_history.at(-1)).toMatchObject({
      from_status: 'paid',
      to_status: 'paid',
      changed_by: admin.username,
    });
    expect(detail.status_history.at(-1)!.note).toContain(`Refund #${created.id} of 333.33`);
    expect(await productStock(ctx, order.productId)).toBe(98);
    expect((await paymentRows(ctx, order.id))[0]).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: '333.33',
    });

    const after = await dashboard();
    expect(paise(after.total_revenue)).toBe(paise(before.total_revenue));
    expect(paise(after.total_refunded) - paise(before.total_refunded)).toBe(33333);
    expect(paise(after.net_revenue)).toBe(paise(before.net_revenue) - 33333);

    // The shopper sees the refund too.
    expect((await getOrder(ctx, user, order.id)).refunds).toHaveLength(1);

    // The other two units: their share completes the line; the rest of the order (shipping) by amount.
    const rest = await refunded(order.id, {
      items: [{ item_id: itemId, quantity: 2 }],
      reason: 'Returned',
    });
    expect(rest.amount).toBe('666.66');
    await settled(order.id, rest.id);
    expect(await productStock(ctx, order.productId)).toBe(98); // no restock asked
    const left = captured - 99_999;
    let final: OrderDetail;
    if (left > 0) {
      const last = await refunded(order.id, {
        amount: (left / 100).toFixed(2),
        reason: 'Shipping',
      });
      final = await settled(order.id, last.id);
    } else {
      final = await getOrder(ctx, admin, order.id);
    }
    expect(final.payment_status).toBe('refunded');
    expect(fake.payments.get(payment.id)).toMatchObject({
      status: 'refunded',
      amount_refunded: captured,
      refund_status: 'full',
    });
    // Refunded in full: out of revenue, and its refunds out of `refunded`; net dropped by all of it.
    const end = await dashboard();
    expect(paise(end.net_revenue)).toBe(paise(before.net_revenue) - captured);
    expect(paise(end.total_refunded)).toBe(paise(before.total_refunded));
    await expectCountersMatchOrders(ctx.database);

    // Nothing is left: any more is 409.
    expectProblem(
      await refund(order.id, { amount: '0.01', reason: 'More' }),
      409,
      'refund_exceeds_payment',
    );
  });

  it('bad input is 400 naming every wrong field; staff only; unknown order 404', async () => {
    const { order, itemId } = await paidOrder();
    const res = await refund(order.id, { amount: 'abc', reason: '  ', restock: 'yes' });
    const body = expectProblem(res, 400, 'validation_error');
    expect(Object.keys(body.errors ?? {}).sort()).toEqual(['amount', 'reason', 'restock'].sort());
    const money = expectProblem(
      await refund(order.id, { amount: '1.234', reason: 'x' }),
      400,
      'validation_error',
      'amount',
    );
    expect(money.errors!.amount![0]).toMatch(/decimal/);
    expectProblem(await refund(order.id, { reason: 'x' }), 400, 'validation_error', 'items');
    const items = expectProblem(
      await refund(order.id, {
        items: [
          { item_id: itemId, quantity: 4 },
          { item_id: 999_999, quantity: 1 },
        ],
        reason: 'x',
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(items.errors!).sort()).toEqual(['items.0.quantity', 'items.1.item_id']);
    expectProblem(
      await refund(order.id, {
        items: [{ item_id: itemId, quantity: 1 }],
        amount: '333.34',
        reason: 'x',
      }),
      400,
      'validation_error',
      'amount',
    );
    expectProblem(
      await refund(order.id, { amount: 5, reason: 'x' }, user),
      403,
      'permission_denied',
    );
    expectProblem(
      await refund(order.id, { amount: 5, reason: 'x' }, null),
      401,
      'not_authenticated',
    );
    expectProblem(await refund(999_999, { amount: 5, reason: 'x' }), 404, 'not_found');
    expect((await getOrder(ctx, admin, order.id)).refunds).toEqual([]);
  });

  it('an unpaid or cancelled order is 409', async () => {
    const unpaid = await orderOf(shop, user, '10.00', 1);
    expectProblem(await refund(unpaid.id, { amount: '1.00', reason: 'x' }), 409, 'conflict');
  });

  it('a delivered order can be refunded; by amount; the items’ share after their discount', async () => {
    const { order, itemId } = await paidOrder();
    for (const status of ['processing', 'shipped', 'delivered']) {
      const res = await call(ctx, 'PATCH', `/api/orders/${order.id}/update_status/`, admin, {
        status,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    // The line's share of an order discount (set here: checkout's promotions are another part's).
    await ctx.database.db
      .update(orderItems)
      .set({ discount: '0.02' })
      .where(eq(orderItems.id, itemId));
    const one = await refunded(order.id, {
      items: [{ item_id: itemId, quantity: 1 }],
      reason: 'Wrong size',
    });
    expect(one.amount).toBe('333.32'); // floor(99997 / 3)
    const two = await refunded(order.id, {
      items: [{ item_id: itemId, quantity: 2 }],
      reason: 'Wrong size',
    });
    expect(two.amount).toBe('666.65'); // 99997 − 33332
    const detail = await settled(order.id, two.id);
    expect(detail.status).toBe('delivered');
    expectProblem(
      await refund(order.id, { items: [{ item_id: itemId, quantity: 1 }], reason: 'again' }),
      409,
      'refund_exceeds_quantity',
    );
  });

  it('refund.processed settles a pending refund once; refund.failed gives its amount and units back', async () => {
    fake.refundStatus = 'pending';
    const { order, payment, itemId } = await paidOrder();
    const first = await refunded(order.id, {
      items: [{ item_id: itemId, quantity: 3 }],
      reason: 'Returned',
      restock: true,
    });
    // The job asked Razorpay; the refund stays pending until the webhook.
    const asked = await waitForOrder(
      ctx,
      admin,
      order.id,
      (o) => o.refunds[0]!.razorpay_refund_id !== null,
      'refund asked',
    );
    expect(asked.refunds[0]!.status).toBe('pending');
    expect(asked.payment_status).toBe('success');
    // Pending units cannot be refunded again.
    expectProblem(
      await refund(order.id, { items: [{ item_id: itemId, quantity: 1 }], reason: 'x' }),
      409,
      'refund_exceeds_quantity',
    );

    const rzp = fake.settleRefund(asked.refunds[0]!.razorpay_refund_id!, 'failed');
    expect(
      (await deliver(ctx, fake.webhook('refund.failed', { refund: rzp, payment }))).statusCode,
    ).toBe(200);
    const failed = await getOrder(ctx, admin, order.id);
    expect(failed.refunds[0]).toMatchObject({ id: first.id, status: 'failed' });
    expect(failed.payment_status).toBe('success');
    expect(await productStock(ctx, order.productId)).toBe(97); // restock only when processed

    // Its units and amount are free again.
    const second = await refunded(order.id, {
      items: [{ item_id: itemId, quantity: 3 }],
      reason: 'Returned',
      restock: true,
    });
    expect(second.amount).toBe('999.99');
    const pending = await waitForOrder(
      ctx,
      admin,
      order.id,
      (o) => o.refunds[1]?.razorpay_refund_id != null,
      'second refund asked',
    );
    const rzp2 = fake.settleRefund(pending.refunds[1]!.razorpay_refund_id!, 'processed');
    const delivery = fake.webhook('refund.processed', { refund: rzp2, payment });
    expect((await deliver(ctx, delivery)).statusCode).toBe(200);
    // Redelivered under another event id: counts once.
    expect(
      (await deliver(ctx, fake.webhook('refund.processed', { refund: rzp2, payment }))).statusCode,
    ).toBe(200);
    const done = await getOrder(ctx, admin, order.id);
    expect(done.refunds.map((r) => r.status)).toEqual(['failed', 'processed']);
    expect(await productStock(ctx, order.productId)).toBe(100);
    expect(done.payment_status).toBe(
      paise(done.total_amount) === 99_999 ? 'refunded' : 'partially_refunded',
    );
    await expectCountersMatchOrders(ctx.database);
  });

  it('Razorpay refusing the refund fails it (nothing is taken)', async () => {
    const { order, payment } = await paidOrder();
    // Razorpay already gave most of it back (its dashboard): the shop's ask is refused.
    fake.addRefund(payment.id, 99_000, 'processed');
    const created = await refunded(order.id, { amount: '500.00', reason: 'Goodwill' });
    const detail = await settled(order.id, created.id, 'failed');
    // The job recorded the dashboard's refund first (Razorpay lists it): that one counts.
    expect(detail.refunds.map((r) => [r.amount, r.status])).toEqual([
      ['500.00', 'failed'],
      ['990.00', 'processed'],
    ]);
    expect(detail.payment_status).toBe('partially_refunded');
    expect((await paymentRows(ctx, order.id))[0]!.refundedAmount).toBe('990.00');
  });

  it('a manual payment’s refund is processed at once, with no gateway call', async () => {
    const product = await orderOf(shop, user, '120.00', 2);
    const paid = await call(ctx, 'PATCH', `/api/orders/${product.id}/update_status/`, admin, {
      status: 'paid',
      payment: CASH,
    });
    expect(paid.statusCode, paid.body).toBe(200);
    const calls = fake.requests.length;
    const created = await refunded(product.id, {
      items: [{ item_id: product.items[0]!.id, quantity: 1 }],
      reason: 'Cash back',
      restock: true,
    });
    expect(created).toMatchObject({
      status: 'processed',
      amount: '120.00',
      razorpay_refund_id: null,
    });
    expect(fake.requests.length).toBe(calls);
    const detail = await getOrder(ctx, admin, product.id);
    expect(detail.payment_status).toBe('partially_refunded');
    expect(await productStock(ctx, product.productId)).toBe(99);
    await expectCountersMatchOrders(ctx.database);
  });

  it('an Idempotency-Key repeats the first answer and refunds once', async () => {
    const { order, itemId } = await paidOrder();
    const body = { items: [{ item_id: itemId, quantity: 1 }], reason: 'Once' };
    const headers = { 'idempotency-key': `refund-${order.id}` };
    const first = await refund(order.id, body, admin, headers);
    expect(first.statusCode, first.body).toBe(201);
    const again = await refund(order.id, body, admin, headers);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expectProblem(
      await refund(order.id, { ...body, reason: 'Other' }, admin, headers),
      409,
      'idempotency_conflict',
    );
    expect((await getOrder(ctx, admin, order.id)).refunds).toHaveLength(1);
  });

  it('cancelling after a partial refund refunds what remains, and restores only the units not restocked', async () => {
    const { order, payment, itemId, captured } = await paidOrder();
    const part = await refunded(order.id, {
      items: [{ item_id: itemId, quantity: 1 }],
      reason: 'One back',
      restock: true,
    });
    await settled(order.id, part.id);
    expect(await productStock(ctx, order.productId)).toBe(98);
    const res = await call(ctx, 'PATCH', `/api/orders/${order.id}/update_status/`, admin, {
      status: 'cancelled',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await productStock(ctx, order.productId)).toBe(100);
    const done = await waitForOrder(
      ctx,
      admin,
      order.id,
      (o) => o.payment_status === 'refunded',
      'refunded',
      JOB_WAIT_MS,
    );
    expect(done.refunds.map((r) => [r.amount, r.status])).toEqual([
      ['333.33', 'processed'],
      [((captured - 33_333) / 100).toFixed(2), 'processed'],
    ]);
    expect(fake.payments.get(payment.id)!.amount_refunded).toBe(captured);
    expect(await productStock(ctx, order.productId)).toBe(100);
    await expectCountersMatchOrders(ctx.database);
  });
});

describe.runIf(onPostgres())(
  'parallel refunds (PostgreSQL, parallel connections)',
  { timeout: 2 * SETTLE_WAIT_MS },
  () => {
    it('10 refunds of 1 unit of a line of 3: exactly 3 succeed, the others 409; never more than captured', async () => {
      const { order, payment, itemId, captured } = await paidOrder();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          refund(order.id, { items: [{ item_id: itemId, quantity: 1 }], reason: `Race ${i}` }),
        ),
      );
      const codes = results.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 201)).toHaveLength(3);
      for (const r of results.filter((x) => x.statusCode !== 201))
        expectProblem(r, 409, 'refund_exceeds_quantity');
      const amounts = results
        .filter((r) => r.statusCode === 201)
        .map((r) => paise(r.json<Refund>().amount));
      expect(amounts.reduce((a, b) => a + b, 0)).toBe(99_999);
      const done = await waitForOrder(
        ctx,
        admin,
        order.id,
        (o) => o.refunds.length === 3 && o.refunds.every((r) => r.status === 'processed'),
        'three refunds processed',
        SETTLE_WAIT_MS,
      );
      expect(fake.payments.get(payment.id)!.amount_refunded).toBe(99_999);
      expect(99_999).toBeLessThanOrEqual(captured);
      expect(done.refunds).toHaveLength(3);
      const [row] = await queryRows<{ n: number }>(
        ctx.database.db,
        sql`select count(*)::int as n from refunds r join payments p on p.id = r.payment_id where p.order_id = ${order.id}`,
      );
      expect(row!.n).toBe(3);
    });

    it('parallel refunds by amount never exceed the captured amount', async () => {
      const { order, captured } = await paidOrder();
      const each = Math.floor(captured / 4);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          refund(order.id, { amount: (each / 100).toFixed(2), reason: `Amount race ${i}` }),
        ),
      );
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(4);
      for (const r of results.filter((x) => x.statusCode !== 201))
        expectProblem(r, 409, 'refund_exceeds_payment');
    });
  },
);
