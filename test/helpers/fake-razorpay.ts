import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the part of Razorpay's API the shop uses: orders,
 * payments and refunds, with Basic auth and Razorpay's error bodies. Tests drive the
 * "shopper" side through it (pay an order, build signed webhooks) and can make it fail.
 */
export interface FakeOrder {
  id: string;
  entity: 'order';
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  status: 'created' | 'attempted' | 'paid';
  attempts: number;
  notes: Record<string, string>;
  created_at: number;
}
export interface FakePayment {
  id: string;
  entity: 'payment';
  amount: number;
  currency: string;
  status: 'captured' | 'failed' | 'refunded';
  order_id: string;
  method: string;
  amount_refunded: number;
  /** null, `partial` (some of it refunded) or `full`. */
  refund_status?: 'partial' | 'full' | null;
  error_description: string | null;
  created_at: number;
}
export interface FakeRefund {
  id: string;
  entity: 'refund';
  amount: number;
  currency: string;
  payment_id: string;
  status: 'pending' | 'processed' | 'failed';
  receipt?: string | null;
  notes: Record<string, string>;
  created_at: number;
}

const id = (prefix: string) => `${prefix}_${randomBytes(7).toString('hex').slice(0, 14)}`;
const now = () => Math.floor(Date.now() / 1000);

/** Fixed keys for a fake that people talk to (scripts/fake-razorpay.ts); tests let them be random. */
export interface FakeRazorpayKeys {
  keyId?: string;
  keySecret?: string;
  webhookSecret?: string;
}

export class FakeRazorpay {
  readonly keyId: string;
  readonly keySecret: string;
  readonly webhookSecret: string;
  readonly orders = new Map<string, FakeOrder>();
  readonly payments = new Map<string, FakePayment>();
  readonly refunds: FakeRefund[] = [];
  /** Requests received, as "METHOD /path". */
  readonly requests: string[] = [];
  /** Answer the next N requests with this status (500: server error; 0: drop the connection). */
  private failures: { remaining: number; status: number } = { remaining: 0, status: 500 };
  /**
   * Status a new refund gets: "processed" at once, "pending" (a webhook confirms it later),
   * or "failed" (Razorpay could not refund: nothing is taken from the payment).
   */
  refundStatus: FakeRefund['status'] = 'processed';
  /** Delay before answering, to simulate a slow gateway. */
  delayMs = 0;
  private server: Server | null = null;

