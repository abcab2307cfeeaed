import { describe, expect, it } from 'vitest';
import {
  canRefund,
  fromPaise,
  lineShare,
  refundable,
  refundLines,
} from '../../admin/src/pages/refunds.js';
import { itemShare } from '../../src/modules/payments/order-refunds.js';
import type { Schemas } from '../helpers/client.js';

/**
 * What the admin's refund dialog computes from the order detail (admin/src/pages/refunds.ts)
 * is what the API will refund: each line's paid share, its units left, what remains
 * refundable. Checked against the API's own function over many lines and refund sequences.
 */
type OrderDetail = Schemas['OrderDetail'];
type Refund = OrderDetail['refunds'][number];

/** A small seeded generator (mulberry32): the same cases every run. */
function random(seed: number) {
  let a = seed;
  return (below: number) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

function order(fields: Partial<OrderDetail>): OrderDetail {
  return {
    status: 'delivered',
    payment_status: 'success',
    total_amount: '1000.00',
    items: [],
    refunds: [],
    ...fields,
  } as unknown as OrderDetail;
}

function item(id: number, pricePaise: number, quantity: number, discountPaise: number) {
  return {
    id,
    price_at_purchase: fromPaise(pricePaise),
    quantity,
    discount: fromPaise(discountPaise),
  } as OrderDetail['items'][number];
}

function refund(
  id: number,
  status: Refund['status'],
  amount: string,
  items: Refund['items'] = [],
): Refund {
  return {
    id,
    status,
    amount,
    items,
    razorpay_refund_id: null,
    reason: 'r',
    restock: false,
    created_at: '2026-01-01T00:00:00.000Z',
  };
}

describe('the refund dialog’s money', () => {
  it('gives each unit the API’s paid share, over any sequence of partial refunds (failed ones taking nothing)', () => {
    const next = random(19);
    const statuses = ['pending', 'processed', 'failed'] as const;
    for (let round = 0; round < 500; round++) {
      const quantity = 1 + next(12);
      const pricePaise = 1 + next(2_000_000);
      const discountPaise = next(pricePaise * quantity + 1);
      const line = item(7, pricePaise, quantity, discountPaise);
      const refunds: Refund[] = [];
      const server = { quantity: 0, paise: 0 };
      while (server.quantity < quantity) {
        const [mine] = refundLines(order({ items: [line], refunds }));
        expect(mine!.refundable).toBe(quantity - server.quantity);
        const q = 1 + next(quantity - server.quantity);
        const expected = itemShare({ pricePaise, quantity, discountPaise }, server, q);
        expect(
          lineShare(mine!, q),
          `${quantity} × ${pricePaise} − ${discountPaise}, ${q} of them`,
        ).toBe(expected);
        const status = statuses[next(3)]!;
        refunds.push(
          refund(refunds.length + 1, status, fromPaise(expected), [
            { item_id: 7, quantity: q, amount: fromPaise(expected) },
          ]),
        );
        if (status !== 'failed') {
          server.quantity += q;
          server.paise += expected;
        }
      }
      // All of the line, over however many refunds: exactly what was paid for it.
      expect(server.paise).toBe(pricePaise * quantity - discountPaise);
    }
  });

  it('remains refundable: the paying payment’s amount less the refunds pending or processed', () => {
    const payments = [
      { id: 3, second_capture: true, status: 'refunded', amount: '1000.00' },
      { id: 1, second_capture: false, status: 'failed', amount: '1000.00' },
      { id: 2, second_capture: false, status: 'partially_refunded', amount: '1000.00' },
    ];
    const o = order({
      payment_status: 'partially_refunded',
      refunds: [
        refund(1, 'processed', '300.00'),
        refund(2, 'failed', '500.00'),
        refund(3, 'pending', '199.99'),
      ],
    });
    expect(refundable(o, payments)).toEqual({ captured: 100_000, remaining: 50_001 });
    // Before the payments are read: the order's total.
    expect(refundable(order({ total_amount: '80.00' }), undefined)).toEqual({
      captured: 8000,
      remaining: 8000,
    });
    expect(canRefund(o, payments)).toBe(true);
    expect(canRefund({ ...o, status: 'cancelled' }, payments)).toBe(false);
    expect(canRefund({ ...o, status: 'pending', payment_status: 'pending' }, payments)).toBe(false);
    expect(canRefund({ ...o, payment_status: 'refunded' }, payments)).toBe(false);
    expect(
      canRefund({ ...o, refunds: [...o.refunds, refund(4, 'pending', '500.01')] }, payments),
    ).toBe(false);
  });
});
