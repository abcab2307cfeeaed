import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, unique } from '../helpers/app.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import type { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  closePaymentsShop,
  deliver,
  getOrder,
  initiated,
  openPaymentsShop,
  orderOf,
  storedEvents,
} from '../helpers/payments.js';

/**
 * Authentic (validly signed) deliveries whose body cannot be used or stored as it is. Each
 * answers 200 (a refusal would have Razorpay retry it for days) and is stored once, as not
 * processed with the reason (a body that cannot be kept as parsed, as `{unusable_body: <text>}`);
 * NUL and lone surrogates are stored as U+FFFD.
 */
let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;

beforeAll(async () => {
  ({ fake, ctx, shop, user } = await openPaymentsShop());
});
afterAll(() => closePaymentsShop({ ctx, fake }));

const signed = (body: string, eventId = unique('evt_')) => ({
  eventId,
  body,
  headers: {
    'content-type': 'application/json',
    'x-razorpay-signature': createHmac('sha256', fake.webhookSecret).update(body).digest('hex'),
    'x-razorpay-event-id': eventId,
  },
});

async function deliveredOnce(body: string) {
  const delivery = signed(body);
  const res = await deliver(ctx, delivery);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).toEqual({ status: 'ok' });
  const events = await storedEvents(ctx, delivery.eventId);
  expect(events).toHaveLength(1);
  // A redelivery is a duplicate: 200, still one row.
  expect((await deliver(ctx, delivery)).statusCode).toBe(200);
  expect(await storedEvents(ctx, delivery.eventId)).toHaveLength(1);
  return events[0]!;
}

describe('a signed body that is not a JSON object', () => {
  for (const body of ['null', '42', '-1.5e300', '"payment.captured"', 'true', '[]', '[{"event":"payment.captured"}]']) {
    it(`${body}: 200, stored unprocessed with the reason and the raw text`, async () => {
      const event = await deliveredOnce(body);
      expect(event).toMatchObject({ event: 'unknown', processed: false, payload: { unusable_body: body } });
      expect(event.error).toMatch(/not a JSON object/);
      expect(event.processedAt).toBeInstanceOf(Date);
    });
  }
});

describe('a signed body holding \\u0000', () => {
  it('in the event name, a key and a nested value: stored with U+FFFD, unprocessed', async () => {
    const body = '{"event":"payment.\\u0000captured","payload":{"pay\\u0000ment":{"entity":{"notes":["a\\u0000b"]}}}}';
    const event = await deliveredOnce(body);
    expect(event).toMatchObject({
      event: 'payment.\uFFFDcaptured',
      processed: false,
      payload: { event: 'payment.\uFFFDcaptured', payload: { 'pay\uFFFDment': { entity: { notes: ['a\uFFFDb'] } } } },
    });
    expect(event.error).toMatch(/Unhandled event type/);
  });

  it('in the Razorpay ids of a capture: stored unprocessed, the order untouched', async () => {
    const order = await orderOf(shop, user, '10.00', 1);
    const { razorpay_order_id } = await initiated(ctx, user, order.id);
    const { payment } = fake.pay(razorpay_order_id);
    const body = JSON.stringify({
      event: 'payment.captured',
      payload: { payment: { entity: { ...payment, order_id: `${razorpay_order_id}\u0000` } } },
    });
    expect(body).toContain('\\u0000');
    const event = await deliveredOnce(body);
    expect(event.processed).toBe(false);
    expect(event.error).toMatch(/No payment for Razorpay order/);
    expect(event.error).not.toContain('\u0000');
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'pending', payment_status: 'pending' });
  });

  it('in a note of an otherwise good capture: stored, and the capture applied', async () => {
    const order = await orderOf(shop, user, '10.00', 1);
    const { razorpay_order_id } = await initiated(ctx, user, order.id);
    const { payment } = fake.pay(razorpay_order_id);
    const body = JSON.stringify({
      event: 'payment.captured',
      payload: { payment: { entity: { ...payment, notes: { 'gift\u0000': 'to\u0000you', lone: '\ud800x' } } } },
    });
    const event = await deliveredOnce(body);
    expect(event).toMatchObject({ processed: true, error: null });
    const stored = event.payload as { payload: { payment: { entity: { notes: Record<string, string> } } } };
    expect(stored.payload.payment.entity.notes).toEqual({ 'gift\uFFFD': 'to\uFFFDyou', lone: '\uFFFDx' });
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'paid', payment_status: 'success' });
  });
});

describe('other authentic bodies that cannot be used', () => {
  it('nested thousands of levels deep: stored unprocessed with the reason', async () => {
    const body = `{"event":"payment.captured","payload":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const event = await deliveredOnce(body);
    expect(event).toMatchObject({ event: 'unknown', processed: false, payload: { unusable_body: body } });
    expect(event.error).toMatch(/nests deeper/);
  });

  it('entities of the wrong types (ids as numbers, objects, huge strings; amounts as text): unprocessed', async () => {
    const order = await orderOf(shop, user, '10.00', 1);
    const { razorpay_order_id } = await initiated(ctx, user, order.id);
    const { payment } = fake.pay(razorpay_order_id);
    const wrong = [
      { ...payment, id: 12345 },
      { ...payment, id: 'p'.repeat(65) },
      { ...payment, order_id: { $ne: null } },
      { ...payment, amount: String(payment.amount) },
      { ...payment, amount: 1e300 },
    ];
    for (const entity of wrong) {
      const event = await deliveredOnce(JSON.stringify({ event: 'payment.captured', payload: { payment: { entity } } }));
      expect(event.processed, JSON.stringify(entity)).toBe(false);
    }
    const failed = await deliveredOnce(
      JSON.stringify({ event: 'payment.failed', payload: { payment: { entity: { ...payment, error_description: 7 } } } }),
    );
    expect(failed.processed).toBe(true); // a description that is not text is left out
    for (const refund of [null, 5, { id: 'rfnd_x', payment_id: payment.id }, { id: 'rfnd_x', payment_id: payment.id, amount: -1 }]) {
      const event = await deliveredOnce(JSON.stringify({ event: 'refund.processed', payload: { refund: { entity: refund } } }));
      expect(event.processed).toBe(false);
    }
    expect(await getOrder(ctx, user, order.id)).toMatchObject({ status: 'payment_failed', payment_status: 'failed' });
  });
});
