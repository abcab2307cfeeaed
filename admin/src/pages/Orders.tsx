import { type FormEvent, useState } from 'react';
import { api, dateTime, money, type Page } from '../api';
import { Link, Loadable, Pagination, StatusBadge, useLoad, useQueryParam, useToast } from '../ui';

export interface OrderListItem {
  id: number;
  order_number: string;
  total_amount: string;
  status: OrderStatus;
  payment_status: string;
  items_count: number;
  created_at: string;
}

interface OrderDetailData extends Omit<OrderListItem, 'items_count'> {
  user_email: string;
  shipping_address: string;
  items: { id: number; product: number | null; product_name: string; quantity: number; price_at_purchase: string; subtotal: string }[];
  status_history: { from_status: string | null; to_status: string; changed_by: string | null; note: string; created_at: string }[];
  updated_at: string;
}

const STATUSES = ['pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'payment_failed'] as const;
type OrderStatus = (typeof STATUSES)[number];

/** The API's status workflow (API.md, Orders: update_status). */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['paid', 'payment_failed', 'cancelled'],
  payment_failed: ['pending', 'paid', 'cancelled'],
  paid: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

const ACTION_LABELS: Record<OrderStatus, string> = {
  pending: 'Back to pending',
  paid: 'Mark paid',
  processing: 'Start processing',
  shipped: 'Mark shipped',
  delivered: 'Mark delivered',
  cancelled: 'Cancel order',
  payment_failed: 'Mark payment failed',
};

const PAGE_SIZE = 25;
const SCAN_PAGES = 10;

/** Finds orders by (part of) their number among the newest SCAN_PAGES × 100 orders. */
async function searchOrders(term: string, status: string): Promise<Page<OrderListItem>> {
  const needle = term.trim().toUpperCase();
  const found: OrderListItem[] = [];
  // Digits may also be an order's id.
  if (/^\d{1,9}$/.test(needle)) {
    try {
      const byId = await api<OrderListItem & { items: unknown[] }>(`/api/orders/${needle}/`);
      if (!status || byId.status === status) found.push({ ...byId, items_count: byId.items.length });
    } catch {
      /* no such order */
    }
  }
  for (let page = 1; page <= SCAN_PAGES; page++) {
    const batch = await api<Page<OrderListItem>>('/api/orders/', { query: { status, page, page_size: 100 } });
    found.push(...batch.results.filter((o) => o.order_number.includes(needle) && !found.some((f) => f.id === o.id)));
    if (!batch.next) break;
  }
  return { count: found.length, next: null, previous: null, results: found };
}

export function Orders() {
  const [status, setStatus] = useQueryParam('status');
  const [search, setSearch] = useQueryParam('search');
  const [pageParam, setPage] = useQueryParam('page', '1');
  const [typed, setTyped] = useState(search);
  const page = Math.max(1, Number(pageParam) || 1);
  const key = JSON.stringify({ status, search, page });
  const list = useLoad(
    () =>
      search
        ? searchOrders(search, status)
        : api<Page<OrderListItem>>('/api/orders/', { query: { status, page, page_size: PAGE_SIZE } }),
    key,
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch(typed.trim());
  };

  return (
    <section>
      <div className="page-head">
        <h1>Orders</h1>
      </div>
      <div className="filters">
        <form className="field" onSubmit={submit} role="search">
          <label htmlFor="order-search">Order number or id</label>
          <div className="inline">
            <input
              id="order-search"
              type="search"
              placeholder="ORD-…"
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
      </div>
      {search ? (
        <p className="muted small">Searching the {SCAN_PAGES * 100} newest orders for “{search}”.</p>
      ) : null}
      <Loadable loaded={list} empty={(p) => (p.count === 0 ? (search ? `No order number contains “${search}”.` : 'No orders.') : null)}>
        {(p) => (
          <>
            <div className="table-wrap">
              <table className="table" data-testid="orders-table">
                <thead>
                  <tr>
                    <th>Order</th>
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
            {search ? null : <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={(n) => setPage(String(n))} />}
          </>
        )}
      </Loadable>
    </section>
  );
}

export function OrderDetail({ id }: { id: number }) {
  const toast = useToast();
  const order = useLoad(() => api<OrderDetailData>(`/api/orders/${id}/`), `order:${id}`);
  const [busy, setBusy] = useState<OrderStatus | null>(null);

  const move = async (o: OrderDetailData, to: OrderStatus) => {
    if (to === 'cancelled') {
      const refund = o.payment_status === 'success' ? ' The payment will be refunded.' : '';
      if (!confirm(`Cancel ${o.order_number}? Its stock goes back to the shelves.${refund}`)) return;
    }
    setBusy(to);
    try {
      await api(`/api/orders/${o.id}/update_status/`, { method: 'PATCH', body: { status: to } });
      toast.ok(`${o.order_number} is now ${to.replace('_', ' ')}.`);
      order.reload();
    } catch (err) {
      toast.error(err);
      order.reload();
    } finally {
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
              </dl>
              <div className="actions" aria-label="Change status">
                {TRANSITIONS[o.status].length === 0 ? (
                  <span className="muted">This order is {o.status}: no further status changes.</span>
                ) : (
                  TRANSITIONS[o.status].map((to) => (
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
            </div>
            <div className="card">
              <h2>Items</h2>
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th>Product</th>
                      <th className="num">Qty</th>
                      <th className="num">Price</th>
                      <th className="num">Subtotal</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.items.map((item) => (
                      <tr key={item.id}>
                        <td>{item.product ? <Link to={`/products/${item.product}`}>{item.product_name}</Link> : item.product_name}</td>
                        <td className="num">{item.quantity}</td>
                        <td className="num">{money(item.price_at_purchase)}</td>
                        <td className="num">{money(item.subtotal)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th colSpan={3}>Total</th>
                      <td className="num">
                        <strong>{money(o.total_amount)}</strong>
                      </td>
                    </tr>
                  </tfoot>
                </table>
              </div>
            </div>
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
    </section>
  );
}
