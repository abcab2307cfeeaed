import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '../../src/contract/index.js';
import { webhookDeliveries } from '../../src/db/schema/index.js';
import type { EventData } from '../../src/modules/events/index.js';
import { isPublicAddress } from '../../src/modules/webhooks/addresses.js';
import { deleteOldWebhookDeliveries } from '../../src/modules/webhooks/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeAdmin, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { fakeResolver } from './receiver.js';

/** WEBHOOK_ALLOW_PRIVATE off (the default): https to public addresses only. */
let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp();
  admin = await makeAdmin(ctx);
  ctx.services.webhooks.resolve = fakeResolver({
    'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'internal.example.com': ['10.1.2.3'],
    'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
    'mapped.example.com': ['::ffff:192.168.1.1'],
    'ula.example.com': ['fd00::1'],
  });
});
afterAll(async () => ctx?.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const as = (user: TestUser | null, method: Method, url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers: user ? bearer(user.access) : {}, ...(payload ? { payload } : {}) });

const create = (url: string, event_types: string[] = ['order.placed']) =>
  as(admin, 'POST', '/api/admin/webhook-endpoints/', { url, event_types });

describe('webhook endpoints', () => {
  it('are for admins only', async () => {
    const shopper = await makeUser(ctx);
    const made = (await create('https://hooks.example.com/a')).json<{ id: number }>();
    const routes: [Method, string, object?][] = [
      ['GET', '/api/admin/webhook-endpoints/'],
      ['POST', '/api/admin/webhook-endpoints/', { url: 'https://hooks.example.com/', event_types: ['order.paid'] }],
      ['GET', `/api/admin/webhook-endpoints/${made.id}/`],
      ['PATCH', `/api/admin/webhook-endpoints/${made.id}/`, { is_active: false }],
      ['DELETE', `/api/admin/webhook-endpoints/${made.id}/`],
      ['GET', `/api/admin/webhook-endpoints/${made.id}/deliveries/`],
      ['POST', '/api/admin/webhook-deliveries/1/retry/'],
    ];
    for (const [method, url, body] of routes) {
      expectProblem(await as(null, method, url, body), 401, 'not_authenticated');
      expectProblem(await as(shopper, method, url, body), 403, 'permission_denied');
    }
    expect((await as(admin, 'GET', `/api/admin/webhook-endpoints/${made.id}/`)).json().is_active).toBe(true);
  });

  it('show the secret once, at creation, and are changed and deleted', async () => {
    const res = await create('https://hooks.example.com/shop', ['order.paid', 'customer.created']);
    expect(res.statusCode, res.body).toBe(201);
    const made = res.json();
    expect(made).toEqual({
      id: expect.any(Number),
      url: 'https://hooks.example.com/shop',
      event_types: ['order.paid', 'customer.created'],
      is_active: true,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
      created_at: expect.any(String),
      failing_since: null,
    });
    const { secret, ...rest } = made;
    expect(secret).not.toBe((await create('https://hooks.example.com/other')).json().secret);
    const read = (await as(admin, 'GET', `/api/admin/webhook-endpoints/${made.id}/`)).json();
    expect(read).toEqual(rest);
    const list = (await as(admin, 'GET', '/api/admin/webhook-endpoints/?page_size=100')).json();
    expect(list.results).toContainEqual(rest);
    expect(JSON.stringify(list)).not.toContain('whsec_');

    const patched = await as(admin, 'PATCH', `/api/admin/webhook-endpoints/${made.id}/`, {
      event_types: ['order.shipped'],
      is_active: false,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ event_types: ['order.shipped'], is_active: false, url: made.url });

    expect((await as(admin, 'DELETE', `/api/admin/webhook-endpoints/${made.id}/`)).statusCode).toBe(204);
    expectProblem(await as(admin, 'GET', `/api/admin/webhook-endpoints/${made.id}/`), 404, 'not_found');
    expectProblem(await as(admin, 'DELETE', `/api/admin/webhook-endpoints/${made.id}/`), 404, 'not_found');
    expectProblem(await as(admin, 'GET', `/api/admin/webhook-endpoints/${made.id}/deliveries/`), 404, 'not_found');
    expectProblem(await as(admin, 'POST', '/api/admin/webhook-deliveries/2147483647/retry/'), 404, 'not_found');
  });

  it('reject bad input, naming each field', async () => {
    const bad = await as(admin, 'POST', '/api/admin/webhook-endpoints/', { url: 5, event_types: ['order.exploded'] });
    const body = expectProblem(bad, 400, 'validation_error');
    const fields = Object.keys(body.errors ?? {});
    expect(fields).toContain('url');
    expect(fields.some((f) => f.startsWith('event_types')), fields.join()).toBe(true);
    expectProblem(await create('https://hooks.example.com/', []), 400, 'validation_error', 'event_types');
    expectProblem(await create('https://hooks.example.com/', ['order.paid', 'order.paid']), 400, 'validation_error', 'event_types');
    expectProblem(await as(admin, 'POST', '/api/admin/webhook-endpoints/', { event_types: ['order.paid'] }), 400, 'validation_error', 'url');
    expectProblem(await as(admin, 'PATCH', '/api/admin/webhook-endpoints/1/', { is_active: 'yes' }), 400, 'validation_error', 'is_active');
    expectProblem(await as(admin, 'GET', '/api/admin/webhook-endpoints/0/'), 400, 'validation_error', 'id');
  });

  it('refuse plain http, private addresses and hosts that do not resolve (400 naming url)', async () => {
    for (const url of [
      'http://hooks.example.com/',
      'ftp://hooks.example.com/',
      'not a url',
      'https://user:pw@hooks.example.com/',
      'https://127.0.0.1/',
      'https://[::1]/',
      'https://169.254.169.254/latest/meta-data/',
      'https://192.168.0.10/',
      'https://internal.example.com/',
      'https://mixed.example.com/',
      'https://mapped.example.com/',
      'https://ula.example.com/',
      'https://nowhere.example.com/',
    ]) {
      expectProblem(await create(url), 400, 'validation_error', 'url');
    }
    const made = (await create('https://hooks.example.com/x')).json<{ id: number }>();
    expectProblem(
      await as(admin, 'PATCH', `/api/admin/webhook-endpoints/${made.id}/`, { url: 'https://internal.example.com/' }),
      400,
      'validation_error',
      'url',
    );
    expect((await create('https://93.184.216.34/hook')).statusCode).toBe(201);
  });

  it('lose their finished attempts after the retention period (housekeeping)', async () => {
    const made = (await create('https://hooks.example.com/old')).json<{ id: number }>();
    const old = new Date(Date.now() - 31 * 86_400_000);
    const row = { endpointId: made.id, eventId: randomUUID(), eventType: 'order.placed', body: '{}', attempt: 1, createdAt: old };
    await ctx.database.db.insert(webhookDeliveries).values([
      { ...row, step: 0, status: 'failed' },
      { ...row, attempt: 2, step: 1, status: 'pending' },
      { ...row, attempt: 3, step: null, status: 'succeeded', createdAt: new Date() },
    ]);
    expect(await deleteOldWebhookDeliveries(ctx.database.db, 30)).toBeGreaterThanOrEqual(1);
    const left = (await as(admin, 'GET', `/api/admin/webhook-endpoints/${made.id}/deliveries/`)).json();
    expect(left.results.map((d: { attempt: number; status: string }) => [d.attempt, d.status])).toEqual([
      [3, 'succeeded'],
      [2, 'pending'],
    ]);
    const failed = (await as(admin, 'GET', `/api/admin/webhook-endpoints/${made.id}/deliveries/?status=pending`)).json();
    expect(failed.count).toBe(1);
    expectProblem(await as(admin, 'GET', `/api/admin/webhook-endpoints/${made.id}/deliveries/?status=lost`), 400, 'validation_error', 'status');
  });

  it('offer exactly the event types the events module records', () => {
    // Checked by the type checker (npx tsc --noEmit): a type added to either list fails it.
    expectTypeOf<(typeof WEBHOOK_EVENT_TYPES)[number]>().toEqualTypeOf<keyof EventData>();
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(8);
  });

  it('judge addresses as public or not', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '224.0.0.1', '255.255.255.255', '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1',
      '64:ff9b::7f00:1', 'ff02::1', 'not-an-ip',
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });
});
