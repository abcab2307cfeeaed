import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payments } from '../../src/db/schema/index.js';
import { type TestContext, unique } from '../helpers/app.js';
import { makeAdmin, makeProduct, makeUser, placeOrder, type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  call,
  type Initiated,
  initiate,
  initiated,
  closePaymentsShop,
  openPaymentsShop,
  orderOf,
  paymentRows,
  payOrder,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';

let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;

beforeAll(async () => {
  ({ fake, ctx, shop, user } = await openPaymentsShop());
});
afterAll(() => closePaymentsShop({ ctx, fake }));

describe('amounts in paise, exactly', () => {
  it('3 × 1499.50 is 449850 paise, at Razorpay too, with the order number as receipt', async () => {
    const order = await orderOf(shop, user, '1499.50', 3);
    expect(order.total_amount).toBe('4498.50');
    const body = await initiated(ctx, user, order.id);
    expect(body).toEqual({
      razorpay_order_id: expect.stringMatching(/^order_/),
      razorpay_key_id: fake.keyId,
      amount: 449850,
      currency: 'INR',
      order_id: order.id,
      order_number: order.order_number,
    });
    expect(fake.orders.get(body.razorpay_order_id)).toMatchObject({
      amount: 449850,
      currency: 'INR',
      receipt: order.order_number,
      notes: { order_id: String(order.id) },
    });
    const [row] = await paymentRows(ctx, order.id);
    expect(row).toMatchObject({
      status: 'initiated',
      razorpayOrderId: body.razorpay_order_id,
      currency: 'INR',
    });
    expect(row!.amount).toBe('4498.50');
  });

  it('10 × 0.10 + 10 × 0.20 is exactly 3.00, i.e. 300 paise', async () => {
    const dime = await makeProduct(shop, { price: '0.10' });
    const twenty = await makeProduct(shop, { price: '0.20' });
    const order = await placeOrder(ctx, user, [
      [dime.id, 10],
      [twenty.id, 10],
    ]);
    expect(order.total_amount).toBe('3.00');
    const body = await initiated(ctx, user, order.id);
    expect(body.amount).toBe(300);
    expect(fake.orders.get(body.razorpay_order_id)!.amount).toBe(300);
  });

  it.each([
    ['19.99', 3, '59.97', 5997],
    ['1.15', 1, '1.15', 115],
    ['4.35', 1, '4.35', 435],
    ['0.57', 2, '1.14', 114],
    ['99999.99', 7, '699999.93', 69999993],
  ])('%s × %i = %s is %i paise (no float truncation)', async (price, quantity, total, paise) => {
    const order = await orderOf(shop, user, price, quantity);
    expect(order.total_amount).toBe(total);
    const body = await initiated(ctx, user, order.id);
    expect(body.amount).toBe(paise);
    expect(fake.orders.get(body.razorpay_order_id)!.amount).toBe(paise);
  });

  it('an order under ₹1.00 is 400 without calling Razorpay or writing a payment', async () => {
    const order = await orderOf(shop, user, '0.45', 2);
    expect(order.total_amount).toBe('0.90');
    const before = fake.count('POST /v1/orders');
    const res = await initiate(ctx, user, order.id);
    const problem = expectProblem(res, 400, 'bad_request');
    expect(problem.detail).toMatch(/1\.00/);
    expect(fake.count('POST /v1/orders')).toBe(before);
    expect(await paymentRows(ctx, order.id)).toEqual([]);
  });

  it('exactly ₹1.00 is accepted (100 paise)', async () => {
    const order = await orderOf(shop, user, '0.50', 2);
    expect((await initiated(ctx, user, order.id)).amount).toBe(100);
  });
});

describe('who may initiate', () => {
  it('anonymous is 401', async () => {
    const order = await orderOf(shop, user);
    expectProblem(await initiate(ctx, null, order.id), 401, 'not_authenticated');
  });

  it("another user's order is 404, an admin's too, and nothing reaches Razorpay", async () => {
    const order = await orderOf(shop, user);
    const stranger = await makeUser(ctx);
    const admin = await makeAdmin(ctx);
    const before = fake.count('POST /v1/orders');
    expectProblem(await initiate(ctx, stranger, order.id), 404, 'not_found');
    expectProblem(await initiate(ctx, admin, order.id), 404, 'not_found');
    expect(fake.count('POST /v1/orders')).toBe(before);
    expect(await paymentRows(ctx, order.id)).toEqual([]);
  });

  it('an order that does not exist is 404; a bad order_id is 400', async () => {
    expectProblem(await initiate(ctx, user, 2_000_000_000), 404, 'not_found');
    const res = await call(ctx, 'POST', '/api/payments/initiate/', user, { order_id: 'abc' });
    expect(res.statusCode).toBe(400);
    const missing = await call(ctx, 'POST', '/api/payments/initiate/', user, {});
    expect(missing.statusCode).toBe(400);
  });
});

describe('one Razorpay order per order', () => {
  it('a second initiate answers the same Razorpay order without calling Razorpay again', async () => {
    const order = await orderOf(shop, user);
    const first = await initiated(ctx, user, order.id);
    const before = fake.count('POST /v1/orders');
    const second = await initiated(ctx, user, order.id);
    expect(second).toEqual(first);
    expect(fake.count('POST /v1/orders')).toBe(before);
    expect(await paymentRows(ctx, order.id)).toHaveLength(1);
  });

  it('five concurrent initiates: all 200, one Razorpay order, one POST /v1/orders', async () => {
    const order = await orderOf(shop, user);
    const before = fake.count('POST /v1/orders');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => initiate(ctx, user, order.id)),
    );
    for (const res of answers) expect(res.statusCode, res.body).toBe(200);
    const ids = new Set(answers.map((res) => res.json<Initiated>().razorpay_order_id));
    expect(ids.size).toBe(1);
    expect(fake.count('POST /v1/orders')).toBe(before + 1);
    const rows = await paymentRows(ctx, order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.razorpayOrderId).toBe([...ids][0]);
  });

  it('a paid order is 409', async () => {
    const order = await orderOf(shop, user);
    await payOrder(ctx, fake, user, order.id);
    const before = fake.count('POST /v1/orders');
    const problem = expectProblem(await initiate(ctx, user, order.id), 409, 'conflict');
    expect(problem.detail).toMatch(/paid/);
    expect(fake.count('POST /v1/orders')).toBe(before);
  });

  it('a cancelled order is 409, whether initiated before or not', async () => {
    const fresh = await orderOf(shop, user);
    expect((await call(ctx, 'POST', `/api/orders/${fresh.id}/cancel/`, user)).statusCode).toBe(200);
    const before = fake.count('POST /v1/orders');
    expect(expectProblem(await initiate(ctx, user, fresh.id), 409, 'conflict').detail).toMatch(
      /cancelled/,
    );
    expect(fake.count('POST /v1/orders')).toBe(before);
    expect(await paymentRows(ctx, fresh.id)).toEqual([]);

    const started = await orderOf(shop, user);
    await initiated(ctx, user, started.id);
    expect((await call(ctx, 'POST', `/api/orders/${started.id}/cancel/`, user)).statusCode).toBe(
      200,
    );
    expectProblem(await initiate(ctx, user, started.id), 409, 'conflict');
  });

  it('an intent abandoned by a crash (no Razorpay order recorded) does not block the order for good', async () => {
    const order = await orderOf(shop, user);
    // What a process that died between recording the intent and the result leaves behind.
    const longAgo = new Date(Date.now() - 3_600_000);
    await ctx.database.db.insert(payments).values({
      orderId: order.id,
      amount: order.total_amount,
      status: 'initiated',
      createdAt: longAgo,
      updatedAt: longAgo,
    });
    const before = fake.count('POST /v1/orders');
    const started = Date.now();
    const body = await initiated(ctx, user, order.id);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fake.count('POST /v1/orders')).toBe(before + 1);
    const rows = await paymentRows(ctx, order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.razorpayOrderId).toBe(body.razorpay_order_id);
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body replays the first answer with idempotent-replayed: true', async () => {
    const order = await orderOf(shop, user);
    const key = unique('pay-key-');
    const first = await initiate(ctx, user, order.id, { 'idempotency-key': key });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const before = fake.count('POST /v1/orders');
    const again = await initiate(ctx, user, order.id, { 'idempotency-key': key });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(fake.count('POST /v1/orders')).toBe(before);
  });

  it('the same key with another body (another order) is 409 idempotency_conflict', async () => {
    const one = await orderOf(shop, user);
    const two = await orderOf(shop, user);
    const key = unique('pay-key-');
    expect((await initiate(ctx, user, one.id, { 'idempotency-key': key })).statusCode).toBe(200);
    const before = fake.count('POST /v1/orders');
    expectProblem(
      await initiate(ctx, user, two.id, { 'idempotency-key': key }),
      409,
      'idempotency_conflict',
    );
    expect(fake.count('POST /v1/orders')).toBe(before);
    expect(await paymentRows(ctx, two.id)).toEqual([]);
  });

  it('keys are per user: another user with the same key is not a replay of mine', async () => {
    const order = await orderOf(shop, user);
    const key = unique('pay-key-');
    expect((await initiate(ctx, user, order.id, { 'idempotency-key': key })).statusCode).toBe(200);
    const stranger = await makeUser(ctx);
    expectProblem(
      await initiate(ctx, stranger, order.id, { 'idempotency-key': key }),
      404,
      'not_found',
    );
  });

  it('a key longer than 255 characters is 400', async () => {
    const order = await orderOf(shop, user);
    const res = await initiate(ctx, user, order.id, { 'idempotency-key': 'k'.repeat(256) });
    expect(res.statusCode).toBe(400);
    expect(await paymentRows(ctx, order.id)).toEqual([]);
  });
});

describe('stored state', () => {
  it('the payment row is keyed by the order and holds the amount and Razorpay order', async () => {
    const order = await orderOf(shop, user, '12.34', 3);
    const body = await initiated(ctx, user, order.id);
    const [row] = await ctx.database.db
      .select()
      .from(payments)
      .where(eq(payments.razorpayOrderId, body.razorpay_order_id));
    expect(row).toMatchObject({ orderId: order.id, status: 'initiated', razorpayPaymentId: null });
    expect(row!.amount).toBe('37.02');
  });
});
