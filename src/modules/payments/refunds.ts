import type { Tx } from '../../db/client.js';
import { Conflict, NotFound } from '../../http/errors.js';
import { fromPaise, toPaise } from '../../lib/money.js';
import { RazorpayError, type RazorpayRefund } from './razorpay.js';
import { refundProcessed } from './order-refunds.js';
import * as repo from './repository.js';
import { type PaymentsDeps, requireRazorpay } from './service.js';

/** What Razorpay says of one refund: its id, amount in paise and state. */
export interface RefundReport {
  id: string;
  amountPaise: number;
  status: 'pending' | 'processed' | 'failed';
  error?: string | null;
  /** The staff refund row this is (its id in the request's notes), if it is one. */
  shopRefundId?: number | null;
}

/**
 * The refund job's payload: a cancelled paid order's checkout payment, one payment (a
 * second capture), or one staff refund (`POST /api/orders/{id}/refunds/`).
 */
export type RefundJob = { orderId: number } | { paymentId: number } | { refundId: number };

/** The note carrying a staff refund's row id on the refund Razorpay is asked for. */
const REFUND_MARK = 'shop_refund_id';

/** A staff refund's row id from a Razorpay refund's notes, or null. */
export function shopRefundIdOf(notes: unknown): number | null {
  const value = notes !== null && typeof notes === 'object' ? (notes as Record<string, unknown>)[REFUND_MARK] : undefined;
  const id = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

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
  // A staff refund whose Razorpay answer was not recorded yet: this is it.
  if (refund.shopRefundId) await repo.attachRazorpayRefund(tx, refund.shopRefundId, payment.id, refund.id);
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
  const row = await repo.upsertRefund(tx, {
    paymentId: payment.id,
    razorpayRefundId: refund.id,
    amount: fromPaise(amountPaise),
    status: refund.status,
    error: refund.error ?? null,
  });
  const logged = { orderId: payment.orderId, refundId: row.id, razorpayRefundId: refund.id, amount: row.amount };
  // A refund the shop did not ask for here (a cancelled order's, one made in Razorpay's dashboard).
  if (!known) deps.orders.log.info(logged, 'refund created');
  if (refund.status === 'failed') deps.orders.log.info({ ...logged, reason: refund.error ?? null }, 'refund failed');
  // A staff refund's failure is its own (its amount and units are free again); any other's is the payment's.
  if (refund.status === 'failed' && !row.requestedBy) {
    await repo.updatePayment(tx, payment.id, {
      error: `Refund ${refund.id} failed${refund.error ? `: ${refund.error}` : ''}`.slice(0, 1000),
    });
  }
  if (refund.status === 'processed') await refundProcessed(tx, deps, payment, row);
  return null;
}

/** The note the refund job puts on the refunds it asks for, to tell them from refunds made elsewhere. */
const MARK = 'shop_payment_id';

/**
 * The refund job: refunds what is left of a captured Razorpay payment (a cancelled paid
 * order's, or a second capture). First every refund Razorpay lists for the payment is
 * recorded by its own id, amount and status (so a refund whose answer was lost, one made in
 * Razorpay's dashboard, or a pending one that settled, all count as what they are); then
 * what is neither processed nor pending is asked for, once. A payment whose last refund
 * failed waits for staff (`retryRefund`). Idempotent; throws while Razorpay is down, so
 * pg-boss retries it, and the sweep (`resumeRefunds`) drives it again after that.
 */
