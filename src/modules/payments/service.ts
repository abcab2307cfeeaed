import type { Config } from '../../config.js';
import type { Database, Tx } from '../../db/client.js';
import { AppError, BadRequest, Conflict, ServiceUnavailable, ValidationError } from '../../http/errors.js';
import { toPaise } from '../../lib/money.js';
import type { Actor } from '../../kernel/actor.js';
import type { JobQueue } from '../jobs/index.js';
import * as orders from '../orders/index.js';
import { RazorpayClient, RazorpayError } from './razorpay.js';
import * as repo from './repository.js';
import { paymentSignatureMatches } from './signatures.js';

export interface PaymentsDeps {
  database: Database;
  jobs: JobQueue;
  orders: orders.OrdersDeps;
  /** Null when Razorpay keys are not configured: payment routes answer 503. */
  razorpay: RazorpayClient | null;
  keySecret: string | null;
  webhookSecret: string | null;
}

export interface InitiateResponse {
  razorpay_order_id: string;
  razorpay_key_id: string;
  amount: number;
  currency: string;
  order_id: number;
  order_number: string;
}

/** How long past the Razorpay timeout an unfinished intent is taken for abandoned. */
const ABANDONED_INTENT_MARGIN_MS = 30_000;

/** Razorpay's smallest payment: ₹1.00. */
const MIN_AMOUNT_PAISE = 100;

/** Payment statuses of a payment (or an order) whose money was received. */
const CAPTURED = ['success', 'partially_refunded', 'refunded'];

export const RAZORPAY: orders.ChangedBy = { id: null, label: 'razorpay' };

export function paymentsDeps(
  config: Config,
  database: Database,
  jobs: JobQueue,
  ordersDeps: orders.OrdersDeps,
): PaymentsDeps {
  const { keyId, keySecret, webhookSecret, apiBase, timeoutMs } = config.razorpay;
  return {
    database,
    jobs,
    orders: ordersDeps,
    razorpay: keyId && keySecret ? new RazorpayClient({ keyId, keySecret, apiBase, timeoutMs }) : null,
    keySecret,
    webhookSecret,
  };
}

export function requireRazorpay(deps: PaymentsDeps): RazorpayClient {
  if (!deps.razorpay) {
    throw new ServiceUnavailable(
      'Payments are not configured on this server: set RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET.',
    );
  }
  return deps.razorpay;
}

function assertPayable(order: orders.OrderRow) {
  if (CAPTURED.includes(order.paymentStatus)) {
    throw new Conflict(`Order ${order.orderNumber} is already paid.`);
  }
  if (order.status === 'cancelled') throw new Conflict(`Order ${order.orderNumber} is cancelled.`);
  if (order.status !== 'pending' && order.status !== 'payment_failed') {
    throw new Conflict(`Order ${order.orderNumber} is ${order.status} and cannot be paid.`);
  }
}

/**
 * How long an Idempotency-Key claim on initiate holds (then a retry may take it over): longer
 * than initiate can last, waiting up to 10 s for a concurrent call and then one Razorpay call.
 */
