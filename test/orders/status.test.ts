import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, placeOrder, type Shop, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import {
  cancelOrder,
  getOrder,
  ISO,
  ok,
  type OrderDetail,
  type ProductDetail,
  stockOf,
  updateStatus,
  CASH,
  send,
} from '../helpers/shop.js';
import type { ResponseBody } from '../helpers/client.js';

let ctx: TestContext;
let shop: Shop;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
  admin = shop.admin;
});
afterAll(async () => ctx?.close());

/** A fresh product (stock 20) and a user with a pending order of 3 of it. */
async function pendingOrder(): Promise<{ user: TestUser; product: ProductDetail; order: OrderDetail }> {
  const [product, user] = await Promise.all([makeProduct(shop, { stock: 20, price: '15.00' }), makeUser(ctx)]);
  const order = await placeOrder(ctx, user, [[product.id, 3]]);
  expect(await stockOf(shop, product.id)).toBe(17);
  return { user, product, order };
}

/** Moves an order along the given statuses as the admin, asserting each step succeeds. */
async function moveThrough(id: number, statuses: string[]): Promise<OrderDetail> {
  let detail: OrderDetail | undefined;
  for (const status of statuses) {
    detail = ok<OrderDetail>(await updateStatus(ctx, admin, id, status, undefined, status === 'paid' ? CASH : undefined));
  }
  return detail!;
}

describe('cancel', () => {
  it('the owner cancels a pending order: status, history and stock come back', async () => {
    const { user, product, order } = await pendingOrder();
    const res = await cancelOrder(ctx, user, order.id);
    const cancelled = ok<OrderDetail>(res);
    expect(cancelled).toMatchObject({
      id: order.id,
      order_number: order.order_number,
      status: 'cancelled',
      payment_status: 'pending',
      total_amount: '45.00',
    });
    expect(cancelled.status_history).toEqual([
      order.status_history[0],
      {
        from_status: 'pending',
        to_status: 'cancelled',
        changed_by: user.username,
        note: expect.any(String),
        created_at: expect.stringMatching(ISO),
      },
    ]);
    expect(await stockOf(shop, product.id)).toBe(20);
    expect(await getOrder(ctx, user, order.id)).toEqual(cancelled);
  });

  it('cancelling again is 409 and stock comes back only once', async () => {
    const { user, product, order } = await pendingOrder();
    ok(await cancelOrder(ctx, user, order.id));
    expectProblem(await cancelOrder(ctx, user, order.id), 409, 'conflict');
    expectProblem(await cancelOrder(ctx, admin, order.id), 409, 'conflict');
    expectProblem(await updateStatus(ctx, admin, order.id, 'cancelled'), 409, 'conflict');
    expect(await stockOf(shop, product.id)).toBe(20);
    expect((await getOrder(ctx, user, order.id)).status_history).toHaveLength(2);
  });

  it('concurrent cancels restore stock once', async () => {
    const { user, product, order } = await pendingOrder();
    const results = await Promise.all([
      cancelOrder(ctx, user, order.id),
      cancelOrder(ctx, user, order.id),
      cancelOrder(ctx, admin, order.id),
      updateStatus(ctx, admin, order.id, 'cancelled'),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409]);
    expect(await stockOf(shop, product.id)).toBe(20);
    expect((await getOrder(ctx, user, order.id)).status_history).toHaveLength(2);
  });

  it('an admin can cancel a user’s pending order', async () => {
    const { user, product, order } = await pendingOrder();
    const cancelled = ok<OrderDetail>(await cancelOrder(ctx, admin, order.id));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.status_history.at(-1)).toMatchObject({
      from_status: 'pending',
      to_status: 'cancelled',
      changed_by: admin.username,
    });
    expect(await stockOf(shop, product.id)).toBe(20);
    expect((await getOrder(ctx, user, order.id)).status).toBe('cancelled');
  });

  it('the owner can cancel a payment_failed order', async () => {
    const { user, product, order } = await pendingOrder();
    await moveThrough(order.id, ['payment_failed']);
    const cancelled = ok<OrderDetail>(await cancelOrder(ctx, user, order.id));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.status_history.at(-1)).toMatchObject({ from_status: 'payment_failed', to_status: 'cancelled' });
    expect(await stockOf(shop, product.id)).toBe(20);
  });

  it('a paid order cannot be cancelled through cancel/ (409), by the owner or an admin', async () => {
    const { user, product, order } = await pendingOrder();
    await moveThrough(order.id, ['paid']);
    expectProblem(await cancelOrder(ctx, user, order.id), 409, 'conflict');
    expectProblem(await cancelOrder(ctx, admin, order.id), 409, 'conflict');
    const detail = await getOrder(ctx, user, order.id);
    expect(detail.status).toBe('paid');
    expect(detail.status_history).toHaveLength(2);
    expect(await stockOf(shop, product.id)).toBe(17);
  });

  it('another user’s order is 404; anonymous is 401', async () => {
    const { order } = await pendingOrder();
    const stranger = await makeUser(ctx);
    expectProblem(await cancelOrder(ctx, stranger, order.id), 404, 'not_found');
    expectProblem(await cancelOrder(ctx, null, order.id), 401, 'not_authenticated');
    expectProblem(await cancelOrder(ctx, stranger, 2_147_483_000), 404, 'not_found');
  });
});

