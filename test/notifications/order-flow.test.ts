/**
 * Issue 20's "done when": placing, paying, shipping and refunding an order produces exactly
 * the e-mails and webhook deliveries the contract lists, once each, through an SMTP outage
 * and a receiver that fails first. Real SMTP server, real HTTP receiver, the fake Razorpay.
 */
import { and, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveries } from '../../src/db/schema/index.js';
import { type TestContext, unique } from '../helpers/app.js';
import { api, dataOf } from '../helpers/client.js';
import type { Shop, TestUser } from '../helpers/factories.js';
import type { FakeRazorpay } from '../helpers/fake-razorpay.js';
import { closePaymentsShop, deliver, openPaymentsShop, orderOf, payOrder } from '../helpers/payments.js';
import { Receiver } from '../webhooks/receiver.js';
import { eventually, TestSmtpServer } from './smtp.js';

let smtp: TestSmtpServer;
let receiver: Receiver;
let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;
let admin: TestUser;

beforeAll(async () => {
  smtp = await new TestSmtpServer().start();
  receiver = await new Receiver().start();
  ({ ctx, fake, shop, user, admin } = await openPaymentsShop(
    { SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE: 'true', SHOP_NAME: 'Flow Shop' },
    { jobs: true },
  ));
  ctx.services.webhooks.retryDelaysMs = [300, 300, 300];
});
afterAll(async () => {
  await closePaymentsShop({ ctx, fake });
  await receiver?.stop();
  await smtp?.stop();
});

const TYPES = ['order.placed', 'order.paid', 'order.shipped', 'order.refunded'] as const;

describe('an order from placing to refund', () => {
  it('sends each e-mail and each webhook once, through an SMTP outage and a failing receiver', async () => {
    // The receiver fails its first request, then accepts.
    const url = receiver.on('/erp', { status: 500 }, { status: 200 });
    const staff = api(ctx, admin.access);
    const endpoint = dataOf(
      'endpoint',
      await staff.POST('/api/admin/webhook-endpoints/', { body: { url, event_types: [...TYPES] } }),
    );

    // The mail server is down while the order is placed and paid.
    await smtp.stop();
    const order = await orderOf(shop, user, '25.00', 2);
    const { payment } = await payOrder(ctx, fake, user, order.id);
    await smtp.start();

    const move = async (status: 'processing' | 'shipped') =>
      dataOf(
        status,
        await staff.PATCH('/api/orders/{id}/update_status/', { params: { path: { id: order.id } }, body: { status } }),
      );
    await move('processing');
    await move('shipped');
    const refund = {
      id: unique('rfnd_'),
      entity: 'refund' as const,
      amount: 5000,
      currency: 'INR',
      payment_id: payment.id,
      status: 'processed' as const,
      notes: {},
      created_at: Math.floor(Date.now() / 1000),
    };
    const res = await deliver(ctx, fake.webhook('refund.processed', { refund }));
    expect(res.statusCode, res.body).toBe(200);

    // E-mails: the welcome (at registration) and one per order event, each once.
    const mails = await smtp.waitFor(user.email, 5, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    const subjects = smtp.to(user.email).map((m) => m.subject ?? '');
    expect(subjects).toHaveLength(5);
    for (const part of ['Welcome', order.order_number, 'Payment received', 'has shipped', 'Refund']) {
      expect(subjects.filter((s) => s.includes(part)).length, part).toBeGreaterThanOrEqual(1);
    }
    expect(mails.every((m) => m.html && m.text)).toBe(true);

    // Webhooks: one succeeded delivery per event type, each under one webhook-id across its attempts.
    const succeeded = await eventually(async () => {
      const rows = await ctx.database.db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, 'succeeded')));
      return rows.length >= TYPES.length ? rows : null;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(succeeded.map((r) => r.eventType).sort()).toEqual([...TYPES].sort());
    const requests = receiver.requestsTo('/erp');
    // The one failure was retried: one more request than events, the retry with the same id.
    expect(requests).toHaveLength(TYPES.length + 1);
    const ids = requests.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(TYPES.length);
    const verifier = new Webhook(endpoint.secret);
    for (const r of requests) {
      const body = verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { order_id: number } };
      expect(TYPES as readonly string[]).toContain(body.type);
      expect(body.data.order_id).toBe(order.id);
    }
  }, 120_000);
});