export async function runRefundJob(deps: PaymentsDeps, job: RefundJob): Promise<void> {
  if ('refundId' in job) return runRequestedRefund(deps, job.refundId);
  const { db } = deps.database;
  const payment = 'paymentId' in job ? await repo.findById(db, job.paymentId) : await repo.findByOrder(db, job.orderId);
  if (!payment || payment.provider !== 'razorpay' || !payment.razorpayPaymentId) return;
  if (!CAPTURED.includes(payment.status)) return;
  const razorpay = requireRazorpay(deps);
  const listed = (await razorpay.listRefunds(payment.razorpayPaymentId)).items ?? [];
  const outstanding = await db.transaction(async (tx) => {
    const locked = (await repo.lockById(tx, payment.id))!;
    await recordListed(tx, deps, locked, listed);
    return outstandingPaise(tx, locked.id);
  });
  if (outstanding <= 0) return;
  let refund: RazorpayRefund;
  try {
    refund = await razorpay.refund(payment.razorpayPaymentId, {
      amount: outstanding,
      notes: {
        order_id: String(payment.orderId),
        [MARK]: String(payment.id),
        reason: payment.secondCapture ? 'second capture for an order already paid' : 'order cancelled',
      },
    });
  } catch (err) {
    // Refused (not merely unreachable): staff see why; the job is retried, then swept.
    if (err instanceof RazorpayError && err.kind === 'rejected') {
      await repo.updatePayment(db, payment.id, { error: `Refund refused: ${err.message}`.slice(0, 1000) });
    }
    throw err;
  }
  await db.transaction(async (tx) => {
    const locked = (await repo.lockById(tx, payment.id))!;
    await record(tx, deps, locked, refund, true);
  });
}

/**
 * Records every refund Razorpay lists for the payment (oldest first). One the job asked for
 * whose answer never arrived (marked as the job's, not recorded yet) becomes the payment's
 * current refund.
 */
async function recordListed(tx: Tx, deps: PaymentsDeps, payment: repo.PaymentRow, listed: RazorpayRefund[]) {
  const known = await repo.refundIdsOf(tx, payment.id);
  const oldestFirst = [...listed].sort((a, b) => (a.created_at ?? 0) - (b.created_at ?? 0));
  for (const refund of oldestFirst) {
    if (refund.payment_id !== payment.razorpayPaymentId) continue;
    const ours = !known.has(refund.id) && refund.notes?.[MARK] === String(payment.id);
    await record(tx, deps, payment, refund, ours);
  }
}

/** Records one refund Razorpay reported; `current`: it is the one the job asked for. */
async function record(tx: Tx, deps: PaymentsDeps, payment: repo.PaymentRow, refund: RazorpayRefund, current: boolean) {
  const report = reportOf(refund);
  if (!report) return;
  if (current) await repo.updatePayment(tx, payment.id, { razorpayRefundId: report.id });
  const problem = await settleRefund(tx, deps, payment, report);
  if (problem) await repo.updatePayment(tx, payment.id, { error: problem.slice(0, 1000) });
}

function reportOf(refund: RazorpayRefund): RefundReport | null {
  if (typeof refund.id !== 'string' || !refund.id || refund.id.length > 64) return null;
  if (!Number.isSafeInteger(refund.amount) || refund.amount <= 0) return null;
  const status = refund.status === 'processed' || refund.status === 'failed' ? refund.status : 'pending';
  return { id: refund.id, amountPaise: refund.amount, status, shopRefundId: shopRefundIdOf(refund.notes) };
}

/**
 * The refund job for a staff refund: like the cancelled order's (write intent, commit,
 * call, record), never twice. Razorpay's list of the payment's refunds is recorded first:
 * one carrying this row's id in its notes is this refund (its answer was lost), and settles
 * it. Only a pending row without a Razorpay id is then asked for, with its row id in the
 * notes and as the receipt. A refusal (4xx) fails the refund (its amount and units are free
 * again); an unreachable Razorpay throws, so the job is retried, then swept.
 */
async function runRequestedRefund(deps: PaymentsDeps, refundId: number): Promise<void> {
  const { db } = deps.database;
  const row = await repo.findRefundById(db, refundId);
  if (!row || row.status !== 'pending') return;
  const payment = await repo.findById(db, row.paymentId);
  if (!payment || payment.provider !== 'razorpay' || !payment.razorpayPaymentId) return;
  const razorpay = requireRazorpay(deps);
  const listed = (await razorpay.listRefunds(payment.razorpayPaymentId)).items ?? [];
  const ask = await db.transaction(async (tx) => {
    const locked = (await repo.lockById(tx, payment.id))!;
    await recordListed(tx, deps, locked, listed);
    const now = await repo.findRefundById(tx, refundId);
    return now?.status === 'pending' && !now.razorpayRefundId;
  });
  if (!ask) return;
  let refund: RazorpayRefund;
  try {
    refund = await razorpay.refund(payment.razorpayPaymentId, {
      amount: toPaise(row.amount),
      receipt: `refund_${row.id}`,
      notes: { order_id: String(payment.orderId), [REFUND_MARK]: String(row.id), reason: (row.reason ?? '').slice(0, 250) },
    });
  } catch (err) {
    if (err instanceof RazorpayError && err.kind === 'rejected') {
      await repo.failRefund(db, row.id, `Refund refused: ${err.message}`);
      deps.orders.log.info({ orderId: payment.orderId, refundId: row.id, amount: row.amount, reason: err.message }, 'refund failed');
      return;
    }
    throw err;
  }
  await db.transaction(async (tx) => {
    const locked = (await repo.lockById(tx, payment.id))!;
    await record(tx, deps, locked, { ...refund, notes: { ...refund.notes, [REFUND_MARK]: String(row.id) } }, false);
  });
}

