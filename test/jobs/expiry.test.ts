import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../src/db/schema/index.js';
import { type TestContext } from '../helpers/app.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  closePaymentsShop,
  getOrder,
  historyTo,
  initiate,
  openPaymentsShop,
  orderOf,
  payOrder,
  productStock,
  waitForOrder,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';

const TIMEOUT_SECONDS = 2;
/** The deadline, plus pg-boss polling (0.5 s) and some slack for a loaded machine. */
const EXPIRY_WAIT_MS = 8_000;

let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;

beforeAll(async () => {
  ({ fake, ctx, shop, user } = await openPaymentsShop(
    { ORDER_PAYMENT_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) },
    { jobs: true },
  ));
});
afterAll(() => closePaymentsShop({ ctx, fake }));

describe('unpaid orders expire after ORDER_PAYMENT_TIMEOUT_SECONDS', () => {
  it(
    'an unpaid order is cancelled by "system" within seconds of its deadline, its stock restored',
    { timeout: 20_000 },
    async () => {
      const placedAt = Date.now();
      const order = await orderOf(shop, user, '75.00', 4);
      expect(await productStock(ctx, order.productId)).toBe(96);
      const [row] = await ctx.database.db.select().from(orders).where(eq(orders.id, order.id));
      const deadline = row!.paymentDeadline!.getTime();
      expect(deadline - placedAt).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000 - 1_000);
      expect(deadline - placedAt).toBeLessThanOrEqual(TIMEOUT_SECONDS * 1000 + 3_000);

      const cancelled = await waitForOrder(
        ctx,
        user,
        order.id,
        (o) => o.status === 'cancelled',
        'expired',
        EXPIRY_WAIT_MS,
      );
      // Not before its deadline.
      expect(Date.now()).toBeGreaterThanOrEqual(deadline);
      expect(cancelled.payment_status).toBe('pending');
      expect(cancelled.status_history.at(-1)).toMatchObject({
        from_status: 'pending',
        to_status: 'cancelled',
        changed_by: 'system',
      });
      expect(await historyTo(ctx, order.id, 'cancelled')).toHaveLength(1);
      expect(await productStock(ctx, order.productId)).toBe(100);
      // Too late to pay now.
      expectProblem(await initiate(ctx, user, order.id), 409, 'conflict');
    },
  );

  it('an order paid before its deadline is not cancelled', { timeout: 20_000 }, async () => {
    const paid = await orderOf(shop, user, '75.00', 2);
    const placedAt = Date.now();
    await payOrder(ctx, fake, user, paid.id);
    expect(Date.now() - placedAt).toBeLessThan(TIMEOUT_SECONDS * 1000);
    expect((await getOrder(ctx, user, paid.id)).status).toBe('paid');
    const unpaid = await orderOf(shop, user, '75.00', 2);
    // Once the unpaid twin, placed after it, has expired, the paid one's job has run too.
    await waitForOrder(
      ctx,
      user,
      unpaid.id,
      (o) => o.status === 'cancelled',
      'expired',
      EXPIRY_WAIT_MS,
    );
    const detail = await getOrder(ctx, user, paid.id);
    expect(detail).toMatchObject({ status: 'paid', payment_status: 'success' });
    expect(await historyTo(ctx, paid.id, 'cancelled')).toHaveLength(0);
    expect(await productStock(ctx, paid.productId)).toBe(98);
  });

  it(
    'an order that failed payment (payment_failed) expires as well',
    { timeout: 20_000 },
    async () => {
      const order = await orderOf(shop, user, '75.00', 1);
      const res = await initiate(ctx, user, order.id);
      expect(res.statusCode, res.body).toBe(200);
      const failed = fake.fail(res.json().razorpay_order_id);
      const delivery = fake.webhook('payment.failed', { payment: failed });
      const hook = await ctx.app.inject({
        method: 'POST',
        url: '/api/payments/webhook/',
        headers: delivery.headers,
        payload: delivery.body,
      });
      expect(hook.statusCode).toBe(200);
      expect((await getOrder(ctx, user, order.id)).status).toBe('payment_failed');
      const cancelled = await waitForOrder(
        ctx,
        user,
        order.id,
        (o) => o.status === 'cancelled',
        'expired',
        EXPIRY_WAIT_MS,
      );
      expect(cancelled.status_history.at(-1)).toMatchObject({
        from_status: 'payment_failed',
        to_status: 'cancelled',
        changed_by: 'system',
      });
      expect(await productStock(ctx, order.productId)).toBe(100);
    },
  );

  it(
    'an order the owner cancelled first is left alone by its expiry job',
    { timeout: 20_000 },
    async () => {
      const order = await orderOf(shop, user, '75.00', 3);
      const twin = await orderOf(shop, user, '75.00', 1);
      const res = await ctx.app.inject({
        method: 'POST',
        url: `/api/orders/${order.id}/cancel/`,
        headers: { authorization: `Bearer ${user.access}` },
      });
      expect(res.statusCode, res.body).toBe(200);
      await waitForOrder(
        ctx,
        user,
        twin.id,
        (o) => o.status === 'cancelled',
        'expired',
        EXPIRY_WAIT_MS,
      );
      const history = await historyTo(ctx, order.id, 'cancelled');
      expect(history).toHaveLength(1);
      expect(history[0]!.changedBy).toBe(user.username);
      expect(await productStock(ctx, order.productId)).toBe(100);
    },
  );
});
