import type { RequestBody, Schemas } from '@shop/client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { dateTime, money, oneOf, ok, paymentAmount, paymentSource, saveFile, shop } from '../api';
import { Dialog, Field, fieldErrorsOf, Link, Loadable, Pagination, StatusBadge, useLoad, useQueryParam, useToast } from '../ui';
import { RefundDialog, RefundsList } from './OrderRefunds';
import { canRefund } from './refunds';

type OrderDetailData = Schemas['OrderDetail'];
type OrderStatus = OrderDetailData['status'];
type StatusChange = RequestBody<'patchApiOrdersIdUpdateStatus'>;

/** What staff do to move an order to each status: every status of the contract, and no other. */
const ACTION_LABELS: Record<OrderStatus, string> = {
  pending: 'Back to pending',
  paid: 'Mark paid',
  processing: 'Start processing',
  shipped: 'Mark shipped',
  delivered: 'Mark delivered',
  cancelled: 'Cancel order',
  payment_failed: 'Mark payment failed',
};
const STATUSES = Object.keys(ACTION_LABELS) as OrderStatus[];

const PAGE_SIZE = 25;

type ManualPayment = NonNullable<StatusChange['payment']>;

/** How staff say a manual payment was made (update_status `payment.method`). */
const MANUAL_METHODS: Record<ManualPayment['method'], string> = {
  cash: 'Cash',
  bank_transfer: 'Bank transfer',
  upi: 'UPI',
  other: 'Other',
};

/**
 * What to send as ?search=: an order number, whole or its beginning, or a part of the
 * customer's e-mail or username. Every number starts with ORD-, so a bare tail of hex digits
 * with a digit in it ("4f2a") is taken as the part after it; other text goes as typed.
 */
function searchTerm(typed: string): string {
  const term = typed.trim();
  const upper = term.toUpperCase();
  if (term === '' || 'ORD-'.startsWith(upper) || upper.startsWith('ORD-')) return upper;
  return /^[0-9A-F]*[0-9][0-9A-F]*$/.test(upper) ? `ORD-${upper}` : term;
}

/** What an empty result says about the search that gave it. */
function noMatch(term: string): string {
  return term.startsWith('ORD-') ? `No order number starts with “${term}”.` : `No order of a customer matching “${term}”.`;
}

