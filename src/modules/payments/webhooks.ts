import { createHash } from 'node:crypto';
import type { Tx } from '../../db/client.js';
import { AppError, BadRequest, ServiceUnavailable } from '../../http/errors.js';
import { toPaise } from '../../lib/money.js';
import * as orders from '../orders/service.js';
import * as repo from './repository.js';
import { type PaymentsDeps, RAZORPAY, recordCapture } from './service.js';
import { signatureMatches } from './signatures.js';

interface Entity {
  id?: string;
  order_id?: string;
  payment_id?: string;
  amount?: number;
  error_description?: string;
}
interface RazorpayEvent {
  event?: string;
  payload?: { payment?: { entity?: Entity }; order?: { entity?: Entity }; refund?: { entity?: Entity } };
}
type Outcome = { processed: boolean; error: string | null };

const done: Outcome = { processed: true, error: null };
const skipped = (error: string): Outcome => ({ processed: false, error });

/**
 * A Razorpay webhook delivery. The signature covers the raw body; a bad or missing one is
 * 400 and nothing is stored. Each event is stored once (unique event id) and applied in the
 * same transaction, under the payment's row lock: a replay or a concurrent duplicate
 * changes nothing.
 */
export async function receiveWebhook(
  deps: PaymentsDeps,
  rawBody: string,
  signature: string | undefined,
  eventIdHeader: string | undefined,
): Promise<'applied' | 'duplicate'> {
  if (!deps.webhookSecret) {
    throw new ServiceUnavailable('Payments are not configured on this server: set RAZORPAY_WEBHOOK_SECRET or the key secret.');
  }
  if (!signatureMatches(deps.webhookSecret, rawBody, signature)) {
    throw new AppError(400, 'invalid_signature', 'The X-Razorpay-Signature header is missing or does not match the body.');
  }
  let event: RazorpayEvent;
  try {
    event = JSON.parse(rawBody) as RazorpayEvent;
  } catch {
    throw new BadRequest('The webhook body is not valid JSON.');
  }
  const name = typeof event.event === 'string' ? event.event.slice(0, 100) : 'unknown';
  const eventId = eventIdHeader?.slice(0, 100) || `sha256:${createHash('sha256').update(rawBody).digest('hex').slice(0, 60)}`;
  return deps.database.db.transaction(async (tx) => {
    const stored = await repo.insertEvent(tx, eventId, name, event);
    if (!stored) return 'duplicate';
    const outcome = await applyEvent(tx, deps, name, event);
    await repo.markEvent(tx, stored.id, outcome.processed, outcome.error);
    return 'applied';
  });
}

function applyEvent(tx: Tx, deps: PaymentsDeps, name: string, event: RazorpayEvent): Promise<Outcome> {
  const payment = event.payload?.payment?.entity;
  switch (name) {
    case 'payment.captured':
    case 'order.paid':
      return captured(tx, deps, name, payment);
    case 'payment.failed':
      return failed(tx, deps, payment);
    case 'refund.processed':
      return refunded(tx, deps, event.payload?.refund?.entity);
    default:
      return Promise.resolve(skipped(`Unhandled event type ${name}`));
  }
}

async function captured(tx: Tx, deps: PaymentsDeps, name: string, entity: Entity | undefined): Promise<Outcome> {
  if (!entity?.order_id || !entity.id || typeof entity.amount !== 'number') {
    return skipped('The event has no payment entity with id, order_id and amount');
  }
  const payment = await repo.lockByRazorpayOrder(tx, entity.order_id);
  if (!payment) return skipped(`No payment for Razorpay order ${entity.order_id}`);
  const expected = toPaise(payment.amount);
  if (entity.amount !== expected) {
    return skipped(`Amount mismatch: captured ${entity.amount} paise, the order is ${expected} paise`);
  }
  await recordCapture(tx, deps, payment, entity.id, null, `Payment captured (${name} webhook)`);
  return done;
}

async function failed(tx: Tx, deps: PaymentsDeps, entity: Entity | undefined): Promise<Outcome> {
  if (!entity?.order_id) return skipped('The event has no payment entity with an order_id');
  const payment = await repo.lockByRazorpayOrder(tx, entity.order_id);
  if (!payment) return skipped(`No payment for Razorpay order ${entity.order_id}`);
  const order = (await orders.lockOrderRow(tx, payment.orderId))!;
  // A failed attempt never downgrades a payment that succeeded (shoppers retry).
  if (payment.status === 'success' || payment.status === 'refunded') return done;
  await repo.updatePayment(tx, payment.id, {
    status: 'failed',
    razorpayPaymentId: entity.id ?? payment.razorpayPaymentId,
    error: entity.error_description?.slice(0, 1000) ?? 'Payment failed',
  });
  if (order.status === 'pending') {
    await orders.applyTransition(tx, deps.orders, order, 'payment_failed', RAZORPAY, 'Payment failed', 'failed');
  }
  return done;
}

async function refunded(tx: Tx, deps: PaymentsDeps, entity: Entity | undefined): Promise<Outcome> {
  if (!entity?.payment_id) return skipped('The event has no refund entity with a payment_id');
  const payment = await repo.lockByRazorpayPayment(tx, entity.payment_id);
  if (!payment) return skipped(`No payment ${entity.payment_id}`);
  await markRefunded(tx, payment, entity.id ?? payment.razorpayRefundId);
  return done;
}

/** Payment and order become `refunded` (idempotent). */
export async function markRefunded(tx: Tx, payment: repo.PaymentRow, refundId: string | null) {
  if (payment.status === 'refunded') return;
  const order = (await orders.lockOrderRow(tx, payment.orderId))!;
  await repo.updatePayment(tx, payment.id, { status: 'refunded', razorpayRefundId: refundId });
  await orders.setPaymentStatus(tx, order, 'refunded');
}
