import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RazorpayClient, RazorpayError } from '../../src/modules/payments/razorpay.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';

let fake: FakeRazorpay;
let client: RazorpayClient;

/** Generous, so that ordinary calls never time out on a loaded machine. */
const TIMEOUT_MS = 10_000;
/** The short timeout of the one test about timeouts. */
const SHORT_TIMEOUT_MS = 300;

beforeAll(async () => {
  fake = await new FakeRazorpay().start();
  client = new RazorpayClient({
    keyId: fake.keyId,
    keySecret: fake.keySecret,
    apiBase: fake.url,
    timeoutMs: TIMEOUT_MS,
  });
});
afterAll(async () => {
  await fake?.stop();
});
afterEach(() => {
  fake.delayMs = 0;
  fake.failNext(0);
});

/** Runs `call`, expecting a RazorpayError, and returns it. */
async function failure(call: () => Promise<unknown>): Promise<RazorpayError> {
  const err = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RazorpayError);
  return err as RazorpayError;
}

const anOrder = { amount: 12345, currency: 'INR', receipt: 'ORD-0123456789AB' };

describe('RazorpayClient against the fake Razorpay', () => {
  it('creates an order, fetches a payment, refunds and lists refunds', async () => {
    const order = await client.createOrder({ ...anOrder, notes: { order_id: '7' } });
    expect(order).toMatchObject({
      id: expect.stringMatching(/^order_/),
      amount: 12345,
      currency: 'INR',
      receipt: anOrder.receipt,
      status: 'created',
    });
    expect(fake.orders.get(order.id)).toMatchObject({ amount: 12345, notes: { order_id: '7' } });
    expect(client.keyId).toBe(fake.keyId);

    const { payment } = fake.pay(order.id);
    expect(await client.fetchPayment(payment.id)).toMatchObject({
      id: payment.id,
      order_id: order.id,
      amount: 12345,
      status: 'captured',
    });

    expect((await client.listRefunds(payment.id)).items).toEqual([]);
    const refund = await client.refund(payment.id, { amount: 12345, notes: { reason: 'test' } });
    expect(refund).toMatchObject({
      id: expect.stringMatching(/^rfnd_/),
      payment_id: payment.id,
      amount: 12345,
      status: 'processed',
    });
    expect((await client.listRefunds(payment.id)).items.map((r) => r.id)).toEqual([refund.id]);
    expect(fake.requests.slice(-5)).toEqual([
      'POST /v1/orders',
      'GET /v1/payments/:id',
      'GET /v1/payments/:id/refunds',
      'POST /v1/payments/:id/refund',
      'GET /v1/payments/:id/refunds',
    ]);
  });

  it('a wrong key secret: Razorpay rejects the Basic auth (401, rejected)', async () => {
    const wrong = new RazorpayClient({
      keyId: fake.keyId,
      keySecret: 'wrong',
      apiBase: fake.url,
      timeoutMs: TIMEOUT_MS,
    });
    const err = await failure(() => wrong.createOrder(anOrder));
    expect(err).toMatchObject({
      name: 'RazorpayError',
      kind: 'rejected',
      status: 401,
      code: 'BAD_REQUEST_ERROR',
    });
    expect(err.message).toMatch(/401.*Authentication failed/);
  });

  it("Razorpay's error body becomes a rejected error with its status, code and description", async () => {
    const tooSmall = await failure(() => client.createOrder({ ...anOrder, amount: 99 }));
    expect(tooSmall).toMatchObject({ kind: 'rejected', status: 400, code: 'BAD_REQUEST_ERROR' });
    expect(tooSmall.message).toMatch(/400.*atleast INR 1\.00/);

    const unknown = await failure(() => client.fetchPayment('pay_doesnotexist'));
    expect(unknown).toMatchObject({ kind: 'rejected', status: 400, code: 'BAD_REQUEST_ERROR' });
    expect(unknown.message).toMatch(/does not exist/);
  });

  it.each([500, 502, 503, 504])('a %i is unavailable, with the status', async (status) => {
    fake.failNext(1, status);
    const err = await failure(() => client.createOrder(anOrder));
    expect(err).toMatchObject({ kind: 'unavailable', status, code: 'SERVER_ERROR' });
    // The next call goes through.
    expect((await client.createOrder(anOrder)).id).toMatch(/^order_/);
  });

  it('a 429 (rate limited) is unavailable too', async () => {
    fake.failNext(1, 429);
    expect(await failure(() => client.createOrder(anOrder))).toMatchObject({
      kind: 'unavailable',
      status: 429,
    });
  });

  it('a dropped connection is unavailable, without a status', async () => {
    fake.failNext(1, 0);
    const err = await failure(() => client.createOrder(anOrder));
    expect(err.kind).toBe('unavailable');
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(/unreachable/);
  });

  it('an answer slower than the timeout is unavailable, and the call gives up at the timeout', async () => {
    const hasty = new RazorpayClient({
      keyId: fake.keyId,
      keySecret: fake.keySecret,
      apiBase: fake.url,
      timeoutMs: SHORT_TIMEOUT_MS,
    });
    fake.delayMs = 2_000;
    const started = Date.now();
    const err = await failure(() => hasty.createOrder(anOrder));
    const took = Date.now() - started;
    expect(err.kind).toBe('unavailable');
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(new RegExp(`timed out after ${SHORT_TIMEOUT_MS} ms`));
    expect(took).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);
    // It did not wait for the slow answer.
    expect(took).toBeLessThan(fake.delayMs);
  });

  it('nothing listening is unavailable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const closed = new RazorpayClient({
      keyId: 'k',
      keySecret: 's',
      apiBase: `http://127.0.0.1:${port}`,
      timeoutMs: TIMEOUT_MS,
    });
    expect((await failure(() => closed.createOrder(anOrder))).kind).toBe('unavailable');
  });
});

