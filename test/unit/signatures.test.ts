import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hmacHex,
  paymentSignatureMatches,
  signatureMatches,
} from '../../src/modules/payments/signatures.js';

const hmac = (secret: string, payload: string | Buffer) =>
  createHmac('sha256', secret).update(payload).digest('hex');

describe('hmacHex', () => {
  it('is hex HMAC-SHA256 (a known vector)', () => {
    expect(hmacHex('key', 'The quick brown fox jumps over the lazy dog')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });

  it('hashes a string as UTF-8, the same as its bytes', () => {
    const text = '{"note":"₹ café धन्यवाद"}';
    expect(hmacHex('s', text)).toBe(hmacHex('s', Buffer.from(text, 'utf8')));
    expect(hmacHex('s', text)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('signatureMatches', () => {
  const secret = 'whsec_test_123';
  const body = '{"event":"payment.captured","payload":{}}';
  const good = hmac(secret, body);

  it('accepts the right signature, in either hex case, for a string or Buffer body', () => {
    expect(signatureMatches(secret, body, good)).toBe(true);
    expect(signatureMatches(secret, body, good.toUpperCase())).toBe(true);
    expect(signatureMatches(secret, Buffer.from(body), good)).toBe(true);
  });

  it('rejects a wrong secret, a changed body and a changed signature', () => {
    expect(signatureMatches('other', body, good)).toBe(false);
    expect(signatureMatches(secret, body + ' ', good)).toBe(false);
    expect(signatureMatches(secret, body.replace('captured', 'failed'), good)).toBe(false);
    const flipped = good.slice(0, 63) + (good[63] === '0' ? '1' : '0');
    expect(signatureMatches(secret, body, flipped)).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too short', 'ab'],
    ['one hex digit short', 'a'.repeat(63)],
    ['too long', 'a'.repeat(66)],
    ['not hex', 'z'.repeat(64)],
    ['base64 of the MAC', Buffer.from('x'.repeat(32)).toString('base64')],
    ['with whitespace', ` ${'a'.repeat(62)} `],
  ])('rejects a %s signature without throwing', (_, received) => {
    expect(() => signatureMatches(secret, body, received)).not.toThrow();
    expect(signatureMatches(secret, body, received)).toBe(false);
  });

  it('rejects the right signature with junk appended', () => {
    expect(signatureMatches(secret, body, good + '00')).toBe(false);
    expect(signatureMatches(secret, body, good + '\n')).toBe(false);
  });
});

describe('paymentSignatureMatches (checkout)', () => {
  const keySecret = 'key_secret_abc';
  const orderId = 'order_ABC123';
  const paymentId = 'pay_XYZ789';
  const good = hmac(keySecret, `${orderId}|${paymentId}`);

  it('is HMAC-SHA256 of "order_id|payment_id" with the key secret', () => {
    expect(paymentSignatureMatches(keySecret, orderId, paymentId, good)).toBe(true);
  });

  it('rejects swapped ids, another payment, another order, another secret, or no signature', () => {
    expect(paymentSignatureMatches(keySecret, paymentId, orderId, good)).toBe(false);
    expect(paymentSignatureMatches(keySecret, orderId, 'pay_other', good)).toBe(false);
    expect(paymentSignatureMatches(keySecret, 'order_other', paymentId, good)).toBe(false);
    expect(paymentSignatureMatches('webhook_secret', orderId, paymentId, good)).toBe(false);
    expect(paymentSignatureMatches(keySecret, orderId, paymentId, undefined)).toBe(false);
    // The separator is part of the signed text.
    expect(paymentSignatureMatches(keySecret, 'order_ABC12', `3${paymentId}`, good)).toBe(false);
    expect(
      paymentSignatureMatches(
        keySecret,
        orderId,
        paymentId,
        hmac(keySecret, `${orderId}${paymentId}`),
      ),
    ).toBe(false);
  });
});