export function initiateLeaseSeconds(deps: PaymentsDeps): number {
  return Math.ceil((10_000 + (deps.razorpay?.timeoutMs ?? 0) + ABANDONED_INTENT_MARGIN_MS) / 1000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates (once) the Razorpay order for an unpaid order. No transaction spans the HTTP
 * call: the intent is recorded, Razorpay is called, the result is recorded. A failed call
 * removes the intent (503, nothing half-written); a concurrent call for the same order
 * waits for the first one's Razorpay order and answers it too.
 */
export async function initiatePayment(deps: PaymentsDeps, actor: Actor, orderId: number): Promise<InitiateResponse> {
  const razorpay = requireRazorpay(deps);
  const { db } = deps.database;
  const order = await orders.findOwnOrder(deps.orders, actor, orderId);
  assertPayable(order);
  if (toPaise(order.totalAmount) < MIN_AMOUNT_PAISE) {
    throw new BadRequest('Razorpay accepts payments of at least ₹1.00; this order totals less.');
  }
  const answer = (razorpayOrderId: string): InitiateResponse => ({
    razorpay_order_id: razorpayOrderId,
    razorpay_key_id: razorpay.keyId,
    amount: toPaise(order.totalAmount),
    currency: 'INR',
    order_id: order.id,
    order_number: order.orderNumber,
  });

  for (let waited = 0; waited < 10_000; waited += 100) {
    const existing = await repo.findByOrder(db, order.id);
    if (existing?.razorpayOrderId) return answer(existing.razorpayOrderId);
    if (existing) {
      // An intent older than any Razorpay call can last was abandoned (the process died
      // between recording the intent and the result): drop it and start again.
      if (Date.now() - existing.updatedAt.getTime() > razorpay.timeoutMs + ABANDONED_INTENT_MARGIN_MS) {
        await repo.dropIntent(db, existing.id);
      } else {
        await sleep(100); // another request is creating the Razorpay order
      }
      continue;
    }
    const intent = await repo.insertIntent(db, order.id, order.totalAmount);
    if (!intent) continue;
    let created;
    try {
      created = await razorpay.createOrder({
        amount: toPaise(order.totalAmount),
        currency: 'INR',
        receipt: order.orderNumber,
        notes: { order_id: String(order.id) },
      });
    } catch (err) {
      await repo.dropIntent(db, intent.id);
      if (err instanceof RazorpayError) {
        throw new ServiceUnavailable(`The payment gateway failed; nothing was charged. Try again shortly. (${err.message})`);
      }
      throw err;
    }
    if (!(await repo.attachRazorpayOrder(db, intent.id, created.id))) {
      // This call outlasted the margin and its intent was dropped as abandoned: the
      // Razorpay order it created is not recorded, so it must not be handed out.
      throw new ServiceUnavailable('Payment initiation for this order took too long; try again.');
    }
    return answer(created.id);
  }
  throw new ServiceUnavailable('Payment initiation for this order is still in progress; try again.');
}

/**
 * Applies a captured payment under the checkout payment's and order's row locks: payment
 * success, order paid. A capture for a cancelled order is recorded and refunded instead;
 * a capture of another payment for an order already paid (a second capture) is recorded
 * as a payment of its own and refunded in full by the refund job. Applying the same
 * capture twice changes nothing.
 */
export async function recordCapture(
  tx: Tx,
  deps: PaymentsDeps,
  payment: repo.PaymentRow,
  razorpayPaymentId: string,
  signature: string | null,
  note: string,
): Promise<'paid' | 'already' | 'refund' | 'second'> {
  // Payment rows before the order row (the lock order of docs/architecture.md).
  const recorded = await repo.lockByRazorpayPayment(tx, razorpayPaymentId);
  const order = (await orders.lockOrderRow(tx, payment.orderId))!;
  if (recorded && recorded.id !== payment.id) return recorded.secondCapture ? 'second' : 'already';
  if (CAPTURED.includes(payment.status) && payment.razorpayPaymentId === razorpayPaymentId) {
    // Applied before; a cancelled order's payment goes back (so verify answers the same again).
    return order.status === 'cancelled' ? 'refund' : 'already';
  }
  if (CAPTURED.includes(payment.status) || CAPTURED.includes(order.paymentStatus)) {
    // The checkout payment may hold this id from a failed attempt (a late capture): it moves.
    if (payment.razorpayPaymentId === razorpayPaymentId) await repo.updatePayment(tx, payment.id, { razorpayPaymentId: null });
    const second = await repo.insertSecondCapture(tx, payment, razorpayPaymentId, signature);
    await deps.jobs.enqueue(tx, 'payment-refund', { paymentId: second.id });
    return 'second';
  }
  await repo.updatePayment(tx, payment.id, {
    status: 'success',
    razorpayPaymentId,
    razorpaySignature: signature,
    error: null,
  });
  if (order.status === 'pending' || order.status === 'payment_failed') {
    await orders.applyTransition(tx, deps.orders, order, 'paid', RAZORPAY, note, 'success');
    deps.orders.log.info(
      { orderId: order.id, paymentId: payment.id, razorpayPaymentId, amount: payment.amount },
      'payment captured',
    );
    return 'paid';
  }
  if (order.status === 'cancelled') {
    await deps.jobs.enqueue(tx, 'payment-refund', { paymentId: payment.id });
    return 'refund';
  }
  return 'already';
}

/**
 * Records the money staff received outside Razorpay when they mark an order paid by hand:
 * a `manual` payment of the order's total, with the method, reference and who recorded it.
 * Runs in the transaction that moves the order to paid.
 */
export const recordManualPayment: orders.ManualPaymentRecorder = async (tx, order, payment, by) => {
  await repo.insertManualPayment(tx, {
    orderId: order.id,
    amount: order.totalAmount,
    method: payment.method,
    reference: payment.reference.trim(),
    recordedById: by.id,
  });
};

/** Checks the checkout signature against the stored Razorpay order and marks the order paid. */
export async function verifyPayment(
  deps: PaymentsDeps,
  actor: Actor,
  input: { order_id: number; razorpay_order_id: string; razorpay_payment_id: string; razorpay_signature: string },
) {
  requireRazorpay(deps);
  const order = await orders.findOwnOrder(deps.orders, actor, input.order_id);
  const payment = await repo.findByOrder(deps.database.db, order.id);
  if (!payment?.razorpayOrderId || payment.razorpayOrderId !== input.razorpay_order_id) {
    throw ValidationError.field(
      'razorpay_order_id',
      'This is not the Razorpay order created for this order; call initiate/ first.',
    );
  }
  if (!paymentSignatureMatches(deps.keySecret!, payment.razorpayOrderId, input.razorpay_payment_id, input.razorpay_signature)) {
    throw new AppError(400, 'invalid_signature', 'The payment signature does not match.');
  }
  const outcome = await deps.database.db.transaction(async (tx) => {
    const locked = (await repo.lockByOrder(tx, order.id))!;
    return recordCapture(tx, deps, locked, input.razorpay_payment_id, input.razorpay_signature, 'Payment verified');
  });
  if (outcome === 'refund') {
    throw new Conflict(`Order ${order.orderNumber} was cancelled; the payment will be refunded.`);
  }
  if (outcome === 'second') {
    throw new Conflict(`Order ${order.orderNumber} was already paid; this payment will be refunded in full.`);
  }
  return {
    message: 'Payment verified successfully',
    order_number: order.orderNumber,
    payment_status: 'success' as const,
  };
}