  constructor(keys: FakeRazorpayKeys = {}) {
    this.keyId = keys.keyId ?? `rzp_test_${randomBytes(4).toString('hex')}`;
    this.keySecret = keys.keySecret ?? randomBytes(12).toString('hex');
    this.webhookSecret = keys.webhookSecret ?? randomBytes(12).toString('hex');
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('fake Razorpay is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Settings for loadConfig/buildTestApp pointing the app at this server. */
  get env(): Record<string, string> {
    return {
      RAZORPAY_KEY_ID: this.keyId,
      RAZORPAY_KEY_SECRET: this.keySecret,
      RAZORPAY_WEBHOOK_SECRET: this.webhookSecret,
      RAZORPAY_API_BASE: this.url,
      RAZORPAY_TIMEOUT_MS: '2000',
    };
  }

  /** Listens on 127.0.0.1, on a free port unless one is given. */
  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  failNext(count: number, status = 500): void {
    this.failures = { remaining: count, status };
  }

  count(request: string): number {
    return this.requests.filter((r) => r === request).length;
  }

  /** The shopper pays a Razorpay order: a captured payment and checkout's signature. */
  pay(orderId: string, amount?: number): { payment: FakePayment; signature: string } {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no fake order ${orderId}`);
    const payment: FakePayment = {
      id: id('pay'),
      entity: 'payment',
      amount: amount ?? order.amount,
      currency: order.currency,
      status: 'captured',
      order_id: orderId,
      method: 'upi',
      amount_refunded: 0,
      refund_status: null,
      error_description: null,
      created_at: now(),
    };
    this.payments.set(payment.id, payment);
    order.status = 'paid';
    order.amount_paid = payment.amount;
    order.amount_due = 0;
    return { payment, signature: this.checkoutSignature(orderId, payment.id) };
  }

  /** A failed payment attempt on a Razorpay order. */
  fail(orderId: string): FakePayment {
    const order = this.orders.get(orderId)!;
    const payment: FakePayment = {
      id: id('pay'),
      entity: 'payment',
      amount: order.amount,
      currency: order.currency,
      status: 'failed',
      order_id: orderId,
      method: 'card',
      amount_refunded: 0,
      refund_status: null,
      error_description: 'Your payment has been declined by the bank.',
      created_at: now(),
    };
    this.payments.set(payment.id, payment);
    order.status = 'attempted';
    order.attempts += 1;
    return payment;
  }

  /**
   * A refund made outside the shop (Razorpay's dashboard, another integration), listed with
   * the payment's refunds; it counts against the payment unless it failed.
   */
  addRefund(paymentId: string, amount: number, status: FakeRefund['status'], notes: Record<string, string> = {}): FakeRefund {
    const payment = this.payments.get(paymentId);
    if (!payment) throw new Error(`no fake payment ${paymentId}`);
    const refund: FakeRefund = {
      id: id('rfnd'),
      entity: 'refund',
      amount,
      currency: payment.currency,
      payment_id: paymentId,
      status,
      receipt: null,
      notes,
      created_at: now(),
    };
    if (status !== 'failed') this.takeRefund(payment, amount);
    this.refunds.push(refund);
    return refund;
  }

  /** Razorpay settles a pending refund: processed, or failed (the money stays with the payment). */
  settleRefund(refundId: string, status: 'processed' | 'failed'): FakeRefund {
    const refund = this.refunds.find((r) => r.id === refundId);
    if (!refund || refund.status !== 'pending') throw new Error(`no pending fake refund ${refundId}`);
    refund.status = status;
    if (status === 'failed') {
      const payment = this.payments.get(refund.payment_id)!;
      payment.amount_refunded -= refund.amount;
      payment.status = 'captured';
      payment.refund_status = payment.amount_refunded ? 'partial' : null;
    }
    return refund;
  }

  private takeRefund(payment: FakePayment, amount: number) {
    payment.amount_refunded += amount;
    payment.refund_status = payment.amount_refunded === payment.amount ? 'full' : 'partial';
    if (payment.amount_refunded === payment.amount) payment.status = 'refunded';
  }

  checkoutSignature(orderId: string, paymentId: string): string {
    return createHmac('sha256', this.keySecret).update(`${orderId}|${paymentId}`).digest('hex');
  }

  /** A webhook delivery as Razorpay sends it: raw body, signature and event id headers. */
  webhook(
    event: string,
    entities: { payment?: FakePayment; order?: FakeOrder; refund?: FakeRefund },
    eventId = id('evt'),
  ): { body: string; headers: Record<string, string> } {
    const payload: Record<string, { entity: unknown }> = {};
    for (const [key, entity] of Object.entries(entities)) if (entity) payload[key] = { entity };
    const body = JSON.stringify({
      entity: 'event',
      account_id: 'acc_test',
      event,
      contains: Object.keys(payload),
      payload,
      created_at: now(),
    });
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-razorpay-signature': createHmac('sha256', this.webhookSecret).update(body).digest('hex'),
        'x-razorpay-event-id': eventId,
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push(`${req.method} ${path.replace(/\/(order|pay|rfnd)_[0-9a-f]+/g, '/:id')}`);
    const checkout = /^\/v1\/orders\/([\w]+)\/pay$/.exec(path);
    // Checkout's stand-in is called by storefronts on other origins (examples/storefront).
    if (req.method === 'OPTIONS' && checkout) {
      res.writeHead(204, { ...CHECKOUT_CORS, 'access-control-max-age': '600' });
      return res.end();
    }
    if (req.method === 'POST' && checkout) return this.checkoutPay(res, checkout[1]!);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failures.remaining > 0) {
      this.failures.remaining--;
      if (this.failures.status === 0) return req.socket.destroy();
      return send(res, this.failures.status, error('SERVER_ERROR', 'The server encountered an error.'));
    }
    const expected = 'Basic ' + Buffer.from(`${this.keyId}:${this.keySecret}`).toString('base64');
    if (req.headers.authorization !== expected) {
      return send(res, 401, error('BAD_REQUEST_ERROR', 'Authentication failed'));
    }
    let body: Record<string, unknown> = {};
    try {
      body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
    } catch {
      return send(res, 400, error('BAD_REQUEST_ERROR', 'The request body is not valid JSON'));
    }
    const route = `${req.method} ${path}`;
    let match: RegExpMatchArray | null;
    if (route === 'POST /v1/orders') return this.createOrder(res, body);
    if ((match = /^GET \/v1\/orders\/([\w]+)$/.exec(route))) {
      const order = this.orders.get(match[1]!);
      return order ? send(res, 200, order) : send(res, 400, error('BAD_REQUEST_ERROR', 'The id provided does not exist'));
    }
    if ((match = /^GET \/v1\/payments\/([\w]+)$/.exec(route))) {
      const payment = this.payments.get(match[1]!);
      return payment ? send(res, 200, payment) : send(res, 400, error('BAD_REQUEST_ERROR', 'The id provided does not exist'));
    }
    if ((match = /^POST \/v1\/payments\/([\w]+)\/refund$/.exec(route))) return this.refund(res, match[1]!, body);
    if ((match = /^GET \/v1\/payments\/([\w]+)\/refunds$/.exec(route))) {
      const items = this.refunds.filter((r) => r.payment_id === match![1]);
      return send(res, 200, { entity: 'collection', count: items.length, items });
    }
    return send(res, 404, error('BAD_REQUEST_ERROR', 'The requested URL was not found on the server.'));
  }

  /**
   * Not Razorpay's API: a stand-in for Razorpay Checkout, where the shopper pays in the
   * browser and the page receives these three values for the shop's `verify`. No auth, as
   * Checkout runs in the shopper's browser; outside the failure and delay switches, which
   * simulate the API the server calls.
   */
  private checkoutPay(res: ServerResponse, orderId: string) {
    const order = this.orders.get(orderId);
    if (!order) return send(res, 400, error('BAD_REQUEST_ERROR', 'The id provided does not exist'), CHECKOUT_CORS);
    if (order.status === 'paid') return send(res, 400, error('BAD_REQUEST_ERROR', 'Order has already been paid'), CHECKOUT_CORS);
    const { payment, signature } = this.pay(orderId);
    return send(
      res,
      200,
      { razorpay_payment_id: payment.id, razorpay_order_id: orderId, razorpay_signature: signature },
      CHECKOUT_CORS,
    );
  }

  private createOrder(res: ServerResponse, body: Record<string, unknown>) {
    const amount = body.amount;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 100) {
      return send(res, 400, error('BAD_REQUEST_ERROR', 'The amount must be atleast INR 1.00', 'amount'));
    }
    if (body.currency !== 'INR') return send(res, 400, error('BAD_REQUEST_ERROR', 'Currency is not supported', 'currency'));
    const receipt = typeof body.receipt === 'string' ? body.receipt : null;
    if (receipt && receipt.length > 40) {
      return send(res, 400, error('BAD_REQUEST_ERROR', 'receipt: the length must not be greater than 40.', 'receipt'));
    }
    const order: FakeOrder = {
      id: id('order'),
      entity: 'order',
      amount,
      amount_paid: 0,
      amount_due: amount,
      currency: 'INR',
      receipt,
      status: 'created',
      attempts: 0,
      notes: (body.notes as Record<string, string>) ?? {},
      created_at: now(),
    };
    this.orders.set(order.id, order);
    return send(res, 200, order);
  }

  private refund(res: ServerResponse, paymentId: string, body: Record<string, unknown>) {
    const payment = this.payments.get(paymentId);
    if (!payment) return send(res, 400, error('BAD_REQUEST_ERROR', 'The id provided does not exist'));
    if (payment.status !== 'captured' && payment.status !== 'refunded') {
      return send(res, 400, error('BAD_REQUEST_ERROR', 'The payment has not been captured'));
    }
    // A partial refund gives `amount` (paise) of the payment back; without it, all that is left.
    const amount = typeof body.amount === 'number' ? body.amount : payment.amount - payment.amount_refunded;
    if (!Number.isInteger(amount) || amount < 1) {
      return send(res, 400, error('BAD_REQUEST_ERROR', 'The amount must be a positive integer in paise', 'amount'));
    }
    if (amount + payment.amount_refunded > payment.amount) {
      return send(res, 400, error('BAD_REQUEST_ERROR', 'The total refund amount is greater than the refund payment amount'));
    }
    const refund: FakeRefund = {
      id: id('rfnd'),
      entity: 'refund',
      amount,
      currency: payment.currency,
      payment_id: paymentId,
      status: this.refundStatus,
      receipt: typeof body.receipt === 'string' ? body.receipt : null,
      notes: (body.notes as Record<string, string>) ?? {},
      created_at: now(),
    };
    if (refund.status !== 'failed') this.takeRefund(payment, amount);
    this.refunds.push(refund);
    return send(res, 200, refund);
  }
}

function error(code: string, description: string, field?: string) {
  return { error: { code, description, source: 'business', step: 'payment_initiation', reason: 'input_validation_failed', field } };
}

/** CORS for the /pay route, which a browser on any origin calls (no credentials). */
const CHECKOUT_CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': 'content-type',
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
