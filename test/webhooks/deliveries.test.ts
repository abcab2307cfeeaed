import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { emails } from '../../src/db/schema/index.js';
import { enqueueWebhookDeliveries, RETRY_DELAYS_MS, runDelivery, systemResolver } from '../../src/modules/webhooks/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeAdmin, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { fakeResolver, Receiver, waitFor } from './receiver.js';

/** Jobs run here, against a receiver on 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE=true), on a short schedule. */
let ctx: TestContext;
let admin: TestUser;
let receiver: Receiver;
const SHORT_DELAYS = [300, 300, 300];
beforeAll(async () => {
  ctx = await buildTestApp({ JOBS: 'on', WEBHOOK_ALLOW_PRIVATE: 'true' });
  admin = await makeAdmin(ctx);
  receiver = await new Receiver().start();
});
afterAll(async () => {
  await receiver?.stop();
  await ctx?.close();
});
beforeEach(() => {
  Object.assign(ctx.services.webhooks, {
    retryDelaysMs: SHORT_DELAYS,
    timeoutMs: 2_000,
    allowPrivate: true,
    resolve: systemResolver,
    disableAfterMs: 3 * 86_400_000,
  });
});

interface Delivery {
  id: number;
  event_id: string;
  event_type: string;
  attempt: number;
  status: 'pending' | 'succeeded' | 'failed';
  response_status: number | null;
  duration_ms: number | null;
  response_snippet: string | null;
  created_at: string;
  next_attempt_at: string | null;
}

const as = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers: bearer(admin.access), ...(payload ? { payload } : {}) });

async function endpoint(url: string, event_types = ['order.paid']) {
  const res = await as('POST', '/api/admin/webhook-endpoints/', { url, event_types });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: number; secret: string }>();
}

/** The "endpoint switched off" e-mails about this URL. */
async function staffNotices(url: string) {
  const rows = await ctx.database.db
    .select({ to: emails.to, text: emails.text, template: emails.template })
    .from(emails)
    .where(and(eq(emails.template, 'webhook_disabled'), like(emails.text, `%${url}%`)));
  return rows;
}

async function emit(type = 'order.paid', data: object = { order_id: 42 }) {
  const event = { id: randomUUID(), type, data, createdAt: new Date('2026-11-30T10:00:00.000Z') };
  await enqueueWebhookDeliveries(ctx.services.webhooks, ctx.database.db, event);
  return event;
}

async function deliveries(endpointId: number): Promise<Delivery[]> {
  const res = await as('GET', `/api/admin/webhook-endpoints/${endpointId}/deliveries/`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ results: Delivery[] }>().results;
}

/** Waits until the endpoint has no pending attempt left (and at least `atLeast` rows). */
function settled(endpointId: number, atLeast = 1) {
  return waitFor(async () => {
    const rows = await deliveries(endpointId);
    return rows.length >= atLeast && rows.every((r) => r.status !== 'pending') && rows;
  });
}

function verify(secret: string, received: { headers: Record<string, unknown>; body: string }) {
  const h = received.headers as Record<string, string>;
  return new Webhook(secret).verify(received.body, {
    'webhook-id': h['webhook-id']!,
    'webhook-timestamp': h['webhook-timestamp']!,
    'webhook-signature': h['webhook-signature']!,
  });
}

