import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { orderCounters, orderItems, orders, productSales, products, productVariants } from '../../db/schema/index.js';
import { ValidationError } from '../../http/errors.js';
import { fromPaise, toPaise } from '../../lib/money.js';
import { catalogSize, lowStockProducts } from '../catalog/index.js';
import { recentOrders } from '../orders/index.js';
import { ORDER_STATUSES } from '../../db/schema/orders.js';

/**
 * Read-only aggregates for staff. Revenue counts orders whose payment succeeded (refunded
 * ones excluded). Everything is summed in SQL from the running totals that the orders
 * module keeps, never by loading orders into JavaScript.
 */

function average(revenuePaise: number, count: number): string {
  return fromPaise(count ? Math.round(revenuePaise / count) : 0);
}

/**
 * The units sold per variant of these products, by product, most sold first: summed from
 * the order items of paid orders (as product_sales counts them), one query over the top
 * products' items (order_items_product_idx).
 */
async function variantSales(database: Database, productIds: number[]) {
  const byProduct = new Map<number, { variantId: number; sku: string; title: string; units: number }[]>();
  if (!productIds.length) return byProduct;
  const units = sql<number>`sum(${orderItems.quantity})::int`;
  const rows = await database.db
    .select({
      productId: orderItems.productId,
      variantId: orderItems.variantId,
      sku: productVariants.sku,
      title: productVariants.title,
      units,
    })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .innerJoin(productVariants, eq(productVariants.id, orderItems.variantId))
    .where(and(inArray(orderItems.productId, productIds), sql`${orders.paymentStatus} in ('success', 'partially_refunded')`))
    .groupBy(orderItems.productId, orderItems.variantId, productVariants.sku, productVariants.title)
    .orderBy(sql`sum(${orderItems.quantity}) desc`, orderItems.variantId);
  for (const { productId, ...row } of rows) {
    const list = byProduct.get(productId) ?? [];
    list.push(row);
    byProduct.set(productId, list);
  }
  return byProduct;
}

/** The discount, shipping and tax within paid orders' revenue, as the dashboard and report name them. */
function componentTotals(sums: { discount: string; shipping: string; tax: string } | undefined) {
  const money = (value: string | undefined) => fromPaise(value ? toPaise(value) : 0);
  return { total_discount: money(sums?.discount), total_shipping: money(sums?.shipping), total_tax: money(sums?.tax) };
}

export async function dashboard(database: Database, lowStockThreshold: number) {
  const { db } = database;
  const [counters, top, lowStock, recent, size] = await Promise.all([
    db
      .select({
        key: orderCounters.key,
        orders: sql<number>`sum(${orderCounters.orders})::int`,
        revenue: sql<string>`sum(${orderCounters.revenue})::text`,
        refunded: sql<string>`sum(${orderCounters.refunded})::text`,
        discount: sql<string>`sum(${orderCounters.discount})::text`,
        shipping: sql<string>`sum(${orderCounters.shipping})::text`,
        tax: sql<string>`sum(${orderCounters.tax})::text`,
      })
      .from(orderCounters)
      .groupBy(orderCounters.key),
    db
      .select({
        productId: productSales.productId,
        name: products.name,
        units: productSales.units,
        revenue: productSales.revenue,
      })
      .from(productSales)
      .innerJoin(products, eq(products.id, productSales.productId))
      .where(gt(productSales.units, 0))
      .orderBy(sql`${productSales.units} desc nulls last`, sql`${productSales.revenue} desc nulls last`, productSales.productId)
      .limit(10),
    lowStockProducts(database, lowStockThreshold, 10),
    recentOrders(database, 10),
    catalogSize(database),
  ]);
  const variants = await variantSales(
    database,
    top.map((t) => t.productId),
  );
  const byKey = new Map(counters.map((c) => [c.key, c]));
  const paid = byKey.get('paid');
  const revenuePaise = paid ? toPaise(paid.revenue) : 0;
  const paidCount = paid?.orders ?? 0;
  const byStatus = ORDER_STATUSES.map((status) => ({ status, count: byKey.get(`status:${status}`)?.orders ?? 0 }));
  const refundedPaise = paid ? toPaise(paid.refunded) : 0;
  return {
    total_revenue: fromPaise(revenuePaise),
    total_refunded: fromPaise(refundedPaise),
    net_revenue: fromPaise(revenuePaise - refundedPaise),
    total_orders: byStatus.reduce((n, s) => n + s.count, 0),
    average_order_value: average(revenuePaise, paidCount),
    ...componentTotals(paid),
    orders_by_status: byStatus,
    top_products: top.map((t) => ({
      product_id: t.productId,
      product_name: t.name,
      total_sold: t.units,
      revenue: fromPaise(toPaise(t.revenue)),
      variants: (variants.get(t.productId) ?? []).map((v) => ({
        variant_id: v.variantId,
        sku: v.sku,
        title: v.title,
        units: v.units,
      })),
    })),
    low_stock_products: lowStock.map((p) => ({ id: p.id, name: p.name, stock: p.stock, category_name: p.categoryName })),
    recent_orders: recent,
    total_products: size.products,
    total_categories: size.categories,
  };
}

export interface ReportQuery {
  days?: number;
  start_date?: string;
  end_date?: string;
  tz?: string;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The dates a report may cover: PostgreSQL has no year 0, and no shop sold before 1900. */
export const FIRST_REPORT_DAY = '1900-01-01';
export const LAST_REPORT_DAY = '9999-12-31';

function parseDay(field: string, value: string): number {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(ms) || isoDay(ms) !== value) {
    throw ValidationError.field(field, 'Enter a valid date (YYYY-MM-DD).');
  }
  if (value < FIRST_REPORT_DAY || value > LAST_REPORT_DAY) {
    throw ValidationError.field(field, `Enter a date from ${FIRST_REPORT_DAY} to ${LAST_REPORT_DAY}.`);
  }
  return ms;
}

