// What a refund may take, computed in the admin from the order detail and its payments, as the
// API computes it (src/modules/payments/order-refunds.ts): pure functions, money in integer paise.
import type { Schemas } from '@shop/client';

type OrderDetailData = Schemas['OrderDetail'];
type OrderItem = OrderDetailData['items'][number];
type Refund = OrderDetailData['refunds'][number];
/** What is read of the order's payments (the admin payments list's rows). */
interface PaymentRow {
  id: number;
  second_capture: boolean;
  status: string;
  amount: string;
}

/** Order statuses whose paid order staff may refund in part (the API's list). */
const REFUNDABLE_STATUSES: ReadonlySet<OrderDetailData['status']> = new Set([
  'paid',
  'processing',
  'shipped',
  'delivered',
]);
const CAPTURED: ReadonlySet<string> = new Set(['success', 'partially_refunded']);

/** Money as the API writes it ("1250.00") in paise. */
export function toPaise(value: string): number {
  return Math.round(Number(value) * 100);
}

/** Paise as the API takes money: "1124.99". */
export function fromPaise(paise: number): string {
  const sign = paise < 0 ? '-' : '';
  const abs = Math.abs(paise);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Refunds that hold money or units: pending ones as well as processed (a failed one takes nothing). */
const holds = (r: Refund) => r.status === 'pending' || r.status === 'processed';

/** A line of the order as the dialog offers it: units left, and what was given back for it. */
interface RefundLine {
  item: OrderItem;
  refundedUnits: number;
  refundedPaise: number;
  refundable: number;
}

/** Each line of the order with its units and money already refunded (pending or processed). */
export function refundLines(order: OrderDetailData): RefundLine[] {
  return order.items.map((item) => {
    let refundedUnits = 0;
    let refundedPaise = 0;
    for (const r of order.refunds.filter(holds)) {
      for (const line of r.items.filter((l) => l.item_id === item.id)) {
        refundedUnits += line.quantity;
        refundedPaise += toPaise(line.amount);
      }
    }
    return {
      item,
      refundedUnits,
      refundedPaise,
      refundable: Math.max(0, item.quantity - refundedUnits),
    };
  });
}

/**
 * The paid share of `q` more units of a line, as the API computes it: (price × n − discount)
 * × q ÷ n rounded down, the units that complete the line taking the rounding.
 */
export function lineShare(line: RefundLine, q: number): number {
  if (q <= 0) return 0;
  const n = line.item.quantity;
  const paid =
    BigInt(toPaise(line.item.price_at_purchase)) * BigInt(n) - BigInt(toPaise(line.item.discount));
  if (line.refundedUnits + q >= n) return Math.max(0, Number(paid) - line.refundedPaise);
  return Number((paid * BigInt(q)) / BigInt(n));
}

/** The captured amount (the payment that paid the order) and what of it refunds leave. */
export function refundable(
  order: OrderDetailData,
  payments: PaymentRow[] | undefined,
): { captured: number; remaining: number } {
  const paying = payments
    ?.filter(
      (p) => !p.second_capture && ['success', 'partially_refunded', 'refunded'].includes(p.status),
    )
    .sort((a, b) => a.id - b.id)[0];
  const captured = toPaise(paying?.amount ?? order.total_amount);
  const taken = order.refunds.filter(holds).reduce((sum, r) => sum + toPaise(r.amount), 0);
  return { captured, remaining: Math.max(0, captured - taken) };
}

/** Whether staff may refund the order now: paid, in a refundable status, something left. */
export function canRefund(order: OrderDetailData, payments: PaymentRow[] | undefined): boolean {
  return (
    REFUNDABLE_STATUSES.has(order.status) &&
    CAPTURED.has(order.payment_status) &&
    refundable(order, payments).remaining > 0
  );
}
