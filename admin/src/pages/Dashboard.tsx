import type { ResponseBody } from '@shop/client';
import { useState } from 'react';
import { dateTime, money, ok, saveFile, shop } from '../api';
import { Link, Loadable, Spinner, StatusBadge, useLoad, useMediaQuery, useQueryParam, useToast } from '../ui';

type SalesReport = ResponseBody<'getApiAnalyticsSalesReport'>;

const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function Dashboard() {
  const toast = useToast();
  const [days, setDays] = useQueryParam('days', '30');
  const [exporting, setExporting] = useState(false);
  const dashboard = useLoad(() => ok(shop.GET('/api/analytics/dashboard/')), 'dashboard');
  const query = { days: Number(days) || 30, tz: TIME_ZONE };
  const report = useLoad(() => ok(shop.GET('/api/analytics/sales-report/', { params: { query } })), `report:${days}`);

  const exportCsv = async () => {
    setExporting(true);
    try {
      const csv = shop.GET('/api/analytics/sales-report/', {
        params: { query: { ...query, format: 'csv' } },
        headers: { accept: 'text/csv' },
        parseAs: 'blob',
      });
      saveFile(await ok(csv), (await csv).response, `sales-report-${days}d.csv`);
    } catch (err) {
      toast.error(err);
    } finally {
      setExporting(false);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Dashboard</h1>
        <button type="button" className="secondary" onClick={() => { dashboard.reload(); report.reload(); }}>
          Refresh
        </button>
      </div>
      <Loadable loaded={dashboard}>
        {(d) => (
          <>
            <div className="stats">
              <Stat label="Revenue" value={money(d.total_revenue)} testId="stat-revenue" />
              <Stat label="Orders" value={String(d.total_orders)} testId="stat-orders" />
              <Stat label="Average order value" value={money(d.average_order_value)} testId="stat-aov" />
              <Stat label="Products" value={String(d.total_products)} />
              <Stat label="Categories" value={String(d.total_categories)} />
            </div>
            <div className="stats stats-small" data-testid="revenue-components">
              <Stat label="Discounts given" value={money(d.total_discount)} testId="stat-discount" />
              <Stat label="Shipping charged" value={money(d.total_shipping)} testId="stat-shipping" />
              <Stat label="Tax (GST) collected" value={money(d.total_tax)} testId="stat-tax" />
            </div>
            <p className="muted small">
              Revenue counts orders whose payment succeeded (refunded ones excluded). Shipping and tax are part of it
              (prices include tax); discounts were taken off before it.
            </p>
          </>
        )}
      </Loadable>

      <div className="card">
        <div className="card-head">
          <h2>Sales</h2>
          <div className="segmented" role="group" aria-label="Period">
            {['7', '30', '90'].map((n) => (
              <button
                key={n}
                type="button"
                className={days === n ? 'selected' : undefined}
                aria-pressed={days === n}
                onClick={() => setDays(n)}
              >
                {n} days
              </button>
            ))}
          </div>
          <button type="button" className="secondary" disabled={exporting} onClick={() => void exportCsv()}>
            {exporting ? 'Exporting…' : 'Export CSV'}
          </button>
        </div>
        {report.data === undefined && !report.error ? (
          <Spinner />
        ) : (
          <Loadable loaded={report}>
            {(r) => (
              <>
                <p className="muted small" data-testid="report-summary">
                  {r.start_date} to {r.end_date} · days in <strong>{TIME_ZONE}</strong> · {r.total_orders} paid orders ·{' '}
                  {money(r.total_revenue)} revenue
                </p>
                <dl className="report-components" data-testid="report-components">
                  <div>
                    <dt>Discounts</dt>
                    <dd data-testid="report-discount">{money(r.total_discount)}</dd>
                  </div>
                  <div>
                    <dt>Shipping</dt>
                    <dd data-testid="report-shipping">{money(r.total_shipping)}</dd>
                  </div>
                  <div>
                    <dt>Tax (GST)</dt>
                    <dd data-testid="report-tax">{money(r.total_tax)}</dd>
                  </div>
                </dl>
                <SalesChart days={r.daily_breakdown} />
              </>
            )}
          </Loadable>
        )}
      </div>

      <Loadable loaded={dashboard}>
        {(d) => (
          <div className="grid-2">
            <div className="card">
              <h2>Top products</h2>
              {d.top_products.length === 0 ? (
                <p className="empty">No paid orders yet.</p>
              ) : (
                <div className="table-wrap">
                  <table className="table cards" data-testid="top-products">
                    <thead>
                      <tr>
                        <th>Product</th>
                        <th className="num">Sold</th>
                        <th className="num">Revenue</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.top_products.map((p) => (
                        <tr key={p.product_id}>
                          <td>
                            <Link to={`/products/${p.product_id}`}>{p.product_name}</Link>
                          </td>
                          <td className="num">{p.total_sold}</td>
                          <td className="num">{money(p.revenue)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </div>
            <LowStock />
            <div className="card span-2">
              <h2>Recent orders</h2>
              {d.recent_orders.length === 0 ? (
                <p className="empty">No orders yet.</p>
              ) : (
                <div className="table-wrap">
                  <table className="table cards" data-testid="recent-orders">
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
                      {d.recent_orders.map((o) => (
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
              )}
              <div className="status-counts">
                {d.orders_by_status.map((s) => (
                  <span key={s.status}>
                    <StatusBadge status={s.status} /> {s.count}
                  </span>
                ))}
              </div>
            </div>
          </div>
        )}
      </Loadable>
    </section>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat card">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** Revenue per day as bars, order count as a line on its own scale. */
function SalesChart({ days }: { days: SalesReport['daily_breakdown'] }) {
  const [hover, setHover] = useState<number | null>(null);
  // On a phone the drawing is narrower, so that its labels, scaled down with it, stay readable.
  const narrow = useMediaQuery('(max-width: 640px)');
  const width = narrow ? 400 : 720;
  const height = 220;
  const pad = { left: 56, right: 36, top: 12, bottom: 28 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const totals = days.map((d) => Number(d.total));
  const maxTotal = Math.max(1, ...totals);
  const maxCount = Math.max(1, ...days.map((d) => d.count));
  const step = innerW / Math.max(1, days.length);
  const barW = Math.max(1, step * 0.7);
  const x = (i: number) => pad.left + i * step + step / 2;
  const yTotal = (v: number) => pad.top + innerH - (v / maxTotal) * innerH;
  const yCount = (v: number) => pad.top + innerH - (v / maxCount) * innerH;
  const line = days.map((d, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${yCount(d.count).toFixed(1)}`).join(' ');
  const labelEvery = Math.ceil(days.length / (narrow ? 4 : 8));
  const shown = hover !== null ? days[hover] : undefined;
  const hasData = totals.some((t) => t > 0);
  return (
    <figure className="chart" data-testid="sales-chart" data-has-data={hasData}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Daily revenue and order counts, ${days.length} days`}
        onMouseLeave={() => setHover(null)}
      >
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={pad.left} x2={width - pad.right} y1={yTotal(maxTotal * f)} y2={yTotal(maxTotal * f)} className="grid" />
            <text x={pad.left - 6} y={yTotal(maxTotal * f) + 4} textAnchor="end" className="axis">
              {compactMoney(maxTotal * f)}
            </text>
            {Number.isInteger(maxCount * f) ? (
              <text x={width - pad.right + 6} y={yCount(maxCount * f) + 4} className="axis count-axis">
                {maxCount * f}
              </text>
            ) : null}
          </g>
        ))}
        {days.map((d, i) => (
          <g key={d.day} onMouseEnter={() => setHover(i)}>
            <rect x={x(i) - step / 2} y={pad.top} width={step} height={innerH} className="hit" />
            <rect
              x={x(i) - barW / 2}
              y={yTotal(totals[i]!)}
              width={barW}
              height={Math.max(0, pad.top + innerH - yTotal(totals[i]!))}
              className={`bar${hover === i ? ' bar-hover' : ''}`}
            />
            {i % labelEvery === 0 ? (
              <text x={x(i)} y={height - 8} textAnchor="middle" className="axis">
                {d.day.slice(5)}
              </text>
            ) : null}
          </g>
        ))}
        <path d={line} className="count-line" />
      </svg>
      <figcaption>
        <span className="legend legend-bar">Revenue</span>
        <span className="legend legend-line">Orders</span>
        <span className="chart-readout" aria-live="polite">
          {shown ? dayReadout(shown) : hasData ? 'Point at (or tap) a day for its figures.' : 'No paid orders in this period.'}
        </span>
      </figcaption>
    </figure>
  );
}

function dayReadout(d: SalesReport['daily_breakdown'][number]): string {
  const orders = `${d.day}: ${money(d.total)} from ${d.count} order${d.count === 1 ? '' : 's'}`;
  if (d.count === 0) return orders;
  return `${orders} · discounts ${money(d.discount)} · shipping ${money(d.shipping)} · tax ${money(d.tax)}`;
}

function compactMoney(v: number): string {
  if (v >= 1e7) return `₹${(v / 1e7).toFixed(1)}Cr`;
  if (v >= 1e5) return `₹${(v / 1e5).toFixed(1)}L`;
  if (v >= 1e3) return `₹${(v / 1e3).toFixed(1)}k`;
  return `₹${Math.round(v)}`;
}

/** Products with an active variant below the threshold, and those variants (the catalog's list). */
function LowStock() {
  const low = useLoad(() => ok(shop.GET('/api/products/low_stock/')), 'low-stock');
  return (
    <div className="card">
      <h2>Low stock</h2>
      <Loadable loaded={low} empty={(rows) => (rows.length === 0 ? 'Every active product is well stocked.' : null)}>
        {(rows) => (
          <div className="table-wrap">
            <table className="table cards" data-testid="low-stock">
              <thead>
                <tr>
                  <th>Product</th>
                  <th>Variant</th>
                  <th className="num">Stock</th>
                </tr>
              </thead>
              <tbody>
                {rows.flatMap((p) =>
                  p.low_variants.map((v, i) => (
                    <tr key={v.id}>
                      <td>
                        {i === 0 ? <Link to={`/products/${p.id}`}>{p.name}</Link> : null}
                        {i === 0 ? <span className="variant-line">{p.category_name}</span> : null}
                      </td>
                      <td>
                        {v.title === 'Default' ? null : <span>{v.title} </span>}
                        <code>{v.sku}</code>
                      </td>
                      <td className={`num${v.stock === 0 ? ' danger' : ''}`}>{v.stock}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
        )}
      </Loadable>
    </div>
  );
}
