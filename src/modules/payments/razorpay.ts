/**
 * A small Razorpay client over fetch: configurable base URL (tests run a local fake),
 * HTTP Basic auth with the key id and secret, a timeout, and one error type.
 */
export interface RazorpayConfig {
  keyId: string;
  keySecret: string;
  apiBase: string;
  timeoutMs: number;
}

interface RazorpayOrder {
  id: string;
  amount: number;
  currency: string;
  receipt: string | null;
  status: string;
}

interface RazorpayPayment {
  id: string;
  order_id: string;
  amount: number;
  currency: string;
  status: string;
}

export interface RazorpayRefund {
  id: string;
  payment_id: string;
  amount: number;
  status: string;
  notes?: Record<string, string> | null;
  created_at?: number;
}

/** Any failure talking to Razorpay: `unavailable` (network, timeout, 5xx) or `rejected` (4xx). */
export class RazorpayError extends Error {
  override name = 'RazorpayError';
  constructor(
    readonly kind: 'unavailable' | 'rejected',
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class RazorpayClient {
  private readonly auth: string;

  constructor(private readonly config: RazorpayConfig) {
    this.auth = 'Basic ' + Buffer.from(`${config.keyId}:${config.keySecret}`).toString('base64');
  }

  get keyId(): string {
    return this.config.keyId;
  }

  /** The longest a call may take before it is abandoned. */
  get timeoutMs(): number {
    return this.config.timeoutMs;
  }

  createOrder(input: { amount: number; currency: string; receipt: string; notes?: Record<string, string> }) {
    return this.request<RazorpayOrder>('POST', '/v1/orders', input);
  }

  fetchPayment(paymentId: string) {
    return this.request<RazorpayPayment>('GET', `/v1/payments/${encodeURIComponent(paymentId)}`);
  }

  refund(paymentId: string, input: { amount?: number; receipt?: string; notes?: Record<string, string> } = {}) {
    return this.request<RazorpayRefund>('POST', `/v1/payments/${encodeURIComponent(paymentId)}/refund`, input);
  }

  /** The payment's refunds (up to 100, Razorpay's largest page: far more than one payment gets). */
  listRefunds(paymentId: string) {
    return this.request<{ items: RazorpayRefund[] }>('GET', `/v1/payments/${encodeURIComponent(paymentId)}/refunds?count=100`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.config.apiBase + path, {
        method,
        headers: {
          authorization: this.auth,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `timed out after ${this.config.timeoutMs} ms` : (err as Error).message;
      throw new RazorpayError('unavailable', `Razorpay is unreachable: ${reason}`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = {};
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; description?: string } }).error;
      throw new RazorpayError(
        response.status >= 500 || response.status === 429 ? 'unavailable' : 'rejected',
        `Razorpay answered ${response.status}: ${error?.description ?? (text.slice(0, 200) || 'no detail')}`,
        response.status,
        error?.code,
      );
    }
    return json as T;
  }
}
