/**
 * Helpers for the payment and job tests: orders placed through the API, Razorpay calls
 * through the app, stored payment state read back.
 */
import { and, eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { orderStatusHistory, payments, products, webhookEvents } from '../../src/db/schema/index.js';
import { buildTestApp, type TestAppOptions, type TestContext } from './app.js';
import type { ResponseBody, Schemas } from './client.js';
import type { OrderStatus } from '../../src/contract/index.js';
import { FakeRazorpay } from './fake-razorpay.js';
import { bearer, makeProduct, makeShop, makeUser, placeOrder, type Shop, type TestUser } from './factories.js';

const PAYMENT_ADDRESS = '7 Payment Lane, Mumbai, MH, 400001, India';

export type OrderDetail = Schemas['OrderDetail'];
export type Initiated = ResponseBody<'postApiPaymentsInitiate'>;

export async function productStock(ctx: TestContext, productId: number): Promise<number> {
  const [row] = await ctx.database.db
    .select({ stock: products.stock })
    .from(products)
    .where(eq(products.id, productId));
  return row!.stock;
}

export function call(
  ctx: TestContext,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  user: TestUser | null,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return ctx.app.inject({
    method,
    url,
    headers: { ...(user ? bearer(user.access) : {}), ...headers },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** An order of `quantity` units of a new product at `price`. */
export async function orderOf(
  shop: Shop,
  user: TestUser,
  price = '250.00',
  quantity = 2,
): Promise<OrderDetail & { productId: number }> {
  const product = await makeProduct(shop, { price, stock: 100 });
  const order = await placeOrder(shop.ctx, user, [[product.id, quantity]], { shipping_address: PAYMENT_ADDRESS });
  return { ...order, productId: product.id };
}

export async function getOrder(ctx: TestContext, user: TestUser, id: number): Promise<OrderDetail> {
  const res = await call(ctx, 'GET', `/api/orders/${id}/`, user);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<OrderDetail>();
}

export function initiate(
  ctx: TestContext,
  user: TestUser | null,
  orderId: number,
  headers: Record<string, string> = {},
) {
  return call(ctx, 'POST', '/api/payments/initiate/', user, { order_id: orderId }, headers);
}

/** Initiates and expects 200: the answer. */
export async function initiated(
  ctx: TestContext,
  user: TestUser,
  orderId: number,
): Promise<Initiated> {
  const res = await initiate(ctx, user, orderId);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Initiated>();
}

export function verify(
  ctx: TestContext,
  user: TestUser,
  body: {
    order_id: number;
    razorpay_order_id: string;
    razorpay_payment_id: string;
    razorpay_signature: string;
  },
) {
  return call(ctx, 'POST', '/api/payments/verify/', user, body);
}

/** Initiates, pays at the fake and verifies: the order is paid. Returns the Razorpay ids. */
export async function payOrder(
  ctx: TestContext,
  fake: FakeRazorpay,
  user: TestUser,
  orderId: number,
) {
  const { razorpay_order_id } = await initiated(ctx, user, orderId);
  const { payment, signature } = fake.pay(razorpay_order_id);
  const res = await verify(ctx, user, {
    order_id: orderId,
    razorpay_order_id,
    razorpay_payment_id: payment.id,
    razorpay_signature: signature,
  });
  expect(res.statusCode, res.body).toBe(200);
  return { razorpayOrderId: razorpay_order_id, payment };
}

/** Posts a webhook delivery (raw body and headers) as Razorpay would. */
export function deliver(
  ctx: TestContext,
  delivery: { body: string; headers: Record<string, string> },
) {
  return ctx.app.inject({
    method: 'POST',
    url: '/api/payments/webhook/',
    headers: delivery.headers,
    payload: delivery.body,
  });
}

export async function paymentRows(ctx: TestContext, orderId: number) {
  return ctx.database.db.select().from(payments).where(eq(payments.orderId, orderId));
}

export async function storedEvents(ctx: TestContext, eventId: string) {
  return ctx.database.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId));
}

/** History rows of an order that moved to `toStatus`. */
export async function historyTo(ctx: TestContext, orderId: number, toStatus: OrderStatus) {
  return ctx.database.db
    .select()
    .from(orderStatusHistory)
    .where(and(eq(orderStatusHistory.orderId, orderId), eq(orderStatusHistory.toStatus, toStatus)));
}

/** Polls `probe` every `intervalMs` until it returns a truthy value; fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the order's detail satisfies `done`, and returns it. */
export function waitForOrder(
  ctx: TestContext,
  user: TestUser,
  orderId: number,
  done: (order: OrderDetail) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<OrderDetail> {
  return waitFor(
    async () => {
      const order = await getOrder(ctx, user, orderId);
      return done(order) ? order : null;
    },
    `order ${orderId}: ${what}`,
    timeoutMs,
  );
}

/**
 * A test app with JOBS=on. On PostgreSQL it gets a database of its own: test files run in
 * parallel on one shared database, and with one shared pg-boss queue the worker of another
 * file (with its own fake Razorpay) would take this file's refund jobs, fail them against
 * the wrong fake and leave them to pg-boss's retry backoff (5–10 s, then 10–20 s, …).
 */
function buildJobsTestApp(env: Record<string, string> = {}): Promise<TestContext> {
  return buildTestApp({ ...env, JOBS: 'on' }, { isolated: true });
}

/** How long a test waits for a job's effect (a job normally runs within a second). */
export const JOB_WAIT_MS = 10_000;

/**
 * A test app against a fresh fake Razorpay, with a shop (its staff user is `admin`) and a
 * shopper. `jobs` runs the job handlers (see buildJobsTestApp).
 */
export async function openPaymentsShop(
  env: Record<string, string> = {},
  options: TestAppOptions & { jobs?: boolean } = {},
) {
  const fake = await new FakeRazorpay().start();
  const appEnv = { ...fake.env, ...env };
  const ctx = await (options.jobs ? buildJobsTestApp(appEnv) : buildTestApp(appEnv, options));
  const [shop, user] = await Promise.all([makeShop(ctx), makeUser(ctx)]);
  return { fake, ctx, shop, user, admin: shop.admin };
}

export async function closePaymentsShop(shop: { ctx?: TestContext; fake?: FakeRazorpay }) {
  await shop.ctx?.close();
  await shop.fake?.stop();
}
