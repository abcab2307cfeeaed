import { createHash } from 'node:crypto';
import type { Tx } from '../../db/client.js';
import { AppError, BadRequest, ServiceUnavailable } from '../../http/errors.js';
import { toPaise } from '../../lib/money.js';
import * as orders from '../orders/index.js';
import * as repo from './repository.js';
import { settleRefund, shopRefundIdOf } from './refunds.js';
import { type PaymentsDeps, RAZORPAY, recordCapture } from './service.js';
import { signatureMatches } from './signatures.js';

type Entity = Record<string, unknown>;
interface RazorpayEvent {
  event: string;
  payload: unknown;
}
type Outcome = { processed: boolean; error: string | null };

const done: Outcome = { processed: true, error: null };
const skipped = (error: string): Outcome => ({ processed: false, error });

/** How deep a stored payload may nest (Razorpay's are four or five levels). */
const MAX_DEPTH = 32;

/**
 * A parsed body made storable in jsonb: NUL (which PostgreSQL text cannot hold) and lone
 * surrogates become U+FFFD, in keys and values. Undefined when it nests deeper than
 * MAX_DEPTH.
 */
function storable(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return value.map((v) => storable(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[cleanText(k)] = storable(v, depth + 1);
  return out;
}
class TooDeep extends Error {}

/** NUL, and a surrogate without its pair (not valid UTF-8), which PostgreSQL refuses. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const cleanText = (text: string) => text.replace(UNSTORABLE, '\uFFFD');

/**
 * The event in a signed body, or why it cannot be used. An authentic delivery is always
 * stored (Razorpay would retry a refusal for days): an unusable one as not processed, with
 * the reason, and `{unusable_body: <the raw text>}` as the payload when the parsed one cannot be kept.
 */
function readEvent(parsed: unknown, rawBody: string): { event: RazorpayEvent; stored: unknown; problem: string | null } {
  const unusable = (problem: string) => ({
    event: { event: 'unknown', payload: null },
    stored: { unusable_body: cleanText(rawBody) },
    problem,
  });
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return unusable('The body is not a JSON object');
  }
  let stored: Record<string, unknown>;
  try {
    stored = storable(parsed) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TooDeep) return unusable(`The body nests deeper than ${MAX_DEPTH} levels`);
    throw err;
  }
  const name = typeof stored.event === 'string' ? stored.event.slice(0, 100) : 'unknown';
  return { event: { event: name, payload: stored.payload }, stored, problem: null };
}

/** `payload.<key>.entity` when it is an object. */
function entityOf(event: RazorpayEvent, key: string): Entity | undefined {
  const part = objectOf(event.payload)?.[key];
  return objectOf(objectOf(part)?.entity);
}
function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
/** A Razorpay id as the columns hold it (1–64 characters), or undefined. */
function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : undefined;
}
/** A positive whole number of paise, or undefined. */
function paiseOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

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
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new BadRequest('The webhook body is not valid JSON.');
  }
  const { event, stored, problem } = readEvent(parsed, rawBody);
  const header = eventIdHeader ? cleanText(eventIdHeader).slice(0, 100) : '';
  const eventId = header || `sha256:${createHash('sha256').update(rawBody).digest('hex').slice(0, 60)}`;
  return deps.database.db.transaction(async (tx) => {
    const row = await repo.insertEvent(tx, eventId, event.event, stored);
    if (!row) return 'duplicate';
    const outcome = problem ? skipped(problem) : await applyEvent(tx, deps, event);
    await repo.markEvent(tx, row.id, outcome.processed, outcome.error?.slice(0, 1000) ?? null);
    return 'applied';
  });
}

function applyEvent(tx: Tx, deps: PaymentsDeps, event: RazorpayEvent): Promise<Outcome> {
  const payment = entityOf(event, 'payment');
  switch (event.event) {
    case 'payment.captured':
    case 'order.paid':
      return captured(tx, deps, event.event, payment);
    case 'payment.failed':
      return failed(tx, deps, payment);
    case 'refund.processed':
    case 'refund.failed':
      return refundSettled(tx, deps, event.event, entityOf(event, 'refund'));
    default:
      return Promise.resolve(skipped(`Unhandled event type ${event.event}`));
  }
}

async function captured(tx: Tx, deps: PaymentsDeps, name: string, entity: Entity | undefined): Promise<Outcome> {
  const paymentId = idOf(entity?.id);
  const orderId = idOf(entity?.order_id);
  const amount = paiseOf(entity?.amount);
  if (!paymentId || !orderId || !amount) {
    return skipped('The event has no payment entity with id, order_id and amount');
  }
  const payment = await repo.lockByRazorpayOrder(tx, orderId);
  if (!payment) return skipped(`No payment for Razorpay order ${orderId}`);
  const expected = toPaise(payment.amount);
  if (amount !== expected) {
    return skipped(`Amount mismatch: captured ${amount} paise, the order is ${expected} paise`);
  }
  await recordCapture(tx, deps, payment, paymentId, null, `Payment captured (${name} webhook)`);
  return done;
}

async function failed(tx: Tx, deps: PaymentsDeps, entity: Entity | undefined): Promise<Outcome> {
  const orderId = idOf(entity?.order_id);
  if (!orderId) return skipped('The event has no payment entity with an order_id');
  const payment = await repo.lockByRazorpayOrder(tx, orderId);
  if (!payment) return skipped(`No payment for Razorpay order ${orderId}`);
  // A failed attempt never downgrades a payment that succeeded (shoppers retry).
  if (payment.status !== 'initiated' && payment.status !== 'failed') return done;
  const failedId = idOf(entity?.id);
  // A payment id recorded on another row (a second capture) stays there. Payment rows are
  // locked before the order row (the lock order of docs/architecture.md).
  const holder = failedId ? await repo.lockByRazorpayPayment(tx, failedId) : undefined;
  const order = (await orders.lockOrderRow(tx, payment.orderId))!;
  const description = entity?.error_description;
  await repo.updatePayment(tx, payment.id, {
    status: 'failed',
    razorpayPaymentId: failedId && (!holder || holder.id === payment.id) ? failedId : payment.razorpayPaymentId,
    error: typeof description === 'string' && description ? description.slice(0, 1000) : 'Payment failed',
  });
  if (order.status === 'pending') {
    await orders.applyTransition(tx, deps.orders, order, 'payment_failed', RAZORPAY, 'Payment failed', 'failed');
  }
  return done;
}

/** refund.processed / refund.failed: settled by the refund's own id and amount. */
async function refundSettled(tx: Tx, deps: PaymentsDeps, name: string, entity: Entity | undefined): Promise<Outcome> {
  const refundId = idOf(entity?.id);
  const paymentId = idOf(entity?.payment_id);
  const amount = paiseOf(entity?.amount);
  if (!refundId || !paymentId || !amount) {
    return skipped('The event has no refund entity with id, payment_id and amount');
  }
  const payment = await repo.lockByRazorpayPayment(tx, paymentId);
  if (!payment) return skipped(`No payment ${paymentId}`);
  const reason = entity?.error_description ?? objectOf(entity?.notes)?.reason;
  const problem = await settleRefund(tx, deps, payment, {
    id: refundId,
    amountPaise: amount,
    status: name === 'refund.processed' ? 'processed' : 'failed',
    error: name === 'refund.failed' && typeof reason === 'string' ? reason.slice(0, 500) : null,
    shopRefundId: shopRefundIdOf(entity?.notes),
  });
  return problem ? skipped(problem) : done;
}
