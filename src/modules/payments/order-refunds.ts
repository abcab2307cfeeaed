import type { Tx } from '../../db/client.js';
import {
  AppError,
  Conflict,
  NotFound,
  say,
  throwIfAny,
  ValidationError,
  wrongFields,
  type FieldErrors,
} from '../../http/errors.js';
import { checkedFields } from '../../http/validation.js';
import { formatMoney, fromPaise, parseMoney, toPaise } from '../../lib/money.js';
import type { Actor } from '../../kernel/actor.js';
import type { OrderDetailView } from '../../contract/index.js';
import * as idempotency from '../idempotency/index.js';
import * as orders from '../orders/index.js';
import { recordEvent } from '../events/index.js';
import * as repo from './repository.js';
import type { PaymentsDeps } from './service.js';

/**
 * Staff refunds of an order (API-v2 §3): by items (their paid share after their discount),
 * by amount, or both; any number of them within the captured amount and the bought
 * quantities, checked under the payment's and the order's row locks (the lock order of
 * orders/effects.ts), so that concurrent refunds never exceed them. A Razorpay payment's
 * refund is a pending row the refund job asks Razorpay for (refunds.ts); a manual
 * payment's is processed at once (the money went back outside the shop).
 */
interface RefundInput {
  items?: { item_id: number; quantity: number }[];
  amount?: string | number;
  reason: string;
  restock?: boolean;
}

export type RefundView = OrderDetailView['refunds'][number];

/** Order statuses whose paid order may be refunded in part (a cancelled one is refunded in full). */
const REFUNDABLE_STATUSES = ['paid', 'processing', 'shipped', 'delivered'];
const PAID = ['success', 'partially_refunded'];

/**
 * The paid share of `q` more units of a line of `n` units bought at `pricePaise` with a
 * line discount of `discountPaise`, `refundedPaise` of it given for earlier units:
 * (price × n − discount) × q / n rounded down, and the units that complete the line take
 * the rounding (all its units refund exactly price × n − discount).
 */
export function itemShare(
  line: { pricePaise: number; quantity: number; discountPaise: number },
  refunded: { quantity: number; paise: number },
  q: number,
): number {
  const paid = BigInt(line.pricePaise) * BigInt(line.quantity) - BigInt(line.discountPaise);
  if (refunded.quantity + q >= line.quantity) return Math.max(0, Number(paid) - refunded.paise);
  return Number((paid * BigInt(q)) / BigInt(line.quantity));
}

/**
 * Input checks that need no database, with the fields the schema refused (`schemaErrors`,
 * absent from `input`): every wrong field at once.
 */
function checkInput(input: Partial<RefundInput>, schemaErrors: FieldErrors): { amountPaise: number | null } {
  const errors: FieldErrors = { ...schemaErrors };
  const refused = wrongFields(schemaErrors);
  let amountPaise: number | null = null;
  if (input.amount !== undefined) {
    const parsed = parseMoney(input.amount);
    if (!parsed.ok) errors.amount = [parsed.message];
    else if (toPaise(parsed.value) <= 0) errors.amount = [say.moreThan(0)];
    else amountPaise = toPaise(parsed.value);
  }
  if (input.items === undefined && input.amount === undefined && !refused.has('items') && !refused.has('amount')) {
    errors.items = ['Give the items to refund, an amount, or both.'];
  }
  const seen = new Set<number>();
  input.items?.forEach((item, i) => {
    if (seen.has(item.item_id)) errors[`items.${i}.item_id`] = ['This item is listed twice.'];
    seen.add(item.item_id);
  });
  if (input.reason !== undefined && !input.reason.trim()) errors.reason = [say.blank];
  throwIfAny(errors);
  return { amountPaise };
}

/**
 * Creates a refund of an order (staff). With an Idempotency-Key, a repeat within 24 h
 * answers the first response (the same key with another body is 409).
 */
export async function createRefund(
  deps: PaymentsDeps,
  actor: Actor,
  orderId: number,
  body: unknown,
  idempotencyKey: string | null,
  schemaErrors: FieldErrors = {},
): Promise<{ status: number; body: RefundView; replayed: boolean }> {
  const { amountPaise } = checkInput(checkedFields<RefundInput>(body, schemaErrors), schemaErrors);
  // Every field passed the schema and the checks.
  const input = body as RefundInput;
  const idem = idempotencyKey
    ? {
        userId: actor.id,
        scope: `orders.refund:${orderId}`,
        key: idempotencyKey,
        hash: idempotency.bodyHash(input),
      }
    : null;
  return deps.database.db.transaction(async (tx) => {
    const replay = idem && (await idempotency.claimOrReplay(tx, idem));
    if (replay) return { status: replay.status, body: replay.body as RefundView, replayed: true };
    const body = await refundUnderLock(tx, deps, actor, orderId, input, amountPaise);
    if (idem) await idempotency.complete(tx, idem, { status: 201, body });
    return { status: 201, body, replayed: false };
  });
}

