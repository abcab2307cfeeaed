import { toPaise } from '../../lib/money.js';
import * as repo from './repository.js';
import { type PaymentsDeps, requireRazorpay } from './service.js';
import { markRefunded } from './webhooks.js';

/**
 * The refund job for a paid order that was cancelled. Idempotent: a payment refunded or
 * with a refund already requested is left alone, and a refund Razorpay already has (a
 * retry after a lost answer) is found before a new one is asked for.
 */
export async function refundOrderPayment(deps: PaymentsDeps, orderId: number): Promise<void> {
  const razorpay = requireRazorpay(deps);
  const payment = await repo.findByOrder(deps.database.db, orderId);
  if (!payment || payment.status !== 'success' || !payment.razorpayPaymentId || payment.razorpayRefundId) return;
  const existing = (await razorpay.listRefunds(payment.razorpayPaymentId)).items?.[0];
  const refund =
    existing ??
    (await razorpay.refund(payment.razorpayPaymentId, {
      amount: toPaise(payment.amount),
      notes: { order_id: String(orderId), reason: 'order cancelled' },
    }));
  await deps.database.db.transaction(async (tx) => {
    const locked = (await repo.lockByOrder(tx, orderId))!;
    if (refund.status === 'processed') await markRefunded(tx, locked, refund.id);
    else await repo.updatePayment(tx, locked.id, { razorpayRefundId: refund.id });
  });
}
