/**
 * Razorpay webhook deliveries for the fuzz test: events shaped as Razorpay sends them,
 * pointing at the world's orders and payments, with junk in any field, mostly signed right.
 */
import fc from 'fast-check';
import { headerJunk, RawJson } from './fuzz-junk.js';
import { mutated, Ref, type RequestSpec, Sign } from './fuzz-requests.js';

const EVENTS = [
  'payment.captured',
  'payment.failed',
  'order.paid',
  'refund.processed',
  'payment.authorized',
  'refund.failed',
  'subscription.charged',
];

function event(name: string, paymentId: unknown) {
  const payment = {
    id: paymentId,
    entity: 'payment',
    amount: 39998,
    currency: 'INR',
    status: 'captured',
    order_id: new Ref('razorpayOrderId'),
    method: 'card',
    amount_refunded: 0,
    error_description: null,
    created_at: 1767225600,
  };
  return {
    entity: 'event',
    account_id: 'acc_test',
    event: name,
    contains: ['payment', 'order', 'refund'],
    payload: {
      payment: { entity: payment },
      order: {
        entity: {
          id: new Ref('razorpayOrderId'),
          entity: 'order',
          amount: 20000,
          amount_paid: 20000,
          status: 'paid',
        },
      },
      refund: {
        entity: {
          id: 'rfnd_fuzz00000001',
          entity: 'refund',
          amount: 100,
          currency: 'INR',
          payment_id: new Ref('paymentId'),
          status: 'processed',
        },
      },
    },
    created_at: 1767225600,
  };
}

/** Every kind of webhook delivery, signed with the world's secret (usually). */
export function webhookRequests(): fc.Arbitrary<RequestSpec> {
  const bodies = fc.oneof(
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(...EVENTS),
          fc.constantFrom<unknown>(new Ref('paymentId'), 'pay_fuzz0000000001'),
        )
        .chain(([name, paymentId]) => mutated(event(name, paymentId))),
      weight: 8,
    },
    {
      arbitrary: fc.constantFrom<unknown>(
        null,
        new RawJson('null'),
        [],
        {},
        'x',
        0,
        { event: null },
        { payload: null },
        { event: 'payment.captured', payload: { payment: { entity: null } } },
        { event: 'a\u0000b' },
      ),
      weight: 2,
    },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
  );
  return fc.record({
    caller: fc.constant('anonymous' as const),
    path: fc.constant({}),
    query: fc.constant([]),
    headers: fc.record(
      {
        'x-razorpay-signature': fc.oneof(
          { arbitrary: fc.constant(new Sign()), weight: 6 },
          { arbitrary: headerJunk, weight: 1 },
        ),
        'x-razorpay-event-id': fc.oneof(
          fc.uuid().map((u) => `evt_${u}`),
          headerJunk,
        ),
      },
      { requiredKeys: [] },
    ),
    contentType: fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 10 },
      { arbitrary: fc.constantFrom<string | null>(null, 'text/plain'), weight: 1 },
    ),
    body: bodies,
    trailingSlash: fc.constant(true),
  });
}

/** Signed deliveries that broke the handler before, and the shapes next to them. */
export function webhookSweep(): { base: RequestSpec; variants: RequestSpec[] } {
  const base: RequestSpec = {
    caller: 'anonymous',
    path: {},
    query: [],
    headers: { 'x-razorpay-signature': new Sign(), 'x-razorpay-event-id': 'evt_fuzz_base' },
    contentType: 'application/json',
    body: event('payment.captured', new Ref('paymentId')),
    trailingSlash: true,
  };
  const bodies: unknown[] = [
    null,
    new RawJson('null'),
    [],
    'x',
    0,
    true,
    {},
    { event: null },
    { event: 'payment.captured' },
    { event: 'payment.captured', payload: null },
    { event: 'payment.captured', payload: { payment: null } },
    { event: 'payment.captured', payload: { payment: { entity: null } } },
    { event: 'a\u0000b' },
    { ...event('payment.captured', new Ref('paymentId')), note: 'a\u0000b' },
    event('payment.captured', 'pay_fuzz\u00000001'),
    event('refund.processed', new Ref('paymentId')),
    event('payment.captured', 'pay_fuzz_second_capture'),
    event('order.paid', new Ref('paymentId')),
  ];
  let n = 0;
  const variants = bodies.map((body) => ({
    ...base,
    headers: { ...base.headers, 'x-razorpay-event-id': `evt_fuzz_sweep_${n++}` },
    body,
  }));
  return { base, variants };
}