describe('RazorpayClient on the wire', () => {
  let server: Server;
  let seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '{}' };
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterEach(() => {
    seen = [];
    answer = { status: 200, body: '{}' };
  });

  it('sends HTTP Basic auth of key id and secret, and the JSON body', async () => {
    const wire = new RazorpayClient({
      keyId: 'rzp_test_abc',
      keySecret: 's3cr3t:with:colons',
      apiBase: base,
      timeoutMs: 1000,
    });
    answer = {
      status: 200,
      body: JSON.stringify({
        id: 'order_1',
        amount: 100,
        currency: 'INR',
        receipt: 'r',
        status: 'created',
      }),
    };
    await wire.createOrder({ amount: 100, currency: 'INR', receipt: 'r' });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/orders');
    expect(request!.headers.authorization).toBe(
      'Basic ' + Buffer.from('rzp_test_abc:s3cr3t:with:colons').toString('base64'),
    );
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({ amount: 100, currency: 'INR', receipt: 'r' });
  });

  it('a GET has no body and no content-type; ids are URL-encoded into the path', async () => {
    const wire = new RazorpayClient({ keyId: 'k', keySecret: 's', apiBase: base, timeoutMs: 1000 });
    await wire.fetchPayment('pay_a/b?c');
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url).toBe('/v1/payments/pay_a%2Fb%3Fc');
    expect(seen[0]!.headers['content-type']).toBeUndefined();
    expect(seen[0]!.body).toBe('');
  });

  it('an error answer that is not JSON still becomes a RazorpayError', async () => {
    const wire = new RazorpayClient({ keyId: 'k', keySecret: 's', apiBase: base, timeoutMs: 1000 });
    answer = { status: 502, body: '<html>Bad gateway</html>' };
    const err = await failure(() => wire.createOrder(anOrder));
    expect(err).toMatchObject({ kind: 'unavailable', status: 502, code: undefined });
    expect(err.message).toMatch(/502.*Bad gateway/);
    answer = { status: 404, body: '' };
    const missing = await failure(() => wire.fetchPayment('pay_x'));
    expect(missing).toMatchObject({ kind: 'rejected', status: 404 });
    expect(missing.message).toMatch(/no detail/);
  });
});
