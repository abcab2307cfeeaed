import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../src/db/schema/orders.js';
import {
  allowedTransitions,
  canTransition,
  CUSTOMER_CANCELLABLE,
  isOrderStatus,
  type OrderStatus,
  paymentStatusAfter,
  restoresStock,
  TRANSITIONS,
} from '../../src/modules/orders/order-state.js';

/** The transition table of API.md "Orders", written out independently of the module. */
const ALLOWED: [OrderStatus, OrderStatus][] = [
  ['pending', 'paid'],
  ['pending', 'payment_failed'],
  ['pending', 'cancelled'],
  ['payment_failed', 'pending'],
  ['payment_failed', 'paid'],
  ['payment_failed', 'cancelled'],
  ['paid', 'processing'],
  ['paid', 'cancelled'],
  ['processing', 'shipped'],
  ['processing', 'cancelled'],
  ['shipped', 'delivered'],
];

const STATUSES: OrderStatus[] = [
  'pending',
  'paid',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'payment_failed',
];

const isAllowed = (from: OrderStatus, to: OrderStatus) => ALLOWED.some(([f, t]) => f === from && t === to);

describe('order statuses', () => {
  it('are the seven of the contract', () => {
    expect([...ORDER_STATUSES].sort()).toEqual([...STATUSES].sort());
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATUSES].sort());
  });

  it('isOrderStatus recognises exactly them', () => {
    for (const s of STATUSES) expect(isOrderStatus(s)).toBe(true);
    for (const s of ['', 'PENDING', 'refunded', 'lost', 'pending ', 'success']) expect(isOrderStatus(s)).toBe(false);
  });
});

describe('canTransition', () => {
  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['pending', 'shipped'],
    ['pending', 'processing'],
    ['pending', 'delivered'],
    ['pending', 'pending'],
    ['paid', 'pending'],
    ['paid', 'payment_failed'],
    ['paid', 'shipped'],
    ['paid', 'delivered'],
    ['processing', 'paid'],
    ['processing', 'delivered'],
    ['shipped', 'cancelled'],
    ['shipped', 'processing'],
    ['delivered', 'cancelled'],
    ['delivered', 'pending'],
    ['delivered', 'shipped'],
    ['cancelled', 'pending'],
    ['cancelled', 'paid'],
    ['cancelled', 'cancelled'],
    ['payment_failed', 'payment_failed'],
    ['payment_failed', 'shipped'],
  ] as [OrderStatus, OrderStatus][])('forbids %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('matches the contract for every pair of statuses', () => {
    for (const from of STATUSES) {
      for (const to of STATUSES) expect(canTransition(from, to), `${from} → ${to}`).toBe(isAllowed(from, to));
    }
  });

  it('has no way out of delivered or cancelled, and no self-transitions', () => {
    expect(TRANSITIONS.delivered).toEqual([]);
    expect(TRANSITIONS.cancelled).toEqual([]);
    for (const s of STATUSES) expect(TRANSITIONS[s]).not.toContain(s);
  });
});

describe('CUSTOMER_CANCELLABLE', () => {
  it('is pending and payment_failed only', () => {
    expect([...CUSTOMER_CANCELLABLE].sort()).toEqual(['payment_failed', 'pending']);
    for (const from of CUSTOMER_CANCELLABLE) expect(canTransition(from, 'cancelled')).toBe(true);
  });
});

describe('allowedTransitions', () => {
  it('for staff is every status the contract allows next', () => {
    for (const from of STATUSES) {
      expect([...allowedTransitions(from, true)].sort(), from).toEqual(STATUSES.filter((to) => isAllowed(from, to)).sort());
    }
  });

  it('for the owner is cancelled from pending and payment_failed, else nothing', () => {
    for (const from of STATUSES) {
      const cancellable = from === 'pending' || from === 'payment_failed';
      expect(allowedTransitions(from, false), from).toEqual(cancellable ? ['cancelled'] : []);
    }
  });
});

describe('restoresStock', () => {
  it('is true for every move into cancelled from a live status', () => {
    for (const from of STATUSES.filter((s) => s !== 'cancelled')) {
      expect(restoresStock(from, 'cancelled'), from).toBe(true);
    }
  });

  it('is false for cancelled → cancelled (stock comes back once)', () => {
    expect(restoresStock('cancelled', 'cancelled')).toBe(false);
  });

  it('is false for every move to another status', () => {
    for (const from of STATUSES) {
      for (const to of STATUSES.filter((s) => s !== 'cancelled')) {
        expect(restoresStock(from, to), `${from} → ${to}`).toBe(false);
      }
    }
  });
});

describe('paymentStatusAfter', () => {
  it('moving to paid means the payment succeeded', () => {
    expect(paymentStatusAfter('paid', 'pending')).toBe('success');
    expect(paymentStatusAfter('paid', 'failed')).toBe('success');
    expect(paymentStatusAfter('paid', 'success')).toBe('success');
  });

  it('moving to payment_failed marks a pending payment failed', () => {
    expect(paymentStatusAfter('payment_failed', 'pending')).toBe('failed');
    expect(paymentStatusAfter('payment_failed', 'failed')).toBe('failed');
  });

  it('moving back to pending after a failure makes the payment pending again', () => {
    expect(paymentStatusAfter('pending', 'failed')).toBe('pending');
    expect(paymentStatusAfter('pending', 'pending')).toBe('pending');
  });

  it('leaves the payment status alone for fulfilment steps and cancellation', () => {
    for (const to of ['processing', 'shipped', 'delivered'] as const) {
      expect(paymentStatusAfter(to, 'success')).toBe('success');
    }
    // a cancelled paid order keeps `success` until the refund (payments) changes it
    expect(paymentStatusAfter('cancelled', 'success')).toBe('success');
    expect(paymentStatusAfter('cancelled', 'pending')).toBe('pending');
    expect(paymentStatusAfter('cancelled', 'failed')).toBe('failed');
    expect(paymentStatusAfter('processing', 'refunded')).toBe('refunded');
  });

  it('follows every allowed transition from the payment status the order would have', () => {
    // the payment status an order has while in each status, on the manual path
    const typical: Record<OrderStatus, 'pending' | 'success' | 'failed'> = {
      pending: 'pending',
      payment_failed: 'failed',
      paid: 'success',
      processing: 'success',
      shipped: 'success',
      delivered: 'success',
      cancelled: 'pending',
    };
    for (const [from, to] of ALLOWED) {
      const after = paymentStatusAfter(to, typical[from]);
      if (to === 'cancelled') expect(after, `${from} → ${to}`).toBe(typical[from]);
      else expect(after, `${from} → ${to}`).toBe(typical[to]);
    }
  });
});
