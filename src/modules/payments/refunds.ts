import type { Tx } from '../../db/client.js';
import { fromPaise, toPaise } from '../../lib/money.js';
import * as orders from '../orders/service.js';
import * as repo from './repository.js';
import { type PaymentsDeps, requireRazorpay } from './service.js';

/** What Razorpay says of one refund: its id, amount in paise and state. */
export interface RefundReport {
  id: string;
  amountPaise: number;
  status: 'pending' | 'processed' | 'failed';
  error?: string | null;
}

/** The refund job's payload: a cancelled paid order's checkout payment, or one payment. */
export type RefundJob = { orderId: number } | { paymentId: number };

const CAPTURED = ['success', 'partially_refunded'];

/**
 * Records a refund Razorpay reported (once per refund id) and brings the payment and, for
 * the payment that paid the order, the order's `payment_status` in line with the sum of
 * processed refunds: all of it `refunded`, less `partially_refunded`. A failed refund
 * marks nothing refunded. Returns why the report was not applied, or null.
 */
export async function settleRefund(
  tx: Tx,
  deps: PaymentsDeps,
  payment: repo.PaymentRow,
  refund: RefundReport,
): Promise<string | null> {
  if (!CAPTURED.includes(payment.status) && payment.status !== 'refunded') {
    return `Payment ${payment.razorpayPaymentId ?? payment.id} was not captured (${payment.status}); nothing to refund`;
  }
  const known = await repo.findRefund(tx, refund.id);
  if (known && known.paymentId !== payment.id) return `Refund ${refund.id} belongs to another payment`;
  if (known && known.status !== 'pending') {
    // Settled before: a redelivery changes nothing; a contradiction is reported, not applied.
    return known.status === refund.status ? null : `Refund ${refund.id} was already ${known.status}`;
  }
  const amountPaise = known ? toPaise(known.amount) : refund.amountPaise;
  if (refund.status === 'processed') {
    const already = await repo.processedRefundPaise(tx, payment.id);
    const captured = toPaise(payment.amount);
    if (already + amountPaise > captured) {
      return `Refund ${refund.id} of ${amountPaise} paise would exceed the payment: ${already} of ${captured} paise refunded already`;
    }
  }
  await repo.upsertRefund(tx, {
    paymentId: payment.id,
    razorpayRefundId: refund.id,
    amount: fromPaise(amountPaise),
    status: refund.status,
    error: refund.error ?? null,
  });
  if (refund.status === 'failed') {
    await repo.updatePayment(tx, payment.id, {
      error: `Refund ${refund.id} failed${refund.error ? `: ${refund.error}` : ''}`.slice(0, 1000),
    });
  }
  if (refund.status === 'processed') await applyRefundedTotal(tx, payment, refund.id);
  return null;
}

/** Sets the payment's refunded amount and status (and the order's, for the payment that paid it). */
async function applyRefundedTotal(tx: Tx, payment: repo.PaymentRow, refundId: string) {
  const refunded = await repo.processedRefundPaise(tx, payment.id);
  const full = refunded >= toPaise(payment.amount);
  const status = full ? 'refunded' : 'partially_refunded';
  await repo.updatePayment(tx, payment.id, {
    status,
    refundedAmount: fromPaise(refunded),
    ...(full ? { razorpayRefundId: refundId } : {}),
  });
  // A second capture's refund gives back the extra money; the order stays paid by the other payment.
  if (payment.secondCapture) return;
  const order = (await orders.lockOrderRow(tx, payment.orderId))!;
  if (order.paymentStatus !== status) await orders.setPaymentStatus(tx, order, status);
}

/**
 * The refund job: refunds what is left of a captured Razorpay payment (a cancelled paid
 * order's, or a second capture). Idempotent: a payment refunded or with a refund already
 * requested is left alone, and a refund Razorpay already has that is not recorded here (a
 * retry after a lost answer) is found before a new one is asked for.
 */
export async function runRefundJob(deps: PaymentsDeps, job: RefundJob): Promise<void> {
  const { db } = deps.database;
  const payment = 'paymentId' in job ? await repo.findById(db, job.paymentId) : await repo.findByOrder(db, job.orderId);
  if (!payment || payment.provider !== 'razorpay' || !payment.razorpayPaymentId || payment.razorpayRefundId) return;
  if (!CAPTURED.includes(payment.status)) return;
  const remaining = toPaise(payment.amount) - toPaise(payment.refundedAmount);
  if (remaining <= 0) return;
  const razorpay = requireRazorpay(deps);
  const known = await repo.refundIdsOf(db, payment.id);
  const existing = (await razorpay.listRefunds(payment.razorpayPaymentId)).items?.find((r) => !known.has(r.id));
  const refund =
    existing ??
    (await razorpay.refund(payment.razorpayPaymentId, {
      amount: remaining,
      notes: {
        order_id: String(payment.orderId),
        reason: payment.secondCapture ? 'second capture for an order already paid' : 'order cancelled',
      },
    }));
  await db.transaction(async (tx) => {
    const locked = (await repo.lockById(tx, payment.id))!;
    await repo.updatePayment(tx, locked.id, { razorpayRefundId: refund.id });
    const status = refund.status === 'processed' || refund.status === 'failed' ? refund.status : 'pending';
    const problem = await settleRefund(tx, deps, locked, { id: refund.id, amountPaise: refund.amount, status });
    if (problem) await repo.updatePayment(tx, locked.id, { error: problem });
  });
}