/** YYYY-MM-DD of a date in the browser's zone. */
function isoDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The orders of a period as the API's CSV (a line per item), saved as a download. */
function ExportOrders() {
  const toast = useToast();
  const today = new Date();
  const [start, setStart] = useState(isoDay(new Date(today.getFullYear(), today.getMonth(), 1)));
  const [end, setEnd] = useState(isoDay(today));
  const [busy, setBusy] = useState(false);
  const exportCsv = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const csv = shop.GET('/api/orders/export/', {
        params: { query: { start_date: start, end_date: end } },
        headers: { accept: 'text/csv' },
        parseAs: 'blob',
      });
      saveFile(await ok(csv), (await csv).response, `orders-${start}-to-${end}.csv`);
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="export-orders" onSubmit={(e) => void exportCsv(e)} aria-label="Export orders">
      <div className="field">
        <label htmlFor="export-start">From</label>
        <input id="export-start" type="date" required value={start} max={end} onChange={(e) => setStart(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="export-end">To</label>
        <input id="export-end" type="date" required value={end} min={start} onChange={(e) => setEnd(e.target.value)} />
      </div>
      <button type="submit" className="secondary" disabled={busy || !start || !end || end < start}>
        {busy ? 'Exporting…' : 'Export CSV'}
      </button>
    </form>
  );
}

export function Orders() {
  const [status, setStatus] = useQueryParam('status');
  const [search, setSearch] = useQueryParam('search');
  const [userParam, setUser] = useQueryParam('user');
  const [pageParam, setPage] = useQueryParam('page', '1');
  const [typed, setTyped] = useState(search);
  const page = Math.max(1, Number(pageParam) || 1);
  const user = /^[1-9]\d{0,9}$/.test(userParam) ? Number(userParam) : undefined;
  const query = { status: oneOf(status, ACTION_LABELS), search: searchTerm(search) || undefined, user, page, page_size: PAGE_SIZE };
  const list = useLoad(() => ok(shop.GET('/api/orders', { params: { query } })), JSON.stringify(query));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch(typed.trim());
  };

  return (
    <section>
      <div className="page-head">
        <h1>Orders</h1>
        <ExportOrders />
      </div>
      <div className="filters">
        <form className="field" onSubmit={submit} role="search">
          <label htmlFor="order-search">Order number, e-mail or username</label>
          <div className="inline">
            <input
              id="order-search"
              type="search"
              placeholder="ORD-…, or a part of an e-mail"
              maxLength={254}
              value={typed}
              onChange={(e) => {
                setTyped(e.target.value);
                if (e.target.value === '') setSearch('');
              }}
            />
            <button type="submit" className="secondary">
              Find
            </button>
          </div>
        </form>
        <div className="field">
          <label htmlFor="order-status">Status</label>
          <select id="order-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </div>
        {user !== undefined ? (
          <div className="field">
            <span className="chip" data-testid="customer-filter">
              Customer #{user}{' '}
              <button type="button" className="ghost small" aria-label="All customers" onClick={() => setUser('')}>
                ×
              </button>
            </span>
          </div>
        ) : null}
      </div>
      <Loadable loaded={list} empty={(p) => (p.count === 0 ? (search ? noMatch(searchTerm(search)) : 'No orders.') : null)}>
        {(p) => (
          <>
            <div className="table-wrap">
              <table className="table" data-testid="orders-table">
                <thead>
                  <tr>
                    <th>Order</th>
                    <th>Customer</th>
                    <th>Placed</th>
                    <th>Status</th>
                    <th>Payment</th>
                    <th className="num">Items</th>
                    <th className="num">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {p.results.map((o) => (
                    <tr key={o.id}>
                      <td>
                        <Link to={`/orders/${o.id}`}>{o.order_number}</Link>
                      </td>
                      <td data-testid="order-customer">
                        <Link to={`/users/${o.customer.id}`}>{o.customer.username}</Link>
                        <div className="muted small">{o.customer.email}</div>
                      </td>
                      <td>{dateTime(o.created_at)}</td>
                      <td>
                        <StatusBadge status={o.status} />
                      </td>
                      <td>
                        <StatusBadge status={o.payment_status} />
                      </td>
                      <td className="num">{o.items_count}</td>
                      <td className="num">{money(o.total_amount)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={(n) => setPage(String(n))} />
          </>
        )}
      </Loadable>
    </section>
  );
}

export function OrderDetail({ id }: { id: number }) {
  const toast = useToast();
  const order = useLoad(() => ok(shop.GET('/api/orders/{id}/', { params: { path: { id } } })), `order:${id}`);
  const payments = useLoad(
    () => ok(shop.GET('/api/admin/payments/', { params: { query: { order: id, page_size: 100 } } })),
    `order-payments:${id}`,
  );
  const [busy, setBusy] = useState<OrderStatus | null>(null);
  const [markingPaid, setMarkingPaid] = useState<OrderDetailData | null>(null);
  const [shipping, setShipping] = useState<OrderDetailData | null>(null);
  const [refunding, setRefunding] = useState(false);
  usePollWhileRefundPending(order.data, order.reload, payments.reload);

  const move = async (o: OrderDetailData, to: OrderStatus) => {
    if (to === 'paid') {
      // Marking paid by hand records the money received: the dialog asks for it.
      setMarkingPaid(o);
      return;
    }
    if (to === 'shipped') {
      // Shipping may give the parcel's tracking: the dialog asks for it.
      setShipping(o);
      return;
    }
    if (to === 'cancelled') {
      const refund =
        o.payment_status === 'success' || o.payment_status === 'partially_refunded' ? ' The payment will be refunded.' : '';
      if (!confirm(`Cancel ${o.order_number}? Its stock goes back to the shelves.${refund}`)) return;
    }
    setBusy(to);
    try {
      await ok(shop.PATCH('/api/orders/{id}/update_status/', { params: { path: { id: o.id } }, body: { status: to } }));
      toast.ok(`${o.order_number} is now ${to.replace('_', ' ')}.`);
    } catch (err) {
      toast.error(err);
    } finally {
      // A cancellation may start a refund: the payment row changes too.
      order.reload();
      payments.reload();
      setBusy(null);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Order</h1>
        <Link to="/orders">Back to orders</Link>
      </div>
      <Loadable loaded={order}>
        {(o) => (
          <div className="order-detail">
            <div className="card">
              <div className="card-head">
                <h2 data-testid="order-number">{o.order_number}</h2>
                <span data-testid="order-status">
                  <StatusBadge status={o.status} />
                </span>
              </div>
              <dl className="facts">
                <dt>Customer</dt>
                <dd>{o.user_email}</dd>
                <dt>Placed</dt>
                <dd>{dateTime(o.created_at)}</dd>
                <dt>Payment</dt>
                <dd>
                  <StatusBadge status={o.payment_status} />
                </dd>
                <dt>Total</dt>
                <dd>
                  <strong>{money(o.total_amount)}</strong>
                </dd>
                <dt>Ship to</dt>
                <dd className="address">{o.shipping_address}</dd>
                {o.tracking_number || o.carrier || o.tracking_url ? (
                  <>
                    <dt>Tracking</dt>
                    <dd data-testid="order-tracking">
                      {[o.carrier, o.tracking_number].filter(Boolean).join(' · ')}
                      {o.tracking_url ? (
                        <div className="small">
                          <a href={o.tracking_url} target="_blank" rel="noopener noreferrer" className="break">
                            {o.tracking_url}
                          </a>
                        </div>
                      ) : null}
                    </dd>
                  </>
                ) : null}
              </dl>
              <div className="actions" aria-label="Change status" data-testid="order-actions">
                {o.allowed_transitions.length === 0 ? (
                  <span className="muted">This order is {o.status}: no further status changes.</span>
                ) : (
                  o.allowed_transitions.map((to) => (
                    <button
                      key={to}
                      type="button"
                      className={to === 'cancelled' ? 'danger' : to === 'payment_failed' || to === 'pending' ? 'secondary' : undefined}
                      disabled={busy !== null}
                      onClick={() => void move(o, to)}
                    >
                      {busy === to ? 'Saving…' : ACTION_LABELS[to]}
                    </button>
                  ))
                )}
              </div>
              {canRefund(o, payments.data?.results) ? (
                // Not a status change: money given back, beside the order's status actions.
                <div className="row-actions order-refund-action" data-testid="order-refund-action">
                  <button type="button" className="secondary" disabled={busy !== null} onClick={() => setRefunding(true)}>
                    Refund
                  </button>
                </div>
              ) : null}
            </div>
            <div className="card" data-testid="order-payments">
              <div className="card-head">
                <h2>Payment</h2>
                <Link to={`/payments?search=${encodeURIComponent(o.order_number)}`}>In payments</Link>
              </div>
              <Loadable loaded={payments} empty={(p) => (p.count === 0 ? 'No payment has been started for this order.' : null)}>
                {(p) => (
                  <div className="table-wrap">
                    <table className="table">
                      <thead>
                        <tr>
                          <th>Source</th>
                          <th>Razorpay order</th>
                          <th>Razorpay payment</th>
                          <th className="num">Amount</th>
                          <th className="num">Refunded</th>
                          <th>Status</th>
                          <th>Updated</th>
                        </tr>
                      </thead>
                      <tbody>
                        {p.results.map((x) => (
                          <tr key={x.id} data-provider={x.provider}>
                            <td title={x.error ?? undefined}>
                              {paymentSource(x)}
                              {x.reference ? <div className="muted small">Ref. {x.reference}</div> : null}
                            </td>
                            <td>
                              <code>{x.razorpay_order_id ?? '—'}</code>
                            </td>
                            <td>
                              <code>{x.razorpay_payment_id ?? '—'}</code>
                            </td>
                            <td className="num">{paymentAmount(x)}</td>
                            <td className="num">
                              {Number(x.refunded_amount) > 0 ? money(x.refunded_amount) : '—'}
                              {x.razorpay_refund_id ? <div className="muted small"><code>{x.razorpay_refund_id}</code></div> : null}
                            </td>
                            <td>
                              <StatusBadge status={x.status} />
                            </td>
                            <td>{dateTime(x.updated_at)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </Loadable>
            </div>
            <div className="card order-items">
              <h2>Items</h2>
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th>Product</th>
                      <th>SKU</th>
                      <th className="num">Qty</th>
                      <th className="num">Price</th>
                      <th className="num">Subtotal</th>
                      <th className="num">Discount</th>
                      <th className="num">Tax</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.items.map((item) => (
                      <tr key={item.id}>
                        <td>
                          {item.product ? <Link to={`/products/${item.product}`}>{item.product_name}</Link> : item.product_name}
                          {item.variant_title && item.variant_title !== 'Default' ? (
                            <span className="variant-line" data-testid="item-variant">
                              {item.variant_title}
                            </span>
                          ) : null}
                        </td>
                        <td>
                          <code data-testid="item-sku">{item.sku}</code>
                        </td>
                        <td className="num">{item.quantity}</td>
                        <td className="num">{money(item.price_at_purchase)}</td>
                        <td className="num">{money(item.subtotal)}</td>
                        <td className="num nowrap" data-testid="item-discount">
                          {Number(item.discount) > 0 ? `−${money(item.discount)}` : '—'}
                        </td>
                        <td className="num nowrap" data-testid="item-tax">
                          {money(item.tax_amount)}
                          <div className="muted small">GST {Number(item.tax_rate)}%</div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                  <OrderTotals order={o} />
                </table>
              </div>
            </div>
            {o.refunds.length > 0 || canRefund(o, payments.data?.results) ? (
              <div className="card order-refunds" data-testid="order-refunds">
                <h2>Refunds</h2>
                <RefundsList order={o} />
              </div>
            ) : null}
            <div className="card">
              <h2>Status history</h2>
              {o.status_history.length === 0 ? (
                <p className="empty">No status changes yet.</p>
              ) : (
                <ol className="timeline" data-testid="status-history">
                  {o.status_history.map((h, i) => (
                    <li key={i}>
                      <div>
                        {h.from_status ? (
                          <>
                            <StatusBadge status={h.from_status} /> →{' '}
                          </>
                        ) : null}
                        <StatusBadge status={h.to_status} />
                      </div>
                      <div className="muted small">
                        {dateTime(h.created_at)}
                        {h.changed_by ? ` · by ${h.changed_by}` : ''}
                        {h.note ? ` · ${h.note}` : ''}
                      </div>
                    </li>
                  ))}
                </ol>
              )}
            </div>
          </div>
        )}
      </Loadable>
      {shipping ? (
        <ShipDialog
          order={shipping}
          onClose={() => setShipping(null)}
          onSaved={() => {
            setShipping(null);
            order.reload();
          }}
        />
      ) : null}
      {refunding && order.data ? (
        <RefundDialog
          order={order.data}
          payments={payments.data?.results}
          onClose={() => setRefunding(false)}
          onSaved={() => {
            setRefunding(false);
            // The refund is pending (Razorpay) or processed (manual): the page shows it at once.
            order.reload();
            payments.reload();
          }}
        />
      ) : null}
      {markingPaid ? (
        <MarkPaidDialog
          order={markingPaid}
          onClose={() => setMarkingPaid(null)}
          onSaved={() => {
            setMarkingPaid(null);
            order.reload();
            payments.reload();
          }}
        />
      ) : null}
    </section>
  );
}

/** How often the order is read again while a refund of it is pending. */
const REFUND_POLL_MS = 2000;

/**
 * While any refund of the order is pending, reads the order again every 2 s, and its payments
 * once when the refunds settle; stops when they have, or when the page closes.
 */
function usePollWhileRefundPending(order: OrderDetailData | undefined, reloadOrder: () => void, reloadPayments: () => void) {
  const pending = order?.refunds.some((r) => r.status === 'pending') ?? false;
  const wasPending = useRef(false);
  useEffect(() => {
    if (wasPending.current && !pending) reloadPayments();
    wasPending.current = pending;
    if (!pending) return;
    const timer = setInterval(reloadOrder, REFUND_POLL_MS);
    return () => clearInterval(timer);
  }, [pending, reloadOrder, reloadPayments]);
}

const TAX_PARTS = [
  ['cgst', 'CGST'],
  ['sgst', 'SGST'],
  ['igst', 'IGST'],
] as const;

/**
 * The order's money as it was charged: subtotal − discount (with the promotion code) +
 * shipping (with the method) = total, and the tax contained in it, by GST component.
 */
function OrderTotals({ order: o }: { order: OrderDetailData }) {
  const label = 5;
  const parts = TAX_PARTS.filter(([key]) => Number(o.tax_breakdown[key]) > 0);
  return (
    <tfoot className="totals" data-testid="order-totals">
      <tr>
        <th colSpan={label}>Subtotal</th>
        <td className="num" colSpan={2} data-testid="total-subtotal">
          {money(o.subtotal)}
        </td>
      </tr>
      <tr>
        <th colSpan={label}>
          Discount
          {o.promotion_code ? (
            <>
              {' '}
              <code data-testid="promotion-code">{o.promotion_code}</code>
            </>
          ) : null}
        </th>
        <td className="num" colSpan={2} data-testid="total-discount">
          {Number(o.discount_total) > 0 ? `−${money(o.discount_total)}` : money(o.discount_total)}
        </td>
      </tr>
      <tr>
        <th colSpan={label}>
          Shipping
          {o.shipping_method ? <span className="muted" data-testid="shipping-method"> · {o.shipping_method.name}</span> : null}
        </th>
        <td className="num" colSpan={2} data-testid="total-shipping">
          {money(o.shipping_total)}
        </td>
      </tr>
      <tr className="grand-total">
        <th colSpan={label}>Total</th>
        <td className="num" colSpan={2} data-testid="total-amount">
          <strong>{money(o.total_amount)}</strong>
        </td>
      </tr>
      <tr className="tax-line">
        <th colSpan={label}>
          Tax included
          {parts.length ? (
            <>
              {' '}
              <span className="muted small" data-testid="tax-breakdown">
                ({parts.map(([key, name]) => `${name} ${money(o.tax_breakdown[key])}`).join(' + ')})
              </span>
            </>
          ) : null}
        </th>
        <td className="num" colSpan={2} data-testid="total-tax">
          {money(o.tax_total)}
        </td>
      </tr>
    </tfoot>
  );
}

/** Marking an order paid by hand: how the money came and the reference staff have for it. */
function MarkPaidDialog({ order, onClose, onSaved }: { order: OrderDetailData; onClose: () => void; onSaved: () => void }) {
  const toast = useToast();
  const [method, setMethod] = useState<ManualPayment['method']>('cash');
  const [reference, setReference] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    const body: StatusChange = {
      status: 'paid',
      payment: { method, reference: reference.trim() },
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    try {
      await ok(shop.PATCH('/api/orders/{id}/update_status/', { params: { path: { id: order.id } }, body }));
      toast.ok(`${order.order_number} is now paid (${money(order.total_amount)} recorded).`);
      onSaved();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      toast.error(err);
      setBusy(false);
    }
  };
  const errorsOf = (field: string) => [...(errors[`payment.${field}`] ?? []), ...(errors[`payment/${field}`] ?? [])];

  return (
    <Dialog title={`Mark ${order.order_number} paid`} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <p className="muted">Record the {money(order.total_amount)} received outside Razorpay.</p>
        <Field label="Payment method" errors={errorsOf('method')}>
          {(p) => (
            <select {...p} value={method} onChange={(e) => setMethod(oneOf(e.target.value, MANUAL_METHODS) ?? 'other')}>
              {Object.entries(MANUAL_METHODS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Reference" errors={[...errorsOf('reference'), ...(errors.payment ?? [])]} hint="Receipt, transfer or UPI reference.">
          {(p) => <input {...p} autoFocus required maxLength={200} value={reference} onChange={(e) => setReference(e.target.value)} />}
        </Field>
        <Field label="Note" errors={errors.note}>
          {(p) => <input {...p} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <div className="actions">
          <button type="submit" disabled={busy || reference.trim() === ''}>
            {busy ? 'Saving…' : 'Record payment'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Shipping an order: the parcel's tracking number, carrier and link, each optional. */
function ShipDialog({ order, onClose, onSaved }: { order: OrderDetailData; onClose: () => void; onSaved: () => void }) {
  const toast = useToast();
  const [trackingNumber, setTrackingNumber] = useState('');
  const [carrier, setCarrier] = useState('');
  const [trackingUrl, setTrackingUrl] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    const body: StatusChange = {
      status: 'shipped',
      ...(trackingNumber.trim() ? { tracking_number: trackingNumber.trim() } : {}),
      ...(carrier.trim() ? { carrier: carrier.trim() } : {}),
      ...(trackingUrl.trim() ? { tracking_url: trackingUrl.trim() } : {}),
    };
    try {
      await ok(shop.PATCH('/api/orders/{id}/update_status/', { params: { path: { id: order.id } }, body }));
      toast.ok(`${order.order_number} is now shipped.`);
      onSaved();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      toast.error(err);
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Ship ${order.order_number}`} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <p className="muted">The shopper sees the tracking on their order and in the shipping e-mail. All optional.</p>
        <Field label="Carrier" errors={errors.carrier}>
          {(p) => <input {...p} autoFocus maxLength={100} value={carrier} onChange={(e) => setCarrier(e.target.value)} />}
        </Field>
        <Field label="Tracking number" errors={errors.tracking_number}>
          {(p) => <input {...p} maxLength={100} value={trackingNumber} onChange={(e) => setTrackingNumber(e.target.value)} />}
        </Field>
        <Field label="Tracking link" errors={errors.tracking_url} hint="https://… where the parcel can be followed.">
          {(p) => (
            <input {...p} type="url" inputMode="url" maxLength={2048} value={trackingUrl} onChange={(e) => setTrackingUrl(e.target.value)} />
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Mark shipped'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
