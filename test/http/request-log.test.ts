/**
 * What the server logs: exactly one line per request (method, path without the query string,
 * status, response time, the request id of the X-Request-Id header), at error from 500 on;
 * and the business events, once each, with their ids and never a secret.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emails } from '../../src/db/schema/index.js';
import { runRefundJob } from '../../src/modules/payments/index.js';
import { ISO } from '../helpers/shop.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  bearer,
  makeShop,
  makeUser,
  PASSWORD,
  type Shop,
  type TestUser,
} from '../helpers/factories.js';
import { deliver, initiated, orderOf } from '../helpers/payments.js';
import { buildLoggedApp, type LoggedApp, type LogLine } from './logged-app.js';

let fake: FakeRazorpay;
let ctx: LoggedApp;
let shop: Shop;
let shopper: TestUser;

beforeAll(async () => {
  fake = await new FakeRazorpay().start();
  ctx = await buildLoggedApp({
    ...fake.env,
    LOGIN_MAX_FAILURES: '2',
    SHOP_URL: 'https://shop.test',
  });
  shop = await makeShop(ctx);
  shopper = await makeUser(ctx);
});
afterAll(async () => {
  await ctx?.close();
  await fake?.stop();
});

const requestLines = (reqId: string) =>
  ctx.lines().filter((l) => l.reqId === reqId && l.msg === 'request');
const events = (msg: string, match: Record<string, unknown> = {}) =>
  ctx.lines().filter((l) => l.msg === msg && Object.entries(match).every(([k, v]) => l[k] === v));

/** The one line an event wrote, checked to be the only one. */
function theEvent(msg: string, match: Record<string, unknown>): LogLine {
  const found = events(msg, match);
  expect(found, `${msg} ${JSON.stringify(match)} in\n${ctx.text()}`).toHaveLength(1);
  return found[0]!;
}

describe('request lines', () => {
  it('logs one line per request, with the path but not the query string, and the request id', async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/health/live?token=secret-in-the-query',
      headers: { 'x-request-id': 'req-log-live-1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-log-live-1');
    const all = ctx.lines().filter((l) => l.reqId === 'req-log-live-1');
    expect(all).toHaveLength(1);
    const [line] = all;
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      method: 'GET',
      path: '/health/live',
      status: 200,
    });
    expect(line!.ms).toEqual(expect.any(Number));
    expect(line!.ms as number).toBeGreaterThanOrEqual(0);
    expect(line!.time).toMatch(ISO);
    expect(ctx.text()).not.toContain('secret-in-the-query');
    // Fastify's own pair is gone.
    expect(ctx.text()).not.toContain('incoming request');
    expect(ctx.text()).not.toContain('request completed');
  });

  it('gives a generated request id when none is sent, the one the response names', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/categories/' });
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLines(id)).toEqual([
      expect.objectContaining({ level: 30, path: '/api/categories/', status: 200 }),
    ]);
  });

  it('logs a 4xx at info and a 5xx at error, after the error with its stack', async () => {
    const missing = await ctx.app.inject({
      method: 'GET',
      url: '/nowhere?x=1',
      headers: { 'x-request-id': 'req-log-404' },
    });
    expect(missing.statusCode).toBe(404);
    expect(requestLines('req-log-404')).toEqual([
      expect.objectContaining({ level: 30, method: 'GET', path: '/nowhere', status: 404 }),
    ]);

    const denied = await ctx.app.inject({
      method: 'GET',
      url: '/api/orders/',
      headers: { 'x-request-id': 'req-log-401' },
    });
    expect(denied.statusCode).toBe(401);
    expect(requestLines('req-log-401')).toEqual([
      expect.objectContaining({ level: 30, status: 401 }),
    ]);

    // A database that has gone away: the unexpected error, then the request's line at error.
    const broken = await buildLoggedApp();
    try {
      await broken.services.jobs.stop();
      await broken.database.close();
      const res = await broken.app.inject({
        method: 'GET',
        url: '/api/categories/',
        headers: { 'x-request-id': 'req-log-500' },
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
      const lines = broken.lines().filter((l) => l.reqId === 'req-log-500');
      const request = lines.filter((l) => l.msg === 'request');
      expect(request).toEqual([
        expect.objectContaining({ level: 50, status: res.statusCode, path: '/api/categories/' }),
      ]);
      const errors = lines.filter((l) => l.msg !== 'request');
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect((errors[0]!.err as { stack?: string }).stack).toEqual(expect.any(String));
    } finally {
      await broken.app.close();
    }
  });
});

