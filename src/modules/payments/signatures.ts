import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacHex(secret: string, payload: string | Buffer): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Compares a received hex signature with the expected one in constant time. */
export function signatureMatches(secret: string, payload: string | Buffer, received: string | undefined): boolean {
  if (!received || !/^[0-9a-f]{64}$/i.test(received)) return false;
  const expected = Buffer.from(hmacHex(secret, payload), 'hex');
  return timingSafeEqual(expected, Buffer.from(received, 'hex'));
}

/** Checkout's signature: HMAC-SHA256 of "<order_id>|<payment_id>" with the key secret. */
export function paymentSignatureMatches(
  keySecret: string,
  razorpayOrderId: string,
  razorpayPaymentId: string,
  signature: string | undefined,
): boolean {
  return signatureMatches(keySecret, `${razorpayOrderId}|${razorpayPaymentId}`, signature);
}
