import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import { orderOf } from '../helpers/payments.js';

let ctx: TestContext;
let razorpay: FakeRazorpay;
let shop: Shop;

beforeAll(async () => {
  razorpay = await new FakeRazorpay().start();
  ctx = await buildTestApp(razorpay.env);
  shop = await makeShop(ctx);
});
afterAll(async () => {
  await ctx?.close();
  await razorpay?.stop();
});

const post = (user: TestUser, url: string, payload: unknown) =>
  ctx.app.inject({ method: 'POST', url, headers: bearer(user.access), payload: payload as object });

describe('Razorpay end to end', () => {
  it('cart → order → initiate → pay → verify → paid', async () => {
    const user = await makeUser(ctx);
    const order = await orderOf(shop, user, '1499.50', 3);
    expect(order.total_amount).toBe('4498.50');

    const initiated = await post(user, '/api/payments/initiate/', { order_id: order.id });
    expect(initiated.statusCode, initiated.body).toBe(200);
    const body = initiated.json();
    expect(body).toMatchObject({
      razorpay_key_id: razorpay.keyId,
      amount: 449850,
      currency: 'INR',
      order_id: order.id,
      order_number: order.order_number,
    });
    expect(razorpay.orders.get(body.razorpay_order_id)).toMatchObject({
      amount: 449850,
      receipt: order.order_number,
    });

    const { payment, signature } = razorpay.pay(body.razorpay_order_id);
    const verified = await post(user, '/api/payments/verify/', {
      order_id: order.id,
      razorpay_order_id: body.razorpay_order_id,
      razorpay_payment_id: payment.id,
      razorpay_signature: signature,
    });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toEqual({
      message: 'Payment verified successfully',
      order_number: order.order_number,
      payment_status: 'success',
    });
    const detail = (
      await ctx.app.inject({ method: 'GET', url: `/api/orders/${order.id}/`, headers: bearer(user.access) })
    ).json();
    expect(detail.status).toBe('paid');
    expect(detail.payment_status).toBe('success');
    expect(detail.status_history.at(-1)).toMatchObject({ from_status: 'pending', to_status: 'paid', changed_by: 'razorpay' });
  });

  it('a payment.captured webhook marks the order paid without verify', async () => {
    const user = await makeUser(ctx);
    const order = await orderOf(shop, user, '10.10', 3);
    const { razorpay_order_id } = (await post(user, '/api/payments/initiate/', { order_id: order.id })).json();
    const { payment } = razorpay.pay(razorpay_order_id);
    const delivery = razorpay.webhook('payment.captured', { payment });
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/payments/webhook/',
      headers: delivery.headers,
      payload: delivery.body,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    const detail = (
      await ctx.app.inject({ method: 'GET', url: `/api/orders/${order.id}/`, headers: bearer(user.access) })
    ).json();
    expect(detail.payment_status).toBe('success');
    expect(detail.status).toBe('paid');
  });
});