describe('business events', () => {
  it('logs a registration and the password reset by user id, never the address, token or password', async () => {
    const user = await makeUser(ctx);
    theEvent('user registered', { userId: user.id });

    const asked = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/',
      payload: { email: user.email },
      headers: { 'x-request-id': 'req-log-reset' },
    });
    expect(asked.statusCode).toBe(200);
    expect(theEvent('password reset requested', { userId: user.id }).reqId).toBe('req-log-reset');

    const [mail] = await ctx.database.db.select().from(emails).where(eq(emails.to, user.email));
    const token = /reset-password\?token=([\w-]+)/.exec(mail!.text)![1]!;
    const newPassword = 'Brand-New-Pass-77';
    const confirmed = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/confirm/',
      payload: { token, new_password: newPassword },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    theEvent('password reset completed', { userId: user.id });

    const text = ctx.text();
    for (const secret of [token, newPassword, user.email, PASSWORD])
      expect(text).not.toContain(secret);
  });

  it('warns of a login lockout with the username and IP, once per refused attempt', async () => {
    const victim = await makeUser(ctx);
    const attempt = () =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        payload: { username: victim.username, password: 'Wrong-Password-1' },
        remoteAddress: '203.0.113.9',
      });
    expect((await attempt()).statusCode).toBe(401);
    expect((await attempt()).statusCode).toBe(401);
    expect(events('login locked out', { username: victim.username })).toHaveLength(0);
    const refused = await attempt();
    expect(refused.statusCode).toBe(429);
    const line = theEvent('login locked out', { username: victim.username });
    expect(line).toMatchObject({
      level: 40,
      ip: '203.0.113.9',
      reqId: refused.headers['x-request-id'],
    });
    expect(ctx.text()).not.toContain('Wrong-Password-1');
  });

  it('logs an order placed, paid by webhook (once, however often delivered), refunded, shipped and delivered', async () => {
    const order = await orderOf(shop, shopper, '300.00', 2);
    expect(theEvent('order placed', { orderId: order.id })).toMatchObject({
      level: 30,
      orderNumber: order.order_number,
      userId: shopper.id,
      total: order.total_amount,
    });

    const { razorpay_order_id } = await initiated(ctx, shopper, order.id);
    const { payment } = fake.pay(razorpay_order_id);
    const delivery = fake.webhook('payment.captured', { payment });
    expect((await deliver(ctx, delivery)).statusCode).toBe(200);
    expect((await deliver(ctx, delivery)).statusCode).toBe(200);
    expect(theEvent('payment captured', { orderId: order.id })).toMatchObject({
      level: 30,
      razorpayPaymentId: payment.id,
      paymentId: expect.any(Number),
      amount: order.total_amount,
    });

    const admin = bearer(shop.admin.access);
    const refund = await ctx.app.inject({
      method: 'POST',
      url: `/api/orders/${order.id}/refunds/`,
      headers: admin,
      payload: { amount: '100.00', reason: 'Dented box' },
    });
    expect(refund.statusCode, refund.body).toBe(201);
    const refundId = refund.json<{ id: number }>().id;
    expect(theEvent('refund created', { refundId })).toMatchObject({
      orderId: order.id,
      amount: '100.00',
      status: 'pending',
    });
    // The refund job (run here by hand: this app runs no jobs) asks the fake, which settles it.
    await runRefundJob(ctx.services.payments, { refundId });
    expect(theEvent('refund processed', { refundId })).toMatchObject({
      orderId: order.id,
      amount: '100.00',
    });

    fake.refundStatus = 'failed';
    const second = await ctx.app.inject({
      method: 'POST',
      url: `/api/orders/${order.id}/refunds/`,
      headers: admin,
      payload: { amount: '50.00', reason: 'Late' },
    });
    expect(second.statusCode, second.body).toBe(201);
    const failedId = second.json<{ id: number }>().id;
    await runRefundJob(ctx.services.payments, { refundId: failedId });
    expect(theEvent('refund failed', { refundId: failedId })).toMatchObject({
      orderId: order.id,
      amount: '50.00',
    });
    expect(events('refund processed', { refundId: failedId })).toHaveLength(0);
    fake.refundStatus = 'processed';

    for (const [status, msg] of [
      ['processing', 'order status changed'],
      ['shipped', 'order shipped'],
      ['delivered', 'order delivered'],
    ] as const) {
      const res = await ctx.app.inject({
        method: 'PATCH',
        url: `/api/orders/${order.id}/update_status/`,
        headers: admin,
        payload: { status },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(theEvent(msg, { orderId: order.id, status })).toMatchObject({
        by: shop.admin.id,
        reqId: res.headers['x-request-id'],
      });
    }
    // The key secret and the webhook secret are nowhere in the log.
    expect(ctx.text()).not.toContain(fake.keySecret);
    expect(ctx.text()).not.toContain(fake.webhookSecret);
  });

  it('logs a cancellation by the customer', async () => {
    const order = await orderOf(shop, shopper);
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/api/orders/${order.id}/cancel/`,
      headers: bearer(shopper.access),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(theEvent('order cancelled', { orderId: order.id })).toMatchObject({
      orderNumber: order.order_number,
      by: shopper.id,
      reqId: res.headers['x-request-id'],
    });
  });

  it('does not log a replayed order as placed again', async () => {
    const product = (await orderOf(shop, shopper)).productId;
    const client = bearer(shopper.access);
    await ctx.app.inject({
      method: 'POST',
      url: '/api/cart/add/',
      headers: client,
      payload: { product_id: product, quantity: 1 },
    });
    const place = () =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/orders/',
        headers: { ...client, 'idempotency-key': `log-${shopper.id}-replay` },
        payload: { shipping_address: '3 Replay Road, Pune' },
      });
    const first = await place();
    expect(first.statusCode, first.body).toBe(201);
    const again = await place();
    expect(again.headers['idempotent-replayed']).toBe('true');
    theEvent('order placed', { orderId: first.json<{ id: number }>().id });
  });

  it('warns of a webhook whose signature is wrong, and logs no payment', async () => {
    const delivery = fake.webhook('payment.captured', {}, 'evt_log_forged');
    const res = await deliver(ctx, {
      ...delivery,
      headers: { ...delivery.headers, 'x-razorpay-signature': 'f'.repeat(64) },
    });
    expect(res.statusCode).toBe(400);
    expect(theEvent('webhook signature rejected', { eventId: 'evt_log_forged' })).toMatchObject({
      level: 40,
      ip: expect.any(String),
      reqId: res.headers['x-request-id'],
    });
    expect(requestLines(res.headers['x-request-id'] as string)).toEqual([
      expect.objectContaining({ status: 400 }),
    ]);
  });
});
