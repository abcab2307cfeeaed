// The shopper's orders: the list with status, and an order's page with its payment, items,
// totals and, once shipped, the tracking.
import { useState, useSyncExternalStore } from 'react';
import { currentUser, dateOf, errorText, money, ok, onSessionChange, shop } from '../api';
import { payOrder, usesTestGateway } from '../payment';
import { Link, useLocation } from '../router';
import { Alert, Loading, StatusBadge, useLoad } from '../ui';

export function Orders() {
  const { data, error, loading } = useLoad(
    () => ok(shop().GET('/api/orders', { params: { query: { page_size: 50 } } })),
    [],
  );
  if (loading) return <Loading what="Loading your orders" />;
  return (
    <section className="narrow">
      <h1>Your orders</h1>
      {error && <Alert>{error}</Alert>}
      {data?.results.length === 0 && (
        <p className="empty">
          No orders yet. <Link to="/search">Find something you like</Link>
        </p>
      )}
      <ul className="orders" aria-label="Orders">
        {data?.results.map((order) => (
          <li key={order.id} className="order-row" data-testid="order-row">
            <Link to={`/orders/${order.id}`} className="order-number">
              {order.order_number}
            </Link>
            <span className="order-date">{dateOf(order.created_at)}</span>
            <span>
              {order.items_count} {order.items_count === 1 ? 'item' : 'items'}
            </span>
            <strong>{money(order.total_amount)}</strong>
            <StatusBadge status={order.status} />
          </li>
        ))}
      </ul>
    </section>
  );
}

export function OrderPage({ id }: { id: number }) {
  const user = useSyncExternalStore(onSessionChange, currentUser);
  const { search } = useLocation();
  const {
    data: order,
    error,
    loading,
    reload,
  } = useLoad(() => ok(shop().GET('/api/orders/{id}/', { params: { path: { id } } })), [id]);
  const [paying, setPaying] = useState(false);
  const [payError, setPayError] = useState<string | null>(null);
  const [justPaid, setJustPaid] = useState(search.get('paid') === '1');

  if (loading && !order) return <Loading what="Loading the order" />;
  if (!order) return <Alert>{error ?? 'Order not found.'}</Alert>;

  const payable =
    (order.status === 'pending' || order.status === 'payment_failed') &&
    order.payment_status !== 'success';
  const pay = async () => {
    setPaying(true);
    setPayError(null);
    try {
      await payOrder(order.id, user);
      setJustPaid(true);
      reload();
    } catch (err) {
      setPayError(errorText(err));
      reload();
    } finally {
      setPaying(false);
    }
  };

  const cancel = async () => {
    if (!window.confirm(`Cancel order ${order.order_number}?`)) return;
    setPayError(null);
    try {
      await ok(shop().POST('/api/orders/{id}/cancel/', { params: { path: { id: order.id } } }));
    } catch (err) {
      setPayError(errorText(err));
    }
    reload();
  };

  return (
    <section className="order">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/orders">Your orders</Link> / <span>{order.order_number}</span>
      </nav>
      {justPaid && order.payment_status === 'success' && (
        <div className="confirmation" role="status" data-testid="order-confirmation">
          <h2>Thank you! Your payment is received.</h2>
          <p>
            Order <strong>{order.order_number}</strong> is confirmed. We will e-mail you when it
            ships.
          </p>
        </div>
      )}
      <header className="order-head">
        <h1>Order {order.order_number}</h1>
        <StatusBadge status={order.status} />
      </header>
      <p className="hint">Placed on {dateOf(order.created_at)}</p>

      {payable && (
        <div className="pay-box">
          <p>
            Amount due: <strong data-testid="amount-due">{money(order.total_amount)}</strong>
          </p>
          {payError && <Alert>{payError}</Alert>}
          <button type="button" onClick={() => void pay()} disabled={paying}>
            {paying
              ? 'Paying…'
              : usesTestGateway()
                ? 'Pay (test gateway)'
                : `Pay ${money(order.total_amount)}`}
          </button>
          {usesTestGateway() && (
            <p className="hint">
              Test mode: the local fake Razorpay takes the payment, no money moves.
            </p>
          )}
          {order.allowed_transitions.includes('cancelled') && (
            <button type="button" className="link" onClick={() => void cancel()} disabled={paying}>
              Cancel this order
            </button>
          )}
        </div>
      )}

      {order.status === 'shipped' || order.status === 'delivered' || order.tracking_number ? (
        <div className="tracking" data-testid="order-tracking">
          <h2>{order.status === 'delivered' ? 'Delivered' : 'On its way'}</h2>
          <p>
            {[order.carrier, order.tracking_number].filter(Boolean).join(' · ') || 'Shipped'}
            {order.tracking_url && (
              <>
                {' '}
                <a href={order.tracking_url} target="_blank" rel="noopener noreferrer">
                  Track your parcel
                </a>
              </>
            )}
          </p>
        </div>
      ) : null}

      <div className="order-layout">
        <div className="panel">
          <h2>Items</h2>
          <ul className="summary-lines">
            {order.items.map((item) => (
              <li key={item.id}>
                <span>
                  {item.quantity} × {item.product_name}
                  {item.variant_title !== 'Default' && <small> · {item.variant_title}</small>}
                </span>
                <span>{money(item.subtotal)}</span>
              </li>
            ))}
          </ul>
          <dl className="totals">
            <dt>Subtotal</dt>
            <dd>{money(order.subtotal)}</dd>
            {order.discount_total !== '0.00' && (
              <>
                <dt>Discount{order.promotion_code ? ` (${order.promotion_code})` : ''}</dt>
                <dd data-testid="order-discount">−{money(order.discount_total)}</dd>
              </>
            )}
            <dt>Shipping{order.shipping_method ? ` (${order.shipping_method.name})` : ''}</dt>
            <dd data-testid="order-shipping">
              {order.shipping_total === '0.00' ? 'Free' : money(order.shipping_total)}
            </dd>
            <dt>GST included</dt>
            <dd>{money(order.tax_total)}</dd>
            <dt className="grand">Total</dt>
            <dd className="grand" data-testid="order-total">
              {money(order.total_amount)}
            </dd>
          </dl>
        </div>
        <div className="panel">
          <h2>Delivery</h2>
          <p>{order.shipping_address}</p>
          <h2>History</h2>
          <ol className="history">
            {order.status_history.map((h, i) => (
              <li key={i}>
                <StatusName status={h.to_status} />{' '}
                <span className="hint">{dateOf(h.created_at)}</span>
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}

function StatusName({ status }: { status: string }) {
  return <span className="history-status">{status.replace('_', ' ')}</span>;
}
