import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../../db/client.js';
import { ValidationError } from '../../http/errors.js';
import { csvLine, type CsvValue } from '../../lib/csv.js';

/** The export's columns, in order: one row per order item. */
export const EXPORT_COLUMNS = [
  'order_number',
  'created_at',
  'status',
  'payment_status',
  'order_total',
  'customer_id',
  'customer_username',
  'customer_email',
  'shipping_address',
  'carrier',
  'tracking_number',
  'tracking_url',
  'item_id',
  'product_id',
  'variant_id',
  'sku',
  'product_name',
  'variant_title',
  'quantity',
  'unit_price',
  'line_total',
] as const;

/** How many orders one page of the export reads (their items come with them). */
const ORDERS_PER_PAGE = 500;

interface ExportRow {
  cursor_at: string;
  order_id: number;
  order_number: string;
  created_at: string;
  status: string;
  payment_status: string;
  total_amount: string;
  customer_id: number;
  username: string;
  email: string;
  shipping_address: string;
  carrier: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  // Null only for an order without items (none is placed so; kept so that every order shows).
  item_id: number | null;
  product_id: number | null;
  variant_id: number | null;
  sku: string | null;
  product_name: string | null;
  variant_title: string | null;
  quantity: number | null;
  price: string | null;
  line_total: string | null;
}

export interface ExportPeriod {
  /** Inclusive days, YYYY-MM-DD, counted in `timeZone`. */
  start: string;
  end: string;
  timeZone: string;
}

/** A calendar day as YYYY-MM-DD, else 400 naming the field. */
function assertDay(field: string, value: string) {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(ms) ||
    new Date(ms).toISOString().slice(0, 10) !== value
  ) {
    throw ValidationError.field(field, 'Enter a valid date (YYYY-MM-DD).');
  }
  if (value < '1900-01-01') throw ValidationError.field(field, 'Enter a date from 1900-01-01.');
}

/** Checks the period (400 naming start_date or end_date) before anything is sent. */
export function exportPeriod(
  query: { start_date: string; end_date: string },
  timeZone: string,
): ExportPeriod {
  assertDay('start_date', query.start_date);
  assertDay('end_date', query.end_date);
  if (query.end_date < query.start_date)
    throw ValidationError.field('end_date', 'end_date is before start_date.');
  return { start: query.start_date, end: query.end_date, timeZone };
}

/**
 * One page: the next ORDERS_PER_PAGE orders of the period after the cursor (keyset on
 * orders_created_idx; the cursor is the timestamp as PostgreSQL writes it, microseconds
 * kept), with their customers and items, in order.
 */
function exportPage(
  database: Database,
  period: ExportPeriod,
  after: { at: string; id: number } | null,
) {
  const from = sql`(${period.start}::date)::timestamp at time zone ${period.timeZone}`;
  const until = sql`(${period.end}::date + 1)::timestamp at time zone ${period.timeZone}`;
  return queryRows<ExportRow>(
    database.db,
    sql`select o.created_at::text as cursor_at, o.id as order_id, o.order_number,
               to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
               o.status, o.payment_status, o.total_amount::text as total_amount,
               u.id as customer_id, u.username, u.email, o.shipping_address,
               o.carrier, o.tracking_number, o.tracking_url,
               i.id as item_id, i.product_id, i.variant_id, i.sku, i.product_name, i.variant_title, i.quantity,
               i.price_at_purchase::text as price, (i.price_at_purchase * i.quantity)::numeric(14, 2)::text as line_total
        from (select * from orders
              where created_at >= ${from} and created_at < ${until}
                ${after ? sql`and (created_at, id) > (${after.at}::timestamptz, ${after.id})` : sql``}
              order by created_at, id
              limit ${ORDERS_PER_PAGE}) o
        join users u on u.id = o.user_id
        left join order_items i on i.order_id = o.id
        order by o.created_at, o.id, i.id`,
  );
}

function line(r: ExportRow): string {
  const values: CsvValue[] = [
    r.order_number,
    r.created_at,
    r.status,
    r.payment_status,
    r.total_amount,
    r.customer_id,
    r.username,
    r.email,
    r.shipping_address,
    r.carrier,
    r.tracking_number,
    r.tracking_url,
    r.item_id,
    r.product_id,
    r.variant_id,
    r.sku,
    r.product_name,
    r.variant_title,
    r.quantity,
    r.price,
    r.line_total,
  ];
  return csvLine(values);
}

/** The CSV text, a page at a time: pulled by the response as the client reads. */
async function* exportChunks(database: Database, period: ExportPeriod): AsyncGenerator<string> {
  yield csvLine(EXPORT_COLUMNS);
  let after: { at: string; id: number } | null = null;
  for (;;) {
    const rows = await exportPage(database, period, after);
    if (!rows.length) return;
    yield rows.map(line).join('');
    const last = rows[rows.length - 1]!;
    after = { at: last.cursor_at, id: last.order_id };
    // Fewer orders than a page (each has a line at least): that was the last one.
    if (new Set(rows.map((r) => r.order_id)).size < ORDERS_PER_PAGE) return;
  }
}

/**
 * The orders placed in the period as CSV, one line per item, oldest first: a stream that
 * reads ORDERS_PER_PAGE orders at a time, so an export of any size holds one page in memory.
 */
export function exportOrdersCsv(database: Database, period: ExportPeriod): Readable {
  return Readable.from(exportChunks(database, period), { objectMode: false });
}
