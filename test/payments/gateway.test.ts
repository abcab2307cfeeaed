import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  closePaymentsShop,
  deliver,
  getOrder,
  initiate,
  type Initiated,
  openPaymentsShop,
  orderOf,
  paymentRows,
  storedEvents,
  verify,
  waitFor,
} from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';

/** Razorpay's timeout in this file: short enough to test a slow gateway quickly. */
const TIMEOUT_MS = 2_000;
/** The slow gateway's delay: well past the timeout. */
const SLOW_MS = TIMEOUT_MS + 1_500;

describe('Razorpay down or failing', () => {
  let ctx: TestContext;
  let fake: FakeRazorpay;
  let shop: Shop;
  let user: TestUser;

  beforeAll(async () => {
    ({ fake, ctx, shop, user } = await openPaymentsShop({ RAZORPAY_TIMEOUT_MS: String(TIMEOUT_MS) }));
  });
  afterAll(() => closePaymentsShop({ ctx, fake }));

  /** The gateway fails once in the given way: 503, no payment row; then initiate works. */
  async function downThenUp(breakIt: () => void, repair: () => void = () => {}) {
    const order = await orderOf(shop, user);
    const before = fake.count('POST /v1/orders');
    breakIt();
    const started = Date.now();
    const res = await initiate(ctx, user, order.id);
    const failedAfterMs = Date.now() - started;
    const problem = expectProblem(res, 503, 'service_unavailable');
    expect(problem.detail).toMatch(/gateway/i);
    // The 5xx shows no internals.
    expect(res.body).not.toMatch(/stack|at .*\.ts|127\.0\.0\.1/);
    expect(fake.count('POST /v1/orders')).toBe(before + 1);
    expect(await paymentRows(ctx, order.id)).toEqual([]);
    const detail = await getOrder(ctx, user, order.id);
    expect(detail).toMatchObject({ status: 'pending', payment_status: 'pending' });

    repair();
    const retry = await initiate(ctx, user, order.id);
    expect(retry.statusCode, retry.body).toBe(200);
    const body = retry.json<Initiated>();
    const rows = await paymentRows(ctx, order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ razorpayOrderId: body.razorpay_order_id, status: 'initiated' });
    return { order, body, failedAfterMs };
  }

  it('a 500 from Razorpay is 503 and leaves nothing behind; a later initiate succeeds', async () => {
    await downThenUp(() => fake.failNext(1, 500));
  });

  it('a 502 and a 429 are 503 too', async () => {
    await downThenUp(() => fake.failNext(1, 502));
    await downThenUp(() => fake.failNext(1, 429));
  });

  it('a dropped connection is 503 and leaves nothing behind', async () => {
    await downThenUp(() => fake.failNext(1, 0));
  });

  it('a gateway slower than RAZORPAY_TIMEOUT_MS is 503 and leaves nothing behind', async () => {
    const { order, body, failedAfterMs } = await downThenUp(
      () => (fake.delayMs = SLOW_MS),
      () => (fake.delayMs = 0),
    );
    // The app gave up at the timeout; it did not wait for the slow answer.
    expect(failedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(failedAfterMs).toBeLessThan(SLOW_MS);
    // The slow call still made a Razorpay order, which the app never recorded nor handed out
    // (and which would otherwise consume the next test's failNext when it finally lands).
    const made = await waitFor(
      async () => {
        const forOrder = [...fake.orders.values()].filter((o) => o.receipt === order.order_number);
        return forOrder.length === 2 ? forOrder : null;
      },
      'the slow Razorpay order',
      5_000,
    );
    const orphan = made.find((o) => o.id !== body.razorpay_order_id)!;
    expect((await paymentRows(ctx, order.id)).map((r) => r.razorpayOrderId)).toEqual([
      body.razorpay_order_id,
    ]);
    expect(orphan.id).not.toBe(body.razorpay_order_id);
  });

  it('Razorpay rejecting the request (4xx) is 503 as well, nothing written', async () => {
    await downThenUp(() => fake.failNext(1, 400));
  });

  it('with an Idempotency-Key a 503 is not stored: the same key then succeeds', async () => {
    const order = await orderOf(shop, user);
    const key = unique('gw-key-');
    fake.failNext(1, 500);
    expectProblem(
      await initiate(ctx, user, order.id, { 'idempotency-key': key }),
      503,
      'service_unavailable',
    );
    const retry = await initiate(ctx, user, order.id, { 'idempotency-key': key });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const replay = await initiate(ctx, user, order.id, { 'idempotency-key': key });
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(retry.json());
  });

  it('concurrent initiates while the gateway fails once: no request is left hanging, and no stray rows', async () => {
    const order = await orderOf(shop, user);
    fake.failNext(1, 500);
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => initiate(ctx, user, order.id)),
    );
    for (const res of answers) expect([200, 503]).toContain(res.statusCode);
    const ok = answers
      .filter((res) => res.statusCode === 200)
      .map((res) => res.json<Initiated>().razorpay_order_id);
    expect(new Set(ok).size).toBeLessThanOrEqual(1);
    const rows = await paymentRows(ctx, order.id);
    expect(rows.length).toBeLessThanOrEqual(1);
    if (ok.length) expect(rows[0]!.razorpayOrderId).toBe(ok[0]);
    // Whatever happened, the order can be paid now.
    const final = await initiate(ctx, user, order.id);
    expect(final.statusCode, final.body).toBe(200);
    if (ok.length) expect(final.json<Initiated>().razorpay_order_id).toBe(ok[0]);
  });
});

describe('without Razorpay keys', () => {
  let ctx: TestContext;
  let shop: Shop;
  let user: TestUser;

  beforeAll(async () => {
    ctx = await buildTestApp();
    shop = await makeShop(ctx);
    user = await makeUser(ctx);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('initiate is 503 naming the missing settings, and writes nothing', async () => {
    const order = await orderOf(shop, user);
    const problem = expectProblem(await initiate(ctx, user, order.id), 503, 'service_unavailable');
    expect(problem.detail).toMatch(/not configured/);
    expect(problem.detail).toMatch(/RAZORPAY_KEY_ID/);
    expect(await paymentRows(ctx, order.id)).toEqual([]);
  });

  it('verify is 503 with a clear message', async () => {
    const order = await orderOf(shop, user);
    const problem = expectProblem(
      await verify(ctx, user, {
        order_id: order.id,
        razorpay_order_id: 'order_x',
        razorpay_payment_id: 'pay_x',
        razorpay_signature: 'f'.repeat(64),
      }),
      503,
      'service_unavailable',
    );
    expect(problem.detail).toMatch(/not configured.*RAZORPAY_KEY_ID/);
    expect((await getOrder(ctx, user, order.id)).status).toBe('pending');
  });

  it('the webhook is 503 with a clear message, and stores nothing', async () => {
    const eventId = unique('evt_nokeys_');
    const body = JSON.stringify({ event: 'payment.captured', payload: {} });
    const res = await deliver(ctx, {
      body,
      headers: {
        'content-type': 'application/json',
        'x-razorpay-signature': 'a'.repeat(64),
        'x-razorpay-event-id': eventId,
      },
    });
    const problem = expectProblem(res, 503, 'service_unavailable');
    expect(problem.detail).toMatch(/not configured.*RAZORPAY_WEBHOOK_SECRET/);
    expect(await storedEvents(ctx, eventId)).toEqual([]);
  });

  it('everything else still works: the order is readable and cancellable', async () => {
    const order = await orderOf(shop, user);
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/api/orders/${order.id}/cancel/`,
      headers: { authorization: `Bearer ${user.access}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('cancelled');
  });
});