describe('webhook deliveries', () => {
  it('are signed per Standard Webhooks and retried after a 500 with the same webhook-id', async () => {
    const url = receiver.on('/flaky', { status: 500, body: 'down for a moment' }, { status: 200, body: 'ok' });
    const made = await endpoint(url);
    const event = await emit('order.paid', { order_id: 7, payment_id: 3 });
    const rows = await settled(made.id, 2);

    expect(rows.map((r) => [r.attempt, r.status, r.response_status])).toEqual([
      [2, 'succeeded', 200],
      [1, 'failed', 500],
    ]);
    expect(rows[1]).toMatchObject({ event_id: event.id, event_type: 'order.paid', response_snippet: 'down for a moment' });
    expect(rows[1]!.next_attempt_at).not.toBeNull();
    expect(rows[0]!.next_attempt_at).toBeNull();
    expect(rows[0]!.duration_ms).toEqual(expect.any(Number));

    const got = receiver.requestsTo('/flaky');
    expect(got).toHaveLength(2);
    for (const request of got) {
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['webhook-id']).toBe(event.id);
      expect(verify(made.secret, request)).toEqual({
        type: 'order.paid',
        timestamp: '2026-11-30T10:00:00.000Z',
        data: { order_id: 7, payment_id: 3 },
      });
    }
    // A wrong secret does not verify.
    expect(() => verify(`whsec_${Buffer.alloc(24, 1).toString('base64')}`, got[0]!)).toThrow();
    const endpointNow = (await as('GET', `/api/admin/webhook-endpoints/${made.id}/`)).json();
    expect(endpointNow).toMatchObject({ is_active: true, failing_since: null });
  });

  it('go only to active endpoints subscribed to the type, once however often the event is dispatched', async () => {
    const url = receiver.on('/once', { status: 204 });
    const made = await endpoint(url, ['order.shipped']);
    const other = await endpoint(receiver.on('/other', { status: 204 }), ['order.paid']);
    const event = await emit('order.shipped');
    await enqueueWebhookDeliveries(ctx.services.webhooks, ctx.database.db, event);
    const rows = await settled(made.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('succeeded');
    expect(receiver.requestsTo('/once')).toHaveLength(1);
    expect(await deliveries(other.id)).toEqual([]);
  });

  it('treat a redirect as a failure and do not follow it', async () => {
    const url = receiver.on('/moved', { status: 302, headers: { location: '/target' } });
    receiver.on('/target', { status: 200 });
    ctx.services.webhooks.retryDelaysMs = [];
    const made = await endpoint(url);
    await emit();
    const rows = await settled(made.id);
    expect(rows).toEqual([expect.objectContaining({ status: 'failed', response_status: 302, next_attempt_at: null })]);
    expect(receiver.requestsTo('/target')).toHaveLength(0);
    expect((await as('GET', `/api/admin/webhook-endpoints/${made.id}/`)).json().failing_since).toEqual(expect.any(String));
  });

  it('switch the endpoint off at once on 410, and after failing for too long', async () => {
    const goneUrl = receiver.on('/gone', { status: 410 });
    const gone = { ...(await endpoint(goneUrl)), url: goneUrl };
    await emit();
    const rows = await settled(gone.id);
    expect(rows).toEqual([expect.objectContaining({ status: 'failed', response_status: 410, next_attempt_at: null })]);
    expect((await as('GET', `/api/admin/webhook-endpoints/${gone.id}/`)).json().is_active).toBe(false);
    // Every active staff user is e-mailed, once, in the transaction that switched it off.
    const notices = await staffNotices(gone.url);
    expect(notices.map((n) => n.to)).toContain(admin.email);
    expect(new Set(notices.map((n) => n.to)).size).toBe(notices.length);
    expect(notices[0]!.text).toContain('410 Gone');
    // Nothing more goes to a disabled endpoint; a retry is refused until staff switch it on.
    await emit();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.requestsTo('/gone')).toHaveLength(1);
    expectProblem(await as('POST', `/api/admin/webhook-deliveries/${rows[0]!.id}/retry/`), 409, 'conflict');

    ctx.services.webhooks.disableAfterMs = 0;
    const failing = await endpoint(receiver.on('/failing', { status: 503 }));
    await emit();
    const failed = await settled(failing.id);
    expect(failed).toEqual([expect.objectContaining({ status: 'failed', response_status: 503, next_attempt_at: null })]);
    expect((await as('GET', `/api/admin/webhook-endpoints/${failing.id}/`)).json().is_active).toBe(false);
    expect((await staffNotices(receiver.on('/failing', { status: 503 })))[0]!.text).toContain('failing for 3 days');
    // Switched on again: its failures are forgotten.
    const on = await as('PATCH', `/api/admin/webhook-endpoints/${failing.id}/`, { is_active: true });
    expect(on.json()).toMatchObject({ is_active: true, failing_since: null });
  });

  it('give up on a receiver that does not answer in time', async () => {
    ctx.services.webhooks.timeoutMs = 300;
    ctx.services.webhooks.retryDelaysMs = [];
    const made = await endpoint(receiver.on('/slow', 'hang'));
    await emit();
    const rows = await settled(made.id);
    expect(rows).toEqual([expect.objectContaining({ status: 'failed', response_status: null })]);
    expect(rows[0]!.response_snippet).toMatch(/timed out/);
    expect(rows[0]!.duration_ms).toBeGreaterThanOrEqual(290);
  });

  it('follow the schedule to its end, then stop', async () => {
    const made = await endpoint(receiver.on('/down', { status: 500 }));
    await emit();
    const rows = await settled(made.id, SHORT_DELAYS.length + 1);
    expect(rows.map((r) => r.attempt)).toEqual([4, 3, 2, 1]);
    expect(rows.every((r) => r.status === 'failed')).toBe(true);
    expect(rows[0]!.next_attempt_at).toBeNull();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await deliveries(made.id)).toHaveLength(4);
    expect(new Set(receiver.requestsTo('/down').map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('are retried by staff: a new attempt now, same webhook-id and body', async () => {
    ctx.services.webhooks.retryDelaysMs = [];
    const url = receiver.on('/manual', { status: 500 }, { status: 200 });
    const made = await endpoint(url);
    const event = await emit();
    const [failed] = await settled(made.id);
    expect(failed!.status).toBe('failed');

    const res = await as('POST', `/api/admin/webhook-deliveries/${failed!.id}/retry/`);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ attempt: 2, status: 'pending', event_id: event.id });
    const rows = await settled(made.id, 2);
    expect(rows[0]).toMatchObject({ id: res.json().id, status: 'succeeded', response_status: 200 });
    const [first, second] = receiver.requestsTo('/manual');
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(verify(made.secret, second!)).toMatchObject({ type: 'order.paid' });
  });

  it('are retried by staff early: the planned attempt is made now, and not again when it comes due', async () => {
    ctx.services.webhooks.retryDelaysMs = [4_000];
    const url = receiver.on('/early', { status: 500 }, { status: 200 });
    const made = await endpoint(url);
    await emit();
    // The first attempt failed, and the schedule planned the second.
    const failed = await waitFor(async () => (await deliveries(made.id)).find((d) => d.status === 'failed'));
    expect((await deliveries(made.id))[0]).toMatchObject({ attempt: 2, status: 'pending' });
    const res = await as('POST', `/api/admin/webhook-deliveries/${failed!.id}/retry/`);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ attempt: 2, status: 'pending' });
    const rows = await waitFor(async () => {
      const all = await deliveries(made.id);
      return all[0]?.status === 'succeeded' && all;
    });
    expect(rows[0]).toMatchObject({ attempt: 2, status: 'succeeded' });
    // Past the planned time: still two requests, two attempts.
    await new Promise((r) => setTimeout(r, 4_500));
    expect(receiver.requestsTo('/early')).toHaveLength(2);
    expect(await deliveries(made.id)).toHaveLength(2);
  });

  it('are refused at delivery time when the host now resolves to a private address (DNS rebinding)', async () => {
    Object.assign(ctx.services.webhooks, {
      allowPrivate: false,
      retryDelaysMs: [],
      resolve: fakeResolver({ 'hooks.example.com': ['93.184.216.34'] }),
    });
    const made = await endpoint('https://hooks.example.com/rebind');
    ctx.services.webhooks.resolve = fakeResolver({ 'hooks.example.com': ['127.0.0.1'] });
    await emit();
    const rows = await settled(made.id);
    expect(rows).toEqual([expect.objectContaining({ status: 'failed', response_status: null })]);
    expect(rows[0]!.response_snippet).toMatch(/127\.0\.0\.1.*not a public address/);
  });

  it('follow the events outbox: a new customer reaches an endpoint subscribed to customer.created', async () => {
    const made = await endpoint(receiver.on('/customers', { status: 200 }), ['customer.created']);
    const customer = await makeUser(ctx);
    const [row] = await settled(made.id);
    expect(row).toMatchObject({ status: 'succeeded', event_type: 'customer.created', attempt: 1 });
    const [request] = receiver.requestsTo('/customers');
    expect(request!.headers['webhook-id']).toBe(row!.event_id);
    expect(verify(made.secret, request!)).toEqual({
      type: 'customer.created',
      timestamp: expect.any(String),
      data: { customer_id: customer.id },
    });
  });

  it('keep the production schedule of about 3 days', () => {
    expect(RETRY_DELAYS_MS.map((ms) => ms / 1000)).toEqual([5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) / 86_400_000;
    expect(total).toBeGreaterThan(3);
    expect(total).toBeLessThan(3.3);
  });
});

describe('one attempt run twice at once', () => {
  it('is sent once: the first run claims it', async () => {
    ctx.services.webhooks.retryDelaysMs = [];
    const url = receiver.on('/twice', { status: 200 });
    const made = await endpoint(url);
    const event = await emit();
    await settled(made.id);
    // A second attempt of the same event: its job, and two more runs of it at the same moment.
    const [first] = await deliveries(made.id);
    const res = await as('POST', `/api/admin/webhook-deliveries/${first!.id}/retry/`);
    expect(res.statusCode, res.body).toBe(202);
    const attempt = res.json<{ id: number }>().id;
    await Promise.all([runDelivery(ctx.services.webhooks, attempt), runDelivery(ctx.services.webhooks, attempt)]);
    await settled(made.id, 2);
    expect(receiver.requestsTo('/twice').filter((r) => r.headers['webhook-id'] === event.id)).toHaveLength(2);
  });
});
