// Taking the payment of an order: the API's initiate → Razorpay Checkout (or, against the local
// fake Razorpay, its /pay route standing in for the shopper paying) → the API's verify.
import type { Schemas } from '@shop/client';
import { ApiError, ok, shop, type User } from './api';
import { config } from './config';

type Initiated = Schemas['PaymentInitiateResponse'];
type CheckoutResult = Pick<
  Schemas['PaymentVerifyBody'],
  'razorpay_order_id' | 'razorpay_payment_id' | 'razorpay_signature'
>;

interface RazorpayOptions {
  key: string;
  amount: number;
  currency: string;
  order_id: string;
  name: string;
  description: string;
  prefill: { name?: string; email?: string; contact?: string };
  theme: { color: string };
  handler: (response: CheckoutResult) => void;
  modal: { ondismiss: () => void };
}

interface RazorpayCheckout {
  open(): void;
  on(
    event: 'payment.failed',
    listener: (response: { error: { description?: string } }) => void,
  ): void;
}

declare global {
  interface Window {
    Razorpay?: new (options: RazorpayOptions) => RazorpayCheckout;
  }
}

const CHECKOUT_JS = 'https://checkout.razorpay.com/v1/checkout.js';

/** "Pay (test gateway)" instead of Razorpay Checkout: the storefront talks to the local fake. */
export const usesTestGateway = () => config().razorpayFakeUrl !== null;

let checkoutScript: Promise<void> | null = null;

function loadCheckout(): Promise<void> {
  checkoutScript ??= new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = CHECKOUT_JS;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => {
      checkoutScript = null;
      reject(
        new Error('Razorpay Checkout could not be loaded. Check your connection and try again.'),
      );
    };
    document.head.append(script);
  });
  return checkoutScript;
}

/** Opens Razorpay Checkout for the order; resolves with what its handler receives. */
async function razorpayCheckout(initiated: Initiated, user: User | null): Promise<CheckoutResult> {
  await loadCheckout();
  const Razorpay = window.Razorpay;
  if (!Razorpay) throw new Error('Razorpay Checkout did not start.');
  return new Promise<CheckoutResult>((resolve, reject) => {
    const checkout = new Razorpay({
      key: initiated.razorpay_key_id,
      amount: initiated.amount,
      currency: initiated.currency,
      order_id: initiated.razorpay_order_id,
      name: config().shopName,
      description: `Order ${initiated.order_number}`,
      prefill: {
        ...(user ? { name: `${user.first_name} ${user.last_name}`.trim(), email: user.email } : {}),
        ...(user?.phone ? { contact: user.phone } : {}),
      },
      theme: { color: '#0f766e' },
      handler: resolve,
      modal: { ondismiss: () => reject(new Error('The payment window was closed before paying.')) },
    });
    checkout.on('payment.failed', (response) =>
      reject(new Error(response.error.description ?? 'The payment failed. You can try again.')),
    );
    checkout.open();
  });
}

/** The fake Razorpay's stand-in for Checkout: it pays the Razorpay order and answers the three values. */
async function testGatewayCheckout(initiated: Initiated): Promise<CheckoutResult> {
  const res = await fetch(
    `${config().razorpayFakeUrl}/v1/orders/${encodeURIComponent(initiated.razorpay_order_id)}/pay`,
    {
      method: 'POST',
    },
  );
  const body = (await res.json().catch(() => null)) as
    (CheckoutResult & { error?: { description?: string } }) | null;
  if (!res.ok || !body?.razorpay_payment_id) {
    throw new Error(
      body?.error?.description ?? `The test gateway refused the payment (HTTP ${res.status}).`,
    );
  }
  return body;
}

/** Pays the order and has the API verify it: afterwards the order is paid. */
export async function payOrder(
  orderId: number,
  user: User | null,
): Promise<Schemas['PaymentVerifyResponse']> {
  const initiated = await ok(
    shop().POST('/api/payments/initiate/', { body: { order_id: orderId } }),
  );
  const result = usesTestGateway()
    ? await testGatewayCheckout(initiated)
    : await razorpayCheckout(initiated, user);
  try {
    return await ok(
      shop().POST('/api/payments/verify/', { body: { order_id: orderId, ...result } }),
    );
  } catch (err) {
    // Razorpay's webhook still reports a real capture: the order page will show it.
    if (err instanceof ApiError && err.status >= 500)
      throw new Error('Your payment went through; the shop is confirming it.');
    throw err;
  }
}