describe('update_status', () => {
  it('is admin only', async () => {
    const { user, order } = await pendingOrder();
    expectProblem(await updateStatus(ctx, null, order.id, 'paid'), 401, 'not_authenticated');
    expectProblem(await updateStatus(ctx, user, order.id, 'paid'), 403, 'permission_denied');
    expect((await getOrder(ctx, user, order.id)).status).toBe('pending');
  });

  it('rejects an unknown status with 400 and a missing order with 404', async () => {
    const { order } = await pendingOrder();
    expectProblem(await updateStatus(ctx, admin, order.id, 'lost'), 400, 'validation_error', 'status');
    expectProblem(await updateStatus(ctx, admin, order.id, ''), 400, 'validation_error', 'status');
    expectProblem(await updateStatus(ctx, admin, 2_147_483_000, 'paid'), 404, 'not_found');
  });

  it('walks pending → paid → processing → shipped → delivered, recording each step', async () => {
    const { user, product, order } = await pendingOrder();
    const paid = ok<OrderDetail>(await updateStatus(ctx, admin, order.id, 'paid', 'Paid at the counter', CASH));
    expect(paid).toMatchObject({ status: 'paid', payment_status: 'success' });
    const processing = ok<OrderDetail>(await updateStatus(ctx, admin, order.id, 'processing'));
    expect(processing).toMatchObject({ status: 'processing', payment_status: 'success' });
    const shipped = ok<OrderDetail>(await updateStatus(ctx, admin, order.id, 'shipped', 'AWB 1234'));
    expect(shipped.status).toBe('shipped');
    const delivered = ok<OrderDetail>(await updateStatus(ctx, admin, order.id, 'delivered', 'Signed by customer'));
    expect(delivered).toMatchObject({ status: 'delivered', payment_status: 'success' });
    expect(delivered.status_history).toEqual([
      { from_status: null, to_status: 'pending', changed_by: user.username, note: expect.any(String), created_at: expect.stringMatching(ISO) },
      { from_status: 'pending', to_status: 'paid', changed_by: admin.username, note: 'Paid at the counter', created_at: expect.stringMatching(ISO) },
      { from_status: 'paid', to_status: 'processing', changed_by: admin.username, note: '', created_at: expect.stringMatching(ISO) },
      { from_status: 'processing', to_status: 'shipped', changed_by: admin.username, note: 'AWB 1234', created_at: expect.stringMatching(ISO) },
      { from_status: 'shipped', to_status: 'delivered', changed_by: admin.username, note: 'Signed by customer', created_at: expect.stringMatching(ISO) },
    ]);
    expect(await getOrder(ctx, user, order.id)).toEqual(delivered);
    // none of it touched stock
    expect(await stockOf(shop, product.id)).toBe(17);
  });

  it('refuses illegal transitions with 409 and changes nothing', async () => {
    const { user, order } = await pendingOrder();
    for (const to of ['shipped', 'delivered', 'processing', 'pending']) {
      expectProblem(await updateStatus(ctx, admin, order.id, to), 409, 'conflict');
    }
    expect(await getOrder(ctx, user, order.id)).toEqual(order);

    const { order: delivered } = await pendingOrder();
    await moveThrough(delivered.id, ['paid', 'processing', 'shipped', 'delivered']);
    for (const to of ['pending', 'paid', 'processing', 'shipped', 'cancelled', 'payment_failed', 'delivered']) {
      expectProblem(await updateStatus(ctx, admin, delivered.id, to), 409, 'conflict');
    }

    const { order: shipped } = await pendingOrder();
    await moveThrough(shipped.id, ['paid', 'processing', 'shipped']);
    expectProblem(await updateStatus(ctx, admin, shipped.id, 'cancelled'), 409, 'conflict');
    expectProblem(await updateStatus(ctx, admin, shipped.id, 'processing'), 409, 'conflict');
  });

  it('a cancelled order stays cancelled', async () => {
    const { product, order } = await pendingOrder();
    ok(await updateStatus(ctx, admin, order.id, 'cancelled'));
    for (const to of ['pending', 'paid', 'payment_failed', 'processing', 'cancelled']) {
      expectProblem(await updateStatus(ctx, admin, order.id, to), 409, 'conflict');
    }
    expect(await stockOf(shop, product.id)).toBe(20);
  });

  it('pending → cancelled restores stock once and records the note', async () => {
    const { user, product, order } = await pendingOrder();
    const cancelled = ok<OrderDetail>(await updateStatus(ctx, admin, order.id, 'cancelled', 'Out of delivery area'));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.status_history.at(-1)).toMatchObject({
      from_status: 'pending',
      to_status: 'cancelled',
      changed_by: admin.username,
      note: 'Out of delivery area',
    });
    expect(await stockOf(shop, product.id)).toBe(20);
    expectProblem(await cancelOrder(ctx, user, order.id), 409, 'conflict');
    expect(await stockOf(shop, product.id)).toBe(20);
  });

  it('paid → cancelled and processing → cancelled restore stock', async () => {
    const { product, order } = await pendingOrder();
    await moveThrough(order.id, ['paid', 'cancelled']);
    expect(await stockOf(shop, product.id)).toBe(20);
    const second = await pendingOrder();
    await moveThrough(second.order.id, ['paid', 'processing', 'cancelled']);
    expect(await stockOf(shop, second.product.id)).toBe(20);
  });

  it('pending → payment_failed → pending → paid follows the payment status', async () => {
    const { order } = await pendingOrder();
    const failed = ok<OrderDetail>(await updateStatus(ctx, admin, order.id, 'payment_failed'));
    expect(failed).toMatchObject({ status: 'payment_failed', payment_status: 'failed' });
    const retry = ok<OrderDetail>(await updateStatus(ctx, admin, order.id, 'pending', 'Customer retries'));
    expect(retry).toMatchObject({ status: 'pending', payment_status: 'pending' });
    expect(retry.status_history.at(-1)).toMatchObject({
      from_status: 'payment_failed',
      to_status: 'pending',
      changed_by: admin.username,
      note: 'Customer retries',
    });
    const paid = ok<OrderDetail>(await updateStatus(ctx, admin, order.id, 'paid', undefined, CASH));
    expect(paid).toMatchObject({ status: 'paid', payment_status: 'success' });
    expect(paid.status_history.map((h) => h.to_status)).toEqual(['pending', 'payment_failed', 'pending', 'paid']);
  });

  it('payment_failed → paid and payment_failed → cancelled are allowed', async () => {
    const a = await pendingOrder();
    const paid = await moveThrough(a.order.id, ['payment_failed', 'paid']);
    expect(paid).toMatchObject({ status: 'paid', payment_status: 'success' });
    const b = await pendingOrder();
    const cancelled = await moveThrough(b.order.id, ['payment_failed', 'cancelled']);
    expect(cancelled.status).toBe('cancelled');
    expect(await stockOf(shop, b.product.id)).toBe(20);
  });

  it('rejects a note over 500 characters', async () => {
    const { order } = await pendingOrder();
    expectProblem(await updateStatus(ctx, admin, order.id, 'paid', 'n'.repeat(501), CASH), 400, 'validation_error', 'note');
  });
});