/**
 * What is left to ask Razorpay for, in paise: the payment less its processed and pending
 * refunds; 0 when its current refund failed (staff decide whether to retry it).
 */
async function outstandingPaise(tx: Tx, paymentId: number): Promise<number> {
  const payment = (await repo.findById(tx, paymentId))!;
  if (!CAPTURED.includes(payment.status)) return 0;
  if (payment.razorpayRefundId) {
    const current = await repo.findRefund(tx, payment.razorpayRefundId);
    if (current?.status === 'failed') return 0;
  }
  const taken = await repo.refundPaise(tx, paymentId, ['processed', 'pending']);
  return toPaise(payment.amount) - taken;
}

/**
 * Staff retry a refund that failed: the payment's current refund is set aside and the
 * refund job asks Razorpay again for what is left (enqueued in this transaction).
 */
export async function retryRefund(deps: PaymentsDeps, paymentId: number): Promise<void> {
  requireRazorpay(deps);
  await deps.database.db.transaction(async (tx) => {
    const payment = await repo.lockById(tx, paymentId);
    if (!payment) throw new NotFound('No such payment.');
    const current = payment.razorpayRefundId ? await repo.findRefund(tx, payment.razorpayRefundId) : undefined;
    if (current?.status !== 'failed' || !CAPTURED.includes(payment.status)) {
      throw new Conflict(`Payment ${payment.id} has no failed refund to retry.`);
    }
    await repo.updatePayment(tx, payment.id, { razorpayRefundId: null, error: null });
    await deps.jobs.enqueue(tx, 'payment-refund', { paymentId: payment.id });
  });
}

/** How long a refund is left to its own job before the sweep drives it again. */
const SWEEP_GRACE_MINUTES = 10;

/**
 * The sweep (a cron job): enqueues the refund job again for every captured Razorpay payment
 * that should be refunded (a cancelled order's, a second capture) and is not, unless a
 * refund job for it is still waiting or retrying, or its current refund failed (staff retry
 * it). Returns the payment ids it enqueued.
 */
export async function resumeRefunds(deps: PaymentsDeps): Promise<number[]> {
  const { db } = deps.database;
  return db.transaction(async (tx) => {
    const busy = { paymentIds: [] as number[], orderIds: [] as number[] };
    const busyRefunds: number[] = [];
    for (const job of await deps.jobs.unfinished(tx, 'payment-refund')) {
      if ('paymentId' in job) busy.paymentIds.push(job.paymentId);
      else if ('refundId' in job) busyRefunds.push(job.refundId);
      else busy.orderIds.push(job.orderId);
    }
    const ids = await repo.unsettledRefundPayments(tx, { graceMinutes: SWEEP_GRACE_MINUTES, limit: 500, busy });
    await deps.jobs.enqueueMany(tx, 'payment-refund', ids.map((paymentId) => ({ data: { paymentId } })));
    // Staff refunds still pending: asked for again (if never asked) or looked up (if never settled).
    const refundIds = await repo.unsettledRequestedRefunds(tx, { graceMinutes: SWEEP_GRACE_MINUTES, limit: 500, busy: busyRefunds });
    await deps.jobs.enqueueMany(tx, 'payment-refund', refundIds.map((refundId) => ({ data: { refundId } })));
    return ids;
  });
}
