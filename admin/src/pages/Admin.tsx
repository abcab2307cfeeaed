import type { QueryOf, Schemas } from '@shop/client';
import { useEffect, useState } from 'react';
import { type AdminPayment, currentUser, dateTime, flag, money, oneOf, ok, paymentAmount, paymentSource, shop } from '../api';
import { Link, Loadable, Pagination, StatusBadge, useDebounced, useLoad, useQueryParam, useToast } from '../ui';

const PAGE_SIZE = 25;

type AdminUser = Schemas['AdminUser'];
type PaymentsQuery = NonNullable<QueryOf<'getApiAdminPayments'>>;

/** The payment and refund statuses the Payments filters offer: those of the contract, each once. */
const PAYMENT_STATUSES: Record<NonNullable<PaymentsQuery['status']>, true> = {
  initiated: true,
  success: true,
  failed: true,
  partially_refunded: true,
  refunded: true,
};
const REFUND_STATUSES: Record<NonNullable<PaymentsQuery['refund_status']>, true> = { pending: true, processed: true, failed: true };

function usePage(): [number, (n: number) => void] {
  const [pageParam, setPage] = useQueryParam('page', '1');
  return [Math.max(1, Number(pageParam) || 1), (n: number) => setPage(String(n))];
}

export function Users() {
  const toast = useToast();
  const me = currentUser();
  const [search, setSearch] = useQueryParam('search');
  const [staff, setStaff] = useQueryParam('is_staff');
  const [active, setActive] = useQueryParam('is_active');
  const [page, setPage] = usePage();
  const [typed, setTyped] = useState(search);
  const debounced = useDebounced(typed);
  useEffect(() => {
    if (debounced !== search) setSearch(debounced);
  }, [debounced]); // only the typed text drives this
  const query = { search: search || undefined, is_staff: flag(staff), is_active: flag(active), page, page_size: PAGE_SIZE };
  const list = useLoad(() => ok(shop.GET('/api/admin/users/', { params: { query } })), JSON.stringify(query));

  const update = async (user: AdminUser, body: { is_active?: boolean; is_staff?: boolean }, what: string) => {
    if (!confirm(`${what}?`)) return;
    try {
      await ok(shop.PATCH('/api/admin/users/{id}/', { params: { path: { id: user.id } }, body }));
      toast.ok(`${what}: done.`);
      list.reload();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Users</h1>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="user-search">Search</label>
          <input
            id="user-search"
            type="search"
            placeholder="Username, email or name"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="user-staff">Role</label>
          <select id="user-staff" value={staff} onChange={(e) => setStaff(e.target.value)}>
            <option value="">Everyone</option>
            <option value="true">Staff</option>
            <option value="false">Customers</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="user-active">State</label>
          <select id="user-active" value={active} onChange={(e) => setActive(e.target.value)}>
            <option value="">Active and inactive</option>
            <option value="true">Active</option>
            <option value="false">Inactive</option>
          </select>
        </div>
      </div>
      <Loadable loaded={list} empty={(p) => (p.count === 0 ? 'No users match.' : null)}>
        {(p) => (
          <>
            <div className="table-wrap">
              <table className="table cards" data-testid="users-table">
                <thead>
                  <tr>
                    <th>User</th>
                    <th>Name</th>
                    <th>Joined</th>
                    <th>Last login</th>
                    <th className="num">Orders</th>
                    <th>Role</th>
                    <th>State</th>
                    <th>Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {p.results.map((u) => {
                    const self = u.id === me?.id;
                    return (
                      <tr key={u.id} data-username={u.username}>
                        <td>
                          <Link to={`/users/${u.id}`}>
                            <strong>{u.username}</strong>
                          </Link>
                          <div className="muted small">{u.email}</div>
                        </td>
                        <td>{`${u.first_name} ${u.last_name}`.trim() || '—'}</td>
                        <td>{dateTime(u.date_joined)}</td>
                        <td>{dateTime(u.last_login)}</td>
                        <td className="num">
                          {u.orders_count}
                        </td>
                        <td>{u.is_staff ? <span className="badge badge-staff">staff</span> : 'customer'}</td>
                        <td>
                          <span className={`badge ${u.is_active ? 'badge-success' : 'badge-cancelled'}`}>
                            {u.is_active ? 'active' : 'inactive'}
                          </span>
                        </td>
                        <td className="row-actions">
                          {self ? (
                            <span className="muted small">You</span>
                          ) : (
                            <>
                              <button
                                type="button"
                                className={`small ${u.is_active ? 'danger' : 'secondary'}`}
                                onClick={() =>
                                  void update(
                                    u,
                                    { is_active: !u.is_active },
                                    u.is_active ? `Deactivate ${u.username} and end their sessions` : `Reactivate ${u.username}`,
                                  )
                                }
                              >
                                {u.is_active ? 'Deactivate' : 'Activate'}
                              </button>
                              <button
                                type="button"
                                className="small secondary"
                                onClick={() =>
                                  void update(
                                    u,
                                    { is_staff: !u.is_staff },
                                    u.is_staff ? `Revoke staff access of ${u.username}` : `Grant staff access to ${u.username}`,
                                  )
                                }
                              >
                                {u.is_staff ? 'Revoke staff' : 'Make staff'}
                              </button>
                            </>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={setPage} />
          </>
        )}
      </Loadable>
    </section>
  );
}

/** A search box whose (debounced) text lives in the URL's ?search=, as on the Users page. */
function useSearchParam(): [string, string, (v: string) => void] {
  const [search, setSearch] = useQueryParam('search');
  const [typed, setTyped] = useState(search);
  const debounced = useDebounced(typed);
  useEffect(() => {
    if (debounced.trim() !== search) setSearch(debounced.trim());
  }, [debounced]); // only the typed text drives this
  return [search, typed, setTyped];
}

export function Payments() {
  const toast = useToast();
  const [status, setStatus] = useQueryParam('status');
  const [refundStatus, setRefundStatus] = useQueryParam('refund_status');
  const [search, typed, setTyped] = useSearchParam();
  const [page, setPage] = usePage();
  const query: PaymentsQuery = {
    status: oneOf(status, PAYMENT_STATUSES),
    refund_status: oneOf(refundStatus, REFUND_STATUSES),
    search: search || undefined,
    page,
    page_size: PAGE_SIZE,
  };
  const list = useLoad(() => ok(shop.GET('/api/admin/payments/', { params: { query } })), JSON.stringify(query));
  const retryRefund = async (payment: AdminPayment) => {
    if (!confirm(`Ask Razorpay again to refund order ${payment.order_number}?`)) return;
    try {
      await ok(shop.POST('/api/admin/payments/{id}/refund/retry/', { params: { path: { id: payment.id } } }));
      toast.ok(`Refund of order ${payment.order_number} asked for again.`);
      list.reload();
    } catch (err) {
      toast.error(err);
    }
  };
  return (
    <section>
      <div className="page-head">
        <h1>Payments</h1>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="payment-search">Search</label>
          <input
            id="payment-search"
            type="search"
            placeholder="Order number or Razorpay id (whole)"
            maxLength={64}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="payment-status">Status</label>
          <select id="payment-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {Object.keys(PAYMENT_STATUSES).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="payment-refund-status">Refund</label>
          <select id="payment-refund-status" value={refundStatus} onChange={(e) => setRefundStatus(e.target.value)}>
            <option value="">Any refund</option>
            {Object.keys(REFUND_STATUSES).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Loadable
        loaded={list}
        empty={(p) =>
          p.count === 0
            ? search
              ? `No payment has the order number or Razorpay id “${search}”.`
              : status || refundStatus
                ? 'No payments match.'
                : 'No payments yet.'
            : null
        }
      >
        {(p) => (
          <>
            <div className="table-wrap">
              <table className="table cards" data-testid="payments-table">
                <thead>
                  <tr>
                    <th>Order</th>
                    <th>Source</th>
                    <th>Razorpay order</th>
                    <th>Razorpay payment</th>
                    <th className="num">Amount</th>
                    <th className="num">Refunded</th>
                    <th>Refund</th>
                    <th>Status</th>
                    <th>Created</th>
                    <th>Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {p.results.map((x) => (
                    <tr key={x.id}>
                      <td>
                        <Link to={`/orders/${x.order_id}`}>{x.order_number}</Link>
                      </td>
                      <td title={x.error ?? undefined}>
                        {paymentSource(x)}
                        {x.reference ? <div className="muted small">{x.reference}</div> : null}
                      </td>
                      <td>
                        <code>{x.razorpay_order_id ?? '—'}</code>
                      </td>
                      <td>
                        <code>{x.razorpay_payment_id ?? '—'}</code>
                      </td>
                      <td className="num">
                        {paymentAmount(x)}
                      </td>
                      <td className="num">{Number(x.refunded_amount) > 0 ? money(x.refunded_amount) : '—'}</td>
                      <td title={x.refund_error ?? undefined} data-testid="refund-cell">
                        {x.refund_status ? <StatusBadge status={x.refund_status} /> : '—'}
                        {x.refund_status === 'failed' ? (
                          <button type="button" className="small secondary" onClick={() => void retryRefund(x)}>
                            Retry refund
                          </button>
                        ) : null}
                      </td>
                      <td>
                        <StatusBadge status={x.status} />
                      </td>
                      <td>{dateTime(x.created_at)}</td>
                      <td>{dateTime(x.updated_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={setPage} />
          </>
        )}
      </Loadable>
    </section>
  );
}

export function WebhookEvents() {
  const [search, typed, setTyped] = useSearchParam();
  const [page, setPage] = usePage();
  const query = { search: search || undefined, page, page_size: PAGE_SIZE };
  const list = useLoad(() => ok(shop.GET('/api/admin/webhook-events/', { params: { query } })), JSON.stringify(query));
  return (
    <section>
      <div className="page-head">
        <h1>Webhook events</h1>
        <button type="button" className="secondary" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="webhook-search">Search</label>
          <input
            id="webhook-search"
            type="search"
            placeholder="Event id, or event name or its beginning (payment.)"
            maxLength={100}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
      </div>
      <Loadable
        loaded={list}
        empty={(p) =>
          p.count === 0
            ? search
              ? `No webhook event has the id “${search}” or a name starting with it.`
              : 'No webhook deliveries received yet.'
            : null
        }
      >
        {(p) => (
          <>
            <div className="table-wrap">
              <table className="table cards" data-testid="webhook-events-table">
                <thead>
                  <tr>
                    <th>Received</th>
                    <th>Event</th>
                    <th>Event id</th>
                    <th>Processed</th>
                    <th>Error</th>
                  </tr>
                </thead>
                <tbody>
                  {p.results.map((x) => (
                    <tr key={x.id}>
                      <td>{dateTime(x.received_at)}</td>
                      <td>
                        <code>{x.event}</code>
                      </td>
                      <td>
                        <code>{x.event_id}</code>
                      </td>
                      <td>{x.processed ? 'yes' : <span className="badge badge-pending">no</span>}</td>
                      <td className={x.error ? 'danger' : undefined}>{x.error ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={setPage} />
          </>
        )}
      </Loadable>
    </section>
  );
}