describe('update_status to paid: a manual payment', () => {
  const paymentsOf = async (orderId: number) =>
    ok<ResponseBody<'getApiAdminPayments'>>(
      await send(ctx, 'GET', `/api/admin/payments/?order=${orderId}`, { user: admin }),
    );

  it('without payment is 400 naming payment, and nothing changes', async () => {
    const { user, order } = await pendingOrder();
    expectProblem(await updateStatus(ctx, admin, order.id, 'paid'), 400, 'validation_error', 'payment');
    expectProblem(await updateStatus(ctx, admin, order.id, 'paid', 'Paid at the counter'), 400, 'validation_error', 'payment');
    expect(await getOrder(ctx, user, order.id)).toEqual(order);
    expect((await paymentsOf(order.id)).count).toBe(0);
  });

  it('a bad payment is 400 naming its field, and nothing changes', async () => {
    const { user, order } = await pendingOrder();
    const bad: [Record<string, unknown>, string][] = [
      [{ method: 'card', reference: 'x' }, 'payment.method'],
      [{ reference: 'x' }, 'payment.method'],
      [{ method: 'cash' }, 'payment.reference'],
      [{ method: 'cash', reference: '' }, 'payment.reference'],
      [{ method: 'cash', reference: '   ' }, 'payment.reference'],
      [{ method: 'cash', reference: 'r'.repeat(201) }, 'payment.reference'],
    ];
    for (const [payment, field] of bad) {
      const res = await updateStatus(ctx, admin, order.id, 'paid', undefined, payment);
      const problem = expectProblem(res, 400, 'validation_error');
      expect(Object.keys(problem.errors ?? {}).join(' '), res.body).toMatch(new RegExp(field.replace('.', '[./]')));
    }
    // A payment with any other status is refused too.
    expectProblem(await updateStatus(ctx, admin, order.id, 'cancelled', undefined, CASH), 400, 'validation_error', 'payment');
    expect(await getOrder(ctx, user, order.id)).toEqual(order);
    expect((await paymentsOf(order.id)).count).toBe(0);
  });

  it('records a manual payment of the order total, by whom, with method and reference', async () => {
    const { order } = await pendingOrder();
    const paid = ok<OrderDetail>(
      await updateStatus(ctx, admin, order.id, 'paid', 'Paid by transfer', { method: 'bank_transfer', reference: ' NEFT-77 ' }),
    );
    expect(paid).toMatchObject({ status: 'paid', payment_status: 'success' });
    const payments = await paymentsOf(order.id);
    expect(payments.count).toBe(1);
    expect(payments.results[0]).toMatchObject({
      order_id: order.id,
      order_number: order.order_number,
      provider: 'manual',
      method: 'bank_transfer',
      reference: 'NEFT-77',
      recorded_by_id: admin.id,
      amount: '45.00',
      refunded_amount: '0.00',
      status: 'success',
      second_capture: false,
      razorpay_order_id: null,
      razorpay_payment_id: null,
    });
    // Only one move to paid, so only one manual payment: a second try is 409 and records nothing.
    expectProblem(await updateStatus(ctx, admin, order.id, 'paid', undefined, CASH), 409, 'conflict');
    expect((await paymentsOf(order.id)).count).toBe(1);
  });

  it('payment_failed → paid records it too', async () => {
    const { order } = await pendingOrder();
    await moveThrough(order.id, ['payment_failed', 'paid']);
    const payments = await paymentsOf(order.id);
    expect(payments.results).toEqual([expect.objectContaining({ provider: 'manual', method: 'cash', reference: CASH.reference })]);
  });
});