async function refundUnderLock(
  tx: Tx,
  deps: PaymentsDeps,
  actor: Actor,
  orderId: number,
  input: RefundInput,
  givenPaise: number | null,
): Promise<RefundView> {
  // The lock order: the payment row, then the order row.
  const payment = await repo.lockPayingPayment(tx, orderId);
  const order = await orders.lockOrderRow(tx, orderId);
  if (!order) throw new NotFound('Not found.');
  if (!REFUNDABLE_STATUSES.includes(order.status)) {
    throw new Conflict(
      `Order ${order.orderNumber} is ${order.status}: only a paid, processing, shipped or delivered order is refunded in part.`,
    );
  }
  if (order.paymentStatus === 'refunded') {
    throw new AppError(
      409,
      'refund_exceeds_payment',
      `Order ${order.orderNumber} is refunded in full already: nothing remains refundable.`,
    );
  }
  if (!payment || !PAID.includes(order.paymentStatus)) {
    throw new Conflict(
      `Order ${order.orderNumber} has no captured payment left to refund (payment status ${order.paymentStatus}).`,
    );
  }
  const lines = new Map((await orders.itemsOfOrder(tx, orderId)).map((i) => [i.id, i]));
  const refunded = await repo.refundedPerItem(tx, orderId);
  const errors: FieldErrors = {};
  const over: string[] = [];
  const items: { orderItemId: number; quantity: number; amount: string }[] = [];
  let sharePaise = 0;
  input.items?.forEach((want, i) => {
    const line = lines.get(want.item_id);
    if (!line) {
      errors[`items.${i}.item_id`] = [`Order ${order.orderNumber} has no item ${want.item_id}.`];
      return;
    }
    if (want.quantity > line.quantity) {
      errors[`items.${i}.quantity`] = [
        `Must be at most ${line.quantity} (the units bought).`,
      ];
      return;
    }
    const done = refunded.get(line.id) ?? { quantity: 0, paise: 0 };
    if (done.quantity + want.quantity > line.quantity) {
      over.push(
        `item ${line.id}: ${line.quantity - done.quantity} of ${line.quantity} units left to refund`,
      );
      return;
    }
    const share = itemShare(
      {
        pricePaise: toPaise(line.priceAtPurchase),
        quantity: line.quantity,
        discountPaise: toPaise(line.discount),
      },
      done,
      want.quantity,
    );
    sharePaise += share;
    items.push({ orderItemId: line.id, quantity: want.quantity, amount: fromPaise(share) });
  });
  if (Object.keys(errors).length) throw new ValidationError(errors);
  if (over.length) {
    throw new AppError(
      409,
      'refund_exceeds_quantity',
      `More units than remain unrefunded: ${over.join('; ')}.`,
    );
  }
  if (givenPaise !== null && input.items && givenPaise > sharePaise) {
    throw ValidationError.field(
      'amount',
      `Must be at most ${fromPaise(sharePaise)} (the items' paid share).`,
    );
  }
  const amountPaise = givenPaise ?? sharePaise;
  if (amountPaise <= 0)
    throw ValidationError.field(
      'amount',
      'These items were paid nothing (fully discounted): give an amount.',
    );
  const captured = toPaise(payment.amount);
  const taken = await repo.refundPaise(tx, payment.id, ['processed', 'pending']);
  if (taken + amountPaise > captured) {
    throw new AppError(
      409,
      'refund_exceeds_payment',
      `A refund of ${fromPaise(amountPaise)} exceeds what remains refundable: ${fromPaise(captured - taken)} of ${fromPaise(captured)} (refunds pending or processed: ${fromPaise(taken)}).`,
    );
  }
  const manual = payment.provider === 'manual';
  const row = await repo.insertRequestedRefund(tx, {
    paymentId: payment.id,
    amount: fromPaise(amountPaise),
    status: manual ? 'processed' : 'pending',
    reason: input.reason.trim(),
    restock: input.restock ?? false,
    requestedById: actor.id,
    requestedBy: actor.username,
    items,
  });
  await orders.insertHistory(tx, {
    orderId: order.id,
    fromStatus: order.status,
    toStatus: order.status,
    changedById: actor.id,
    changedBy: actor.username,
    note: `Refund #${row.id} of ${fromPaise(amountPaise)}${manual ? ' (manual payment: given back outside the shop)' : ''}: ${row.reason}`.slice(
      0,
      1000,
    ),
  });
  if (manual) {
    await refundProcessed(tx, deps, payment, row);
  } else {
    await deps.jobs.enqueue(tx, 'payment-refund', { refundId: row.id });
  }
  const [view] = (await orders.orderRefunds(tx, order.id)).filter((r) => r.id === row.id);
  return view!;
}

/**
 * A refund became processed (its payment locked by the caller): the payment's refunded
 * amount and status, then, for the payment that paid the order, the order's payment status,
 * its restock (a staff refund with `restock`, unless the order was cancelled: cancelling put
 * back every unit not restocked before) and the analytics, under the order's row lock.
 */
export async function refundProcessed(
  tx: Tx,
  deps: PaymentsDeps,
  payment: repo.PaymentRow,
  refund: repo.RefundRow,
): Promise<void> {
  deps.orders.log.info({ orderId: payment.orderId, refundId: refund.id, amount: refund.amount }, 'refund processed');
  const refundedPaise = await repo.processedRefundPaise(tx, payment.id);
  const full = refundedPaise >= toPaise(payment.amount);
  const status = full ? 'refunded' : 'partially_refunded';
  await repo.updatePayment(tx, payment.id, {
    status,
    refundedAmount: fromPaise(refundedPaise),
    ...(full && refund.razorpayRefundId ? { razorpayRefundId: refund.razorpayRefundId } : {}),
  });
  await recordEvent(tx, 'order.refunded', {
    order_id: payment.orderId,
    refund_id: refund.id,
    amount: formatMoney(refund.amount),
  });
  // A second capture's refund gives back the extra money; the order stays paid by the other payment.
  if (payment.secondCapture) return;
  const order = (await orders.lockOrderRow(tx, payment.orderId))!;
  const paise = toPaise(refund.amount);
  const restock =
    refund.restock && order.status !== 'cancelled'
      ? await repo.refundStockLines(tx, refund.id)
      : [];
  await orders.applyRefund(tx, deps.orders, order, {
    paymentStatus: status,
    paise,
    refundedBeforePaise: refundedPaise - paise,
    restock,
  });
}