// Time zone names PostgreSQL knows (lower-cased → its spelling), read once per database.
const zoneNames = new WeakMap<Database, Promise<Map<string, string>>>();

function knownZones(database: Database): Promise<Map<string, string>> {
  let zones = zoneNames.get(database);
  if (!zones) {
    zones = queryRows<{ name: string }>(database.db, sql`select name from pg_timezone_names`).then(
      (rows) => new Map(rows.map((r) => [r.name.toLowerCase(), r.name])),
    );
    // A failed read (database down) is tried again by the next request.
    void zones.catch(() => zoneNames.delete(database));
    zoneNames.set(database, zones);
  }
  return zones;
}

/**
 * The report's time zone as PostgreSQL spells it: a name that both PostgreSQL (which does
 * the day arithmetic) and JavaScript (which finds today) know, else 400 naming `tz`.
 * JavaScript alone accepts names PostgreSQL dropped, such as US/Pacific-New.
 */
export async function reportTimeZone(database: Database, tz: string): Promise<string> {
  const name = (await knownZones(database)).get(tz.toLowerCase());
  if (name) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      return name;
    } catch {
      // Known to PostgreSQL only: answered below as unknown.
    }
  }
  throw ValidationError.field('tz', `Unknown time zone "${tz}"; use an IANA name such as Asia/Kolkata.`);
}

/**
 * The report's period: `days` ending today, or an inclusive date range; days counted in
 * `tz`, a zone that `reportTimeZone` accepted.
 */
export function reportPeriod(query: ReportQuery, tz: string, now = new Date()) {
  let start: number;
  let end: number;
  if (query.start_date !== undefined || query.end_date !== undefined) {
    if (query.days !== undefined) throw ValidationError.field('days', 'Give either days or start_date and end_date.');
    if (!query.start_date || !query.end_date) {
      throw ValidationError.field(query.start_date ? 'end_date' : 'start_date', 'start_date and end_date go together.');
    }
    start = parseDay('start_date', query.start_date);
    end = parseDay('end_date', query.end_date);
    if (end < start) throw ValidationError.field('end_date', 'end_date is before start_date.');
  } else {
    end = parseDay('end_date', new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(now));
    start = end - ((query.days ?? 30) - 1) * DAY_MS;
  }
  const days = (end - start) / DAY_MS + 1;
  if (days > 366) throw ValidationError.field('end_date', 'The period may be at most 366 days.');
  return { start: isoDay(start), end: isoDay(end), days, tz };
}

/** Paid orders and revenue per day of the period (zero days included), from 15-minute buckets. */
export async function salesReport(database: Database, period: ReturnType<typeof reportPeriod>) {
  const rows = await queryRows<{ day: string; total: string; count: number; discount: string; shipping: string; tax: string }>(
    database.db,
    sql`select to_char(d.day, 'YYYY-MM-DD') as day, coalesce(s.revenue, 0)::text as total, coalesce(s.orders, 0)::int as count,
          coalesce(s.discount, 0)::text as discount, coalesce(s.shipping, 0)::text as shipping, coalesce(s.tax, 0)::text as tax
        from generate_series(${period.start}::date, ${period.end}::date, interval '1 day') as d(day)
        left join (
          select (bucket at time zone ${period.tz})::date as day, sum(orders) as orders, sum(revenue) as revenue,
            sum(discount) as discount, sum(shipping) as shipping, sum(tax) as tax
          from sales_buckets
          where bucket >= (${period.start}::date::timestamp at time zone ${period.tz})
            and bucket < ((${period.end}::date + 1)::timestamp at time zone ${period.tz})
          group by 1
        ) s on s.day = d.day::date
        order by d.day`,
  );
  let revenuePaise = 0;
  let count = 0;
  const sums = { discount: 0, shipping: 0, tax: 0 };
  const daily = rows.map((r) => {
    const paise = toPaise(r.total);
    revenuePaise += paise;
    count += r.count;
    const day = { discount: toPaise(r.discount), shipping: toPaise(r.shipping), tax: toPaise(r.tax) };
    sums.discount += day.discount;
    sums.shipping += day.shipping;
    sums.tax += day.tax;
    return {
      day: r.day,
      total: fromPaise(paise),
      count: r.count,
      discount: fromPaise(day.discount),
      shipping: fromPaise(day.shipping),
      tax: fromPaise(day.tax),
    };
  });
  return {
    period_days: period.days,
    start_date: period.start,
    end_date: period.end,
    total_orders: count,
    total_revenue: fromPaise(revenuePaise),
    average_order_value: average(revenuePaise, count),
    total_discount: fromPaise(sums.discount),
    total_shipping: fromPaise(sums.shipping),
    total_tax: fromPaise(sums.tax),
    daily_breakdown: daily,
  };
}

export function reportCsv(report: Awaited<ReturnType<typeof salesReport>>): string {
  // The columns of API.md first, so that a reader of those columns by position still reads them.
  const lines = report.daily_breakdown.map((d) => `${d.day},${d.total},${d.count},${d.discount},${d.shipping},${d.tax}`);
  return ['day,total,count,discount,shipping,tax', ...lines].join('\r\n') + '\r\n';
}

