import { useState } from 'react';
import { dateTime, money, ok, shop } from '../api';
import { Link, Loadable, Pagination, StatusBadge, useLoad } from '../ui';

const PAGE_SIZE = 10;

/** A user as a customer: who they are, what they spent, where they ship and their orders. */
export function Customer({ id }: { id: number }) {
  const customer = useLoad(
    () => ok(shop.GET('/api/admin/users/{id}/', { params: { path: { id } } })),
    `customer:${id}`,
  );
  const [page, setPage] = useState(1);
  const query = { user: id, page, page_size: PAGE_SIZE };
  const orders = useLoad(
    () => ok(shop.GET('/api/orders', { params: { query } })),
    `customer-orders:${JSON.stringify(query)}`,
  );

  return (
    <section>
      <div className="page-head">
        <h1>Customer</h1>
        <Link to="/users">Back to users</Link>
      </div>
      <Loadable loaded={customer}>
        {(c) => (
          <>
            <div className="card">
              <div className="card-head">
                <h2 data-testid="customer-username">{c.username}</h2>
                <span className={`badge ${c.is_active ? 'badge-success' : 'badge-cancelled'}`}>
                  {c.is_active ? 'active' : 'inactive'}
                </span>
                {c.is_staff ? <span className="badge badge-staff">staff</span> : null}
              </div>
              <dl className="facts">
                <dt>Name</dt>
                <dd>{`${c.first_name} ${c.last_name}`.trim() || '—'}</dd>
                <dt>E-mail</dt>
                <dd className="break">
                  <a href={`mailto:${c.email}`}>{c.email}</a>
                </dd>
                <dt>Phone</dt>
                <dd>{c.phone || '—'}</dd>
                <dt>Joined</dt>
                <dd>{dateTime(c.date_joined)}</dd>
                <dt>Last login</dt>
                <dd>{dateTime(c.last_login)}</dd>
              </dl>
            </div>
            <div className="stats">
              <div className="card stat">
                <div className="stat-label">Orders</div>
                <div className="stat-value" data-testid="customer-orders-count">
                  {c.orders_count}
                </div>
              </div>
              <div className="card stat">
                <div className="stat-label">Total spent</div>
                <div className="stat-value" data-testid="customer-total-spent">
                  {money(c.total_spent)}
                </div>
              </div>
              <div className="card stat">
                <div className="stat-label">Last order</div>
                <div className="stat-value stat-date" data-testid="customer-last-order">
                  {c.last_order_at ? dateTime(c.last_order_at) : 'Never'}
                </div>
              </div>
            </div>
            <div className="card">
              <h2>Addresses</h2>
              {c.addresses.length === 0 ? (
                <p className="empty">No saved addresses.</p>
              ) : (
                <ul className="addresses" data-testid="customer-addresses">
                  {c.addresses.map((a) => (
                    <li key={a.id}>
                      <div className="muted small">
                        {a.address_type}
                        {a.is_default ? ' · default' : ''}
                      </div>
                      <div className="break">
                        {[a.street_address, a.city, a.state, a.postal_code, a.country].join(', ')}
                      </div>
                      {a.phone ? <div className="muted small">{a.phone}</div> : null}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </>
        )}
      </Loadable>
      <div className="card">
        <div className="card-head">
          <h2>Orders</h2>
          <Link to={`/orders?user=${id}`}>In orders</Link>
        </div>
        <Loadable loaded={orders} empty={(p) => (p.count === 0 ? 'No orders yet.' : null)}>
          {(p) => (
            <>
              <div className="table-wrap">
                <table className="table cards" data-testid="customer-orders">
                  <thead>
                    <tr>
                      <th>Order</th>
                      <th>Placed</th>
                      <th>Status</th>
                      <th>Payment</th>
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
                        <td className="num">{money(o.total_amount)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={setPage} />
            </>
          )}
        </Loadable>
      </div>
    </section>
  );
}
